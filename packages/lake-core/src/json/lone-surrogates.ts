// Finds text that JSON.parse accepts but no UTF-8 store can hold: a \uD800–\uDFFF escape without its
// pair (an unpaired UTF-16 surrogate). DuckDB refuses a whole NDJSON file that holds one.
import { escapePointerToken } from "./json-pointer";

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const ESCAPE_START = Buffer.from("\\u");

/** Whether a string holds an unpaired surrogate. */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/** Whether JSON text may hold a surrogate escape (paired or not): a cheap test before the exact one. */
export function mayHoldSurrogateEscape(text: string): boolean {
  return SURROGATE_ESCAPE.test(text);
}

/** The same test on the bytes `body[start, end)`. */
export function bytesMayHoldSurrogateEscape(body: Uint8Array, start: number, end: number): boolean {
  // A view of the event alone: indexOf on the whole body would search past the event, to its end.
  const buf = Buffer.from(body.buffer, body.byteOffset + start, end - start);
  for (
    let i = buf.indexOf(ESCAPE_START);
    i !== -1 && i + 3 < buf.length;
    i = buf.indexOf(ESCAPE_START, i + 2)
  ) {
    const d = buf[i + 2]! | 0x20;
    const h = buf[i + 3]! | 0x20;
    if (d === 0x64 && ((h >= 0x38 && h <= 0x39) || (h >= 0x61 && h <= 0x66))) return true;
  }
  return false;
}

/** The JSON pointer of the first string or key in `value` holding an unpaired surrogate, if any. */
export function loneSurrogatePath(value: unknown, at = ""): string | undefined {
  // Iterative: a value nested deeper than the call stack is still searched.
  const stack: [unknown, string][] = [[value, at]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === "string") {
      if (LONE_SURROGATE.test(v)) return path;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i -= 1) stack.push([v[i], `${path}/${i}`]);
    } else if (typeof v === "object" && v !== null) {
      for (const [k, child] of Object.entries(v)) {
        if (LONE_SURROGATE.test(k)) return `${path}/${escapePointerToken(k)}`;
        stack.push([child, `${path}/${escapePointerToken(k)}`]);
      }
    }
  }
  return undefined;
}
