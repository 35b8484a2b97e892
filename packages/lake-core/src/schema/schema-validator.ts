// Compiles a source's JSON Schema once per schema version (AJV, draft 2020-12 + formats) and turns
// validation errors into { path: JSON pointer, message } for dead letters (the message's wording is
// violation-message.ts's).
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { InletError } from "../errors";
import { escapePointerToken } from "../json/json-pointer";
import type { ColumnSpec } from "./schema-columns";
import { violationMessage } from "./violation-message";

export interface SchemaViolation {
  /** JSON pointer into the event payload ("" is the payload itself). */
  path: string;
  message: string;
  /** The event's other violations, so a producer can fix them all at once (at most MAX_LISTED). */
  others?: { path: string; message: string }[];
}

/** How many further violations a dead letter's reason lists. */
const MAX_LISTED = 9;

export type EventValidator = (payload: unknown) => SchemaViolation | undefined;

const cache = new Map<string, EventValidator>();

/**
 * One AJV error as a pointer and a message saying what was expected and what was sent; a missing or
 * extra property points at that property. The error must come from a validator compiled with
 * `verbose` (its `data` is the value the message quotes).
 */
export function describeAjvError(err: ErrorObject): SchemaViolation {
  const params = err.params as Record<string, unknown>;
  const named =
    err.keyword === "required" || err.keyword === "dependentRequired"
      ? params.missingProperty
      : err.keyword === "additionalProperties"
        ? params.additionalProperty
        : err.keyword === "unevaluatedProperties"
          ? params.unevaluatedProperty
          : undefined;
  const path =
    typeof named === "string" ? `${err.instancePath}/${escapePointerToken(named)}` : err.instancePath;
  return { path, message: violationMessage(err) };
}

/**
 * The human reason stored in dead letters, e.g.
 * `/status: must be one of "paid", "void"; got "pending"; /amount: must be ≥ 0, got -5`.
 */
export function formatViolation(v: SchemaViolation): string {
  const one = (x: { path: string; message: string }) => `${x.path === "" ? "/" : x.path}: ${x.message}`;
  return [v, ...(v.others ?? [])].map(one).join("; ");
}

