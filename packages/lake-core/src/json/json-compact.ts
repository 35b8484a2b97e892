// JSON text without the whitespace between its tokens, the rest kept character for character (numbers
// as written, strings as escaped): a pretty-printed event becomes one NDJSON line without being parsed
// and serialized again, which would round numbers beyond a double.

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** Valid JSON text with insignificant whitespace removed. */
export function compactJson(text: string): string {
  let out = "";
  let from = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: up to its closing quote, escapes skipped.
      i += 1;
      while (i < text.length && text.charCodeAt(i) !== 0x22) i += text.charCodeAt(i) === 0x5c ? 2 : 1;
      i += 1;
      continue;
    }
    if (WS.has(c)) {
      out += text.slice(from, i);
      while (i < text.length && WS.has(text.charCodeAt(i))) i += 1;
      from = i;
      continue;
    }
    i += 1;
  }
  return out + text.slice(from);
}
