// The tags a source's JSON Schema gives its curated columns: a top-level property written
// `"x-inlet-tags": ["pii", "email"]` tags the column it becomes, so the rules on those tags hold for
// the column from its first event. Tag names follow the Policies page's: a letter, then up to 39
// letters, digits, _ or -, in lower case.
import { InletError } from "../errors";
import { payloadColumns } from "./schema-columns";

export const COLUMN_TAGS_KEYWORD = "x-inlet-tags";
export const TAG_NAME = /^[a-z][a-z0-9_-]{0,39}$/;
/** The most tags one column may carry from its schema. */
export const MAX_SCHEMA_TAGS = 20;

export interface SchemaColumnTags {
  column: string;
  tags: string[];
}

function refused(message: string, property: string): InletError {
  return new InletError("BAD_REQUEST", `${COLUMN_TAGS_KEYWORD} of property '${property}': ${message}`, {
    field: "schema",
    property,
  });
}

/**
 * Each curated column the schema tags, with its tags (lower case, each once), in declaration order.
 * BAD_REQUEST (details.field "schema") for tags that are not a list of tag names, or on a property
 * that does not become a column.
 */
export function schemaColumnTags(jsonSchema: unknown): SchemaColumnTags[] {
  if (typeof jsonSchema !== "object" || jsonSchema === null) return [];
  const properties = (jsonSchema as { properties?: unknown }).properties;
  if (typeof properties !== "object" || properties === null || Array.isArray(properties)) return [];
  const columns = new Set(payloadColumns(jsonSchema).map((c) => c.name));
  const out: SchemaColumnTags[] = [];
  for (const [name, prop] of Object.entries(properties)) {
    if (typeof prop !== "object" || prop === null || !(COLUMN_TAGS_KEYWORD in prop)) continue;
    const given: unknown = (prop as Record<string, unknown>)[COLUMN_TAGS_KEYWORD];
    if (!Array.isArray(given)) throw refused('must be a list of tag names, such as ["pii"]', name);
    const tags: string[] = [];
    for (const item of given) {
      const tag = typeof item === "string" ? item.trim().toLowerCase() : "";
      if (!TAG_NAME.test(tag)) {
        throw refused(
          `${JSON.stringify(item)} is not a tag name (a letter, then up to 39 letters, digits, _ or -)`,
          name,
        );
      }
      if (!tags.includes(tag)) tags.push(tag);
    }
    if (tags.length > MAX_SCHEMA_TAGS) throw refused(`at most ${MAX_SCHEMA_TAGS} tags`, name);
    if (!columns.has(name)) {
      throw refused(
        "the property does not become a column of the curated table (its name is reserved, or repeats another's in a different case)",
        name,
      );
    }
    if (tags.length > 0) out.push({ column: name, tags });
  }
  return out;
}
