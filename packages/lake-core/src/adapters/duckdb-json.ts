// DuckDB's JSON documents (json_serialize_sql, json_serialize_plan) read and written by JavaScript:
// DuckDB writes non-finite numbers bare (Infinity, -Infinity, NaN: `SELECT 1e999`), which JSON.parse
// refuses, and UINT64_MAX as a number JavaScript cannot hold, which DuckDB refuses once rounded.

const NON_FINITE = /^(-?Infinity|NaN)/;
// A string no DuckDB document holds: the control character cannot appear unescaped in its JSON.
const SENTINEL = "\u0000duckdb-non-finite:";
const UINT64_MAX_AS_DOUBLE = String(2 ** 64);

/** JSON.parse of DuckDB's output, with bare non-finite numbers read as sentinel strings. */
export function parseDuckDbJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Quote every bare Infinity/NaN outside strings, then parse again.
  }
  let out = "";
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const token = NON_FINITE.exec(text.slice(i, i + 9))?.[0];
    if (token) {
      out += JSON.stringify(SENTINEL + token);
      i += token.length;
      continue;
    }
    out += ch;
    i += 1;
  }
  return JSON.parse(out);
}

/** JSON text of a document read with parseDuckDbJson, as DuckDB reads it back. */
export function stringifyDuckDbJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/"\\u0000duckdb-non-finite:(-?Infinity|NaN)"/g, "$1")
    .replaceAll(UINT64_MAX_AS_DOUBLE, "18446744073709551615");
}