function compile(jsonSchema: unknown): EventValidator {
  if (typeof jsonSchema !== "object" || jsonSchema === null) {
    throw new InletError("INVALID_CONFIG", "schema must be a JSON object");
  }
  // Schemas often carry a draft-07 "$schema" URI; the keywords used by event schemas mean the same in
  // 2020-12, and an unknown meta-schema would make AJV refuse to compile.
  const { $schema: _ignored, ...schema } = jsonSchema as Record<string, unknown>;
  // One AJV instance per version: two versions may share an $id, which one instance refuses.
  // ownProperties: a payload is checked for its own members only, so a property the schema names like
  // an Object.prototype member ("constructor", "toString") is not found on an event that lacks it.
  const ajv = new Ajv2020({
    allErrors: false,
    strict: false,
    validateFormats: true,
    verbose: true,
    ownProperties: true,
  });
  addFormats(ajv);
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch (err) {
    throw new InletError("INVALID_CONFIG", `schema does not compile: ${(err as Error).message}`);
  }
  // Events that pass (nearly all) are checked once, stopping at the first error; one that fails is
  // checked again for every error, compiled on the first failure.
  let validateAll: ValidateFunction | undefined;
  return (payload) => {
    if (validate(payload)) return undefined;
    const first = validate.errors?.[0];
    const violation = first ? describeAjvError(first) : { path: "", message: "is invalid" };
    if (!validateAll) {
      const all = new Ajv2020({
        allErrors: true,
        strict: false,
        validateFormats: true,
        verbose: true,
        ownProperties: true,
      });
      addFormats(all);
      validateAll = all.compile(schema);
    }
    validateAll(payload);
    const seen = new Set([`${violation.path}\n${violation.message}`]);
    const others: { path: string; message: string }[] = [];
    for (const err of validateAll.errors ?? []) {
      const v = describeAjvError(err);
      const id = `${v.path}\n${v.message}`;
      if (seen.has(id) || others.length === MAX_LISTED) continue;
      seen.add(id);
      others.push(v);
    }
    return others.length === 0 ? violation : { ...violation, others };
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

// RFC 3339 (and so AJV's date-time) allows a leap second; DuckDB timestamps cannot hold one.
const LEAP_SECOND = /^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:60/;
// AJV's date-time takes any whitespace between date and time; DuckDB reads "T" or a space only.
const ODD_SEPARATOR = /^\d{4}-\d\d-\d\d[^Tt \d]/;

/**
 * A value of a curated column that the table cannot hold as sent, although the schema accepts it:
 * a number beyond a 64-bit float (JSON.parse makes it Infinity; it would be stored as NULL or
 * infinite), an integer beyond 64 bits in a BIGINT column, or a leap second in a timestamp column
 * (both would be stored as NULL). Such events are
 * dead-lettered rather than stored changed.
 */
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/**
 * Whether a JSON number fits a BIGINT column. Doubles strictly between -2^63 and 2^63 stand only for
 * integers in range; exactly ±2^63 is also what JSON.parse makes of the integers just inside and
 * just outside the range, so then the number's text as sent decides (out of range without it).
 */
function fitsInt64(v: number, text: (() => string | undefined) | undefined): boolean {
  if (v > -(2 ** 63) && v < 2 ** 63) return true;
  if (v !== 2 ** 63 && v !== -(2 ** 63)) return false;
  const digits = text?.()?.trim();
  if (digits === undefined || !/^-?\d+$/.test(digits)) return false;
  const n = BigInt(digits);
  return n >= INT64_MIN && n <= INT64_MAX;
}

export function unstorableValue(
  payload: unknown,
  columns: ColumnSpec[],
  /** The text as sent of a top-level property, when it is at hand (for numbers JSON.parse rounds). */
  memberText?: (name: string) => string | undefined,
): SchemaViolation | undefined {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return undefined;
  const record = payload as Record<string, unknown>;
  // Without the text at hand (a parsed-only payload) the number is taken as it was parsed.
  const plainDigits = (name: string) => {
    const text = memberText?.(name)?.trim();
    return text === undefined || /^-?\d+$/.test(text);
  };
  for (const c of columns) {
    const v = record[c.name];
    if (typeof v === "number" && !Number.isFinite(v)) {
      return {
        path: `/${escapePointerToken(c.name)}`,
        message: "is a number beyond the range of a 64-bit float",
      };
    }
    if (
      c.type === "BIGINT" &&
      typeof v === "number" &&
      !fitsInt64(v, memberText && (() => memberText(c.name)))
    ) {
      return { path: `/${escapePointerToken(c.name)}`, message: "is outside the range of a 64-bit integer" };
    }
    if (c.type === "BIGINT" && typeof v === "number" && Math.abs(v) >= 2 ** 53 && !plainDigits(c.name)) {
      return {
        path: `/${escapePointerToken(c.name)}`,
        message:
          "is an integer beyond 2^53 written with a fraction or exponent, which would be read as a float and lose digits: send it as plain digits",
      };
    }
    if (c.type === "TIMESTAMPTZ" && typeof v === "string" && LEAP_SECOND.test(v)) {
      return {
        path: `/${escapePointerToken(c.name)}`,
        message: "is a leap second (:60), which a timestamp column cannot hold",
      };
    }
    if (c.type === "TIMESTAMPTZ" && typeof v === "string" && ODD_SEPARATOR.test(v)) {
      return {
        path: `/${escapePointerToken(c.name)}`,
        message: "separates date and time with a tab or line break, which a timestamp column cannot read",
      };
    }
  }
  return undefined;
}

/** Compiles a schema without caching it (a check before a version exists); throws INVALID_CONFIG. */
export { compile as compileEventValidator };
