// A JSON Schema laid out as people write one, for showing it: the catalog keeps schemas as jsonb, which
// gives their keys back sorted by length ("type" before "$schema", "ts" before "amount"). Its keywords
// come in the usual order ($schema, $id, title, description, type, properties, required, …) and its
// properties in the order of the table's columns (the order the source was registered with).

const KEYWORD_ORDER = [
  "$schema",
  "$id",
  "title",
  "description",
  "type",
  "properties",
  "required",
  "additionalProperties",
];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function ordered(obj: Record<string, unknown>, first: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of first) if (Object.hasOwn(obj, key)) out[key] = obj[key];
  for (const [key, value] of Object.entries(obj)) if (!Object.hasOwn(out, key)) out[key] = value;
  return out;
}

/** The schema with its keywords and top-level properties in reading order; anything else as it is. */
export function readableSchemaOrder(schema: unknown, columnOrder: readonly string[]): unknown {
  if (!isObject(schema)) return schema;
  const top = ordered(schema, KEYWORD_ORDER);
  if (isObject(top.properties)) top.properties = ordered(top.properties, columnOrder);
  return top;
}
