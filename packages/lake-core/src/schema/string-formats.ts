// The JSON Schema string format a sample value shows (date-time, date, email, uri, uuid). Each format
// is a strict shape check followed by AJV's own validator for that format, so an inferred format never
// rejects the value it was inferred from.
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";

export type StringFormat = "date-time" | "date" | "email" | "uri" | "uuid";

/**
 * RFC 3339 with seconds and a zone. Stricter than AJV's date-time where a timestamp column is: no leap
 * second (DuckDB cannot hold :60), "T" or one space between date and time (DuckDB reads no other).
 */
const DATE_TIME_SHAPE = /^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:[0-5]\d(?:\.\d+)?(?:[Zz]|[+-]\d\d:\d\d)$/;
const DATE_SHAPE = /^\d{4}-\d\d-\d\d$/;
/** Without AJV's optional "urn:uuid:" prefix: a prefixed id is rarer than a look-alike string. */
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Only URLs with an authority ("scheme://…"): AJV's uri also takes any "word:rest", e.g. "note:hi". */
const URI_SHAPE = /^[a-z][a-z0-9+.-]*:\/\/\S+$/i;
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;

const SHAPES: readonly (readonly [StringFormat, RegExp])[] = [
  ["date-time", DATE_TIME_SHAPE],
  ["date", DATE_SHAPE],
  ["uuid", UUID_SHAPE],
  ["uri", URI_SHAPE],
  ["email", EMAIL_SHAPE],
];

let validators: Map<StringFormat, ValidateFunction> | undefined;

/** AJV's validators, in the same configuration as schema-validator.ts, compiled on first use. */
function ajvFormatCheck(format: StringFormat): ValidateFunction {
  if (!validators) {
    const ajv = new Ajv2020({ strict: false, validateFormats: true });
    addFormats(ajv);
    validators = new Map(SHAPES.map(([f]) => [f, ajv.compile({ type: "string", format: f })]));
  }
  return validators.get(format)!;
}

/**
 * The one format `value` has, or undefined: the first shape that matches decides (a URL with a user,
 * "http://a@b", is a uri, not an email), and AJV must then accept the value too.
 */
export function stringFormatOf(value: string): StringFormat | undefined {
  for (const [format, shape] of SHAPES) {
    if (shape.test(value)) return ajvFormatCheck(format)(value) ? format : undefined;
  }
  return undefined;
}
