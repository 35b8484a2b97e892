// A parsed JSON document as a tree of object nodes (DuckDB's serialized SQL and plans are read this way):
// what an object node is, and every object node of a tree, depth first.

export type JsonNode = { [key: string]: unknown };

export function isJsonNode(value: unknown): value is JsonNode {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Every object node of the tree, depth first, arrays walked through. */
export function* walkJson(value: unknown): Generator<JsonNode> {
  if (Array.isArray(value)) {
    for (const item of value) yield* walkJson(item);
  } else if (isJsonNode(value)) {
    yield value;
    for (const child of Object.values(value)) yield* walkJson(child);
  }
}
