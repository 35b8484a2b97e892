// Checking a schema before it is registered: it compiles, it describes objects, the fields that give
// an event its id and time are among its properties, and the tags it gives columns (x-inlet-tags) are
// tag names on properties that become columns; its curated columns follow from it.
import { InletError } from "../errors";
import type { ColumnSpec } from "../ports/catalog";
import { schemaColumnTags } from "./column-tags";
import { curatedColumns } from "./schema-columns";
import { compileEventValidator } from "./schema-validator";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The declared top-level properties, or undefined when the schema declares none (payload kept whole). */
function declaredProperties(jsonSchema: Record<string, unknown>): string[] | undefined {
  return isObject(jsonSchema.properties) ? Object.keys(jsonSchema.properties) : undefined;
}

function checkField(field: "idField" | "timeField", path: string, properties: string[] | undefined): void {
  // No time field: each event is stored at the time it was received.
  if (field === "timeField" && path === "") return;
  const top = path.split(".")[0] ?? "";
  if (properties === undefined || properties.includes(path) || properties.includes(top)) return;
  const what = field === "idField" ? "event-id field" : "event-time field";
  const known =
    properties.length === 0
      ? "it declares none"
      : `it declares ${properties.map((p) => `'${p}'`).join(", ")}`;
  throw new InletError("BAD_REQUEST", `The ${what} '${path}' is not a property of the schema (${known})`, {
    field,
  });
}

const PARTITION_TYPES = new Set(["string", "integer", "boolean"]);

/** The extra partition property must be a declared top-level string, integer or boolean property. */
function checkPartitionProperty(
  jsonSchema: Record<string, unknown> | undefined,
  property: string | undefined,
): void {
  if (property === undefined) return;
  const refuse = (reason: string) => {
    throw new InletError("BAD_REQUEST", `The partition property '${property}' ${reason}`, {
      field: "partitionProperty",
    });
  };
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(property)) {
    refuse("must be a top-level property name (letters, digits and _)");
  }
  if (property === "dt") refuse("must not be 'dt': the event date is the first partition");
  const declared = isObject(jsonSchema?.properties) ? jsonSchema.properties[property] : undefined;
  if (!isObject(declared)) refuse("is not a top-level property of the schema");
  const types = ([] as unknown[]).concat((declared as Record<string, unknown>).type ?? []);
  if (types.length === 0 || !types.every((t) => t === "null" || PARTITION_TYPES.has(String(t)))) {
    refuse("must be a string, integer or boolean property (a low-cardinality value such as a region)");
  }
}

/**
 * The curated columns of a schema about to be registered (undefined: a schemaless source). Throws
 * BAD_REQUEST naming the field (`schema`, `idField` or `timeField`) and the reason.
 */
export function checkNewSchema(
  jsonSchema: unknown,
  fields: { idField: string; timeField: string; partitionProperty?: string | undefined },
): ColumnSpec[] {
  if (jsonSchema === undefined) {
    if (fields.partitionProperty !== undefined) {
      throw new InletError("BAD_REQUEST", "A schemaless source cannot be partitioned by a property", {
        field: "partitionProperty",
      });
    }
    return curatedColumns(undefined);
  }
  if (!isObject(jsonSchema)) {
    throw new InletError("BAD_REQUEST", "The schema must be a JSON object (a JSON Schema)", {
      field: "schema",
    });
  }
  if (jsonSchema.type !== undefined && jsonSchema.type !== "object") {
    throw new InletError(
      "BAD_REQUEST",
      `The schema must describe objects ("type": "object"), not ${JSON.stringify(jsonSchema.type)}`,
      {
        field: "schema",
      },
    );
  }
  try {
    compileEventValidator(jsonSchema);
  } catch (err) {
    throw new InletError(
      "BAD_REQUEST",
      `The schema is not valid JSON Schema: ${(err as Error).message.replace(/^schema does not compile: /, "")}`,
      {
        field: "schema",
      },
    );
  }
  const properties = declaredProperties(jsonSchema);
  checkField("idField", fields.idField, properties);
  checkField("timeField", fields.timeField, properties);
  checkPartitionProperty(jsonSchema, fields.partitionProperty);
  schemaColumnTags(jsonSchema);
  return curatedColumns(jsonSchema);
}
