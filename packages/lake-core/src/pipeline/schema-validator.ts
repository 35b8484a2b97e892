// Compiles a source's JSON Schema once per schema version (AJV, draft 2020-12 + formats) and turns
// validation errors into { path: JSON pointer, message } for dead letters.
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { InletError } from "../errors";

export interface SchemaViolation {
  /** JSON pointer into the event payload ("" is the payload itself). */
  path: string;
  message: string;
}

export type EventValidator = (payload: unknown) => SchemaViolation | undefined;

const cache = new Map<string, EventValidator>();

function escapePointerToken(token: string): string {
  return token.replaceAll("~", "~0").replaceAll("/", "~1");
}

/** One AJV error as a pointer and a message; a missing or extra property points at that property. */
export function describeAjvError(err: ErrorObject): SchemaViolation {
  const params = err.params as Record<string, unknown>;
  let path = err.instancePath;
  if (err.keyword === "required" && typeof params.missingProperty === "string") {
    path = `${path}/${escapePointerToken(params.missingProperty)}`;
  } else if (err.keyword === "additionalProperties" && typeof params.additionalProperty === "string") {
    path = `${path}/${escapePointerToken(params.additionalProperty)}`;
  }
  return { path, message: err.message ?? `failed ${err.keyword}` };
}

/** The human reason stored in dead letters, e.g. "/amount: must be number". */
export function formatViolation(v: SchemaViolation): string {
  return `${v.path === "" ? "/" : v.path}: ${v.message}`;
}

function compile(jsonSchema: unknown): EventValidator {
  if (typeof jsonSchema !== "object" || jsonSchema === null) {
    throw new InletError("INVALID_CONFIG", "schema must be a JSON object");
  }
  // Schemas often carry a draft-07 "$schema" URI; the keywords used by event schemas mean the same in
  // 2020-12, and an unknown meta-schema would make AJV refuse to compile.
  const { $schema: _ignored, ...schema } = jsonSchema as Record<string, unknown>;
  // One AJV instance per version: two versions may share an $id, which one instance refuses.
  const ajv = new Ajv2020({ allErrors: false, strict: false, validateFormats: true });
  addFormats(ajv);
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch (err) {
    throw new InletError("INVALID_CONFIG", `schema does not compile: ${(err as Error).message}`);
  }
  return (payload) => {
    if (validate(payload)) return undefined;
    const first = validate.errors?.[0];
    return first ? describeAjvError(first) : { path: "", message: "is invalid" };
  };
}

/** The validator of a schema version, compiled on first use and cached by version id. */
export function validatorFor(schemaVersionId: string, jsonSchema: unknown): EventValidator {
  let v = cache.get(schemaVersionId);
  if (!v) {
    v = compile(jsonSchema);
    cache.set(schemaVersionId, v);
  }
  return v;
}
