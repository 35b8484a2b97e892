// What a schema violation's reason says: what the schema expected and what the event held, for a
// producer to fix it without reading the schema. Values are quoted short; an event is never dumped.
import type { ErrorObject } from "ajv/dist/2020";

/** Characters of a value (or a pattern) a reason quotes before cutting it with "…". */
const MAX_VALUE_CHARS = 40;
const MAX_PATTERN_CHARS = 80;
/** Allowed values an enum's reason lists before saying how many more there are. */
const MAX_ALLOWED_VALUES = 10;

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  number: "a number",
  integer: "an integer",
  boolean: "a boolean",
  object: "an object",
  array: "an array",
  null: "null",
};

const FORMAT_NAMES: Record<string, string> = {
  "date-time": "a date-time (RFC 3339)",
  date: "a date (RFC 3339, such as 2024-05-01)",
  time: "a time (RFC 3339, such as 10:00:00Z)",
  "iso-date-time": "a date-time (ISO 8601)",
  "iso-time": "a time (ISO 8601)",
  duration: "a duration (ISO 8601, such as P3D)",
  email: "an email address",
  hostname: "a host name",
  ipv4: "an IPv4 address",
  ipv6: "an IPv6 address",
  uri: "an absolute URI",
  "uri-reference": "a URI reference",
  "uri-template": "a URI template",
  url: "a URL",
  uuid: "a UUID",
  regex: "a regular expression",
  "json-pointer": "a JSON pointer",
  "relative-json-pointer": "a relative JSON pointer",
  byte: "base64 text",
  int32: "a 32-bit integer",
  int64: "a 64-bit integer",
  float: "a float",
  double: "a double",
};

const COMPARISONS: Record<string, string> = { ">=": "≥", "<=": "≤", ">": ">", "<": "<" };

/** Text cut to at most `max` characters (whole code points), "…" marking the cut. */
function cut(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max).join("")}…`;
}

/** A string as a reason quotes it: in double quotes with JSON's escapes, cut when long. */
function quoted(text: string): string {
  // Cut before escaping, so that a huge string is not escaped whole (40 code points fit in 80 units).
  const head = text.slice(0, MAX_VALUE_CHARS * 2);
  const chars = Array.from(head);
  if (head === text && chars.length <= MAX_VALUE_CHARS) return JSON.stringify(text);
  return `${JSON.stringify(chars.slice(0, MAX_VALUE_CHARS).join("")).slice(0, -1)}…"`;
}

/** A value of the event as "got …" names it: scalars as written, containers by their kind only. */
function literal(value: unknown): string {
  if (typeof value === "string") return quoted(value);
  if (Array.isArray(value)) return value.length === 0 ? "an empty array" : "an array";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  if (value === undefined) return "nothing";
  return String(value);
}

/** A value named with its JSON type, for a type mismatch: `the string "12"`. */
function typed(value: unknown): string {
  if (typeof value === "string") return `the string ${quoted(value)}`;
  if (typeof value === "number") return `the number ${value}`;
  if (typeof value === "boolean") return `the boolean ${value}`;
  return literal(value);
}

/** A value the schema names (an enum's or const's), which may be any JSON. */
function schemaValue(value: unknown): string {
  if (typeof value === "string") return quoted(value);
  return cut(JSON.stringify(value) ?? String(value), MAX_VALUE_CHARS);
}

