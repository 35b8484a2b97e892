// Finds where a JSON text writes a whole number as a decimal ("10.0", "2.50e1"): JSON.parse makes it an
// integer, but the producer (Python's json, pandas) wrote a float, so the schema should say "number".

/** A place in a record: field names, and 0 for "any element of this array". */
export type Place = readonly (string | 0)[];

const TOKEN = /"(?:[^"\\]|\\.)*"|[{}[\],:]|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/g;
const DECIMAL = /[.eE]/;

/**
 * The places, relative to each top-level value, of whole numbers written with a fraction or exponent,
 * for a text of one or more JSON values that JSON.parse accepted (one document, or NDJSON lines).
 */
export function integralDecimalPlaces(text: string): Place[] {
  // A text without a digit followed by "." or "e" has none, and is not scanned.
  if (!/\d[.eE]/.test(text)) return [];
  const found = new Map<string, Place>();
  const path: (string | 0)[] = [];
  const containers: string[] = [];
  let previous = "";
  for (const [token] of text.matchAll(TOKEN)) {
    const c = token.charAt(0);
    const inObject = containers[containers.length - 1] === "{";
    if (c === "{") {
      containers.push("{");
    } else if (c === "[") {
      containers.push("[");
      path.push(0);
    } else if (c === "}") {
      if (previous !== "{") path.pop();
      containers.pop();
    } else if (c === "]") {
      path.pop();
      containers.pop();
    } else if (c === ",") {
      if (inObject) path.pop();
    } else if (c === '"') {
      if (inObject && (previous === "{" || previous === ",")) path.push(JSON.parse(token) as string);
    } else if (
      (c === "-" || (c >= "0" && c <= "9")) &&
      DECIMAL.test(token) &&
      Number.isInteger(Number(token))
    ) {
      const place = [...path];
      found.set(JSON.stringify(place), place);
    }
    previous = c;
  }
  return [...found.values()];
}