/** "a, b or c" */
function alternatives(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Length as JSON Schema counts it: in code points. */
function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

function allowedValues(values: unknown[]): string {
  const shown = values.slice(0, MAX_ALLOWED_VALUES).map(schemaValue);
  const more = values.length - shown.length;
  if (more > 0) return `one of ${shown.join(", ")} (or ${more} more)`;
  return shown.length === 1 ? shown[0]! : `one of ${shown.join(", ")}`;
}

/**
 * One AJV error (compiled with `verbose`, so `data` is the value at fault) as a sentence saying what
 * was expected and what was sent; keywords without their own sentence keep AJV's message.
 */
export function violationMessage(err: ErrorObject): string {
  const params = err.params as Record<string, unknown>;
  const data: unknown = err.data;
  const got = `got ${literal(data)}`;
  // An error under propertyNames is about a property's name, which is then `data`.
  const subject = typeof err.propertyName === "string" ? "property name " : "";
  switch (err.keyword) {
    case "type": {
      const types = (Array.isArray(params.type) ? params.type : [params.type]).map(
        (t) => TYPE_NAMES[String(t)] ?? String(t),
      );
      return `${subject}must be ${alternatives(types)}, got ${typed(data)}`;
    }
    case "enum":
      return `${subject}must be ${allowedValues(Array.isArray(params.allowedValues) ? params.allowedValues : [])}; ${got}`;
    case "const":
      return `${subject}must be ${schemaValue(params.allowedValue)}, ${got}`;
    case "format": {
      const format = String(params.format);
      return `${subject}must be ${FORMAT_NAMES[format] ?? `in the format "${format}"`}, ${got}`;
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return `${subject}must be ${COMPARISONS[String(params.comparison)] ?? params.comparison} ${params.limit}, ${got}`;
    case "multipleOf":
      return `${subject}must be a multiple of ${params.multipleOf}, ${got}`;
    case "minLength":
    case "maxLength": {
      const limit = Number(params.limit);
      const bound = err.keyword === "minLength" ? "at least" : "at most";
      const length =
        typeof data === "string" ? `${plural(codePoints(data), "character", "characters")}: ` : "";
      return `${subject}must be ${bound} ${plural(limit, "character", "characters")} long, got ${length}${literal(data)}`;
    }
    case "pattern":
      return `${subject}must match the pattern /${cut(String(params.pattern), MAX_PATTERN_CHARS)}/, ${got}`;
    case "minItems":
    case "maxItems": {
      const bound = err.keyword === "minItems" ? "at least" : "at most";
      const count = Array.isArray(data) ? `, got ${data.length}` : "";
      return `must have ${bound} ${plural(Number(params.limit), "item", "items")}${count}`;
    }
    case "minProperties":
    case "maxProperties": {
      const bound = err.keyword === "minProperties" ? "at least" : "at most";
      const count = typeof data === "object" && data !== null ? `, got ${Object.keys(data).length}` : "";
      return `must have ${bound} ${plural(Number(params.limit), "property", "properties")}${count}`;
    }
    case "uniqueItems": {
      const [a, b] = [Number(params.j), Number(params.i)].sort((x, y) => x - y);
      return `must not hold duplicate items, got equal items at ${a} and ${b}`;
    }
    case "required":
      return `the required property ${quoted(String(params.missingProperty))} is missing`;
    case "dependentRequired":
      return `the property ${quoted(String(params.missingProperty))} is required when ${quoted(String(params.property))} is present, and is missing`;
    case "additionalProperties":
      return `the property ${quoted(String(params.additionalProperty))} is not declared by the schema, which allows no other properties`;
    case "unevaluatedProperties":
      return `the property ${quoted(String(params.unevaluatedProperty))} is not declared by the schema, which allows no other properties`;
    case "propertyNames":
      return `has a property name the schema does not allow: ${quoted(String(params.propertyName))}`;
    case "anyOf":
      return `must match at least one of the schemas in anyOf, got ${typed(data)}`;
    case "oneOf": {
      const passing = Array.isArray(params.passingSchemas) ? params.passingSchemas.length : 0;
      return `must match exactly one of the schemas in oneOf, but matches ${passing === 0 ? "none" : passing}; got ${typed(data)}`;
    }
    case "not":
      return `must not match the schema in not, ${got}`;
    case "if":
      return params.failingKeyword === "else"
        ? `must match the "else" schema, as it does not match the "if" schema`
        : `must match the "then" schema, as it matches the "if" schema`;
    case "false schema":
      return "is not allowed here (the schema is false)";
    case "contains":
      if (params.maxContains !== undefined) return err.message ?? "failed contains";
      return `must hold at least ${plural(Number(params.minContains ?? 1), "item", "items")} matching the contains schema`;
    default:
      return err.message ?? `failed ${err.keyword}`;
  }
}
