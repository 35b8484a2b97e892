// Where a JSON text first goes wrong (line and column), for error messages JSON.parse leaves vague.
// Only runs after JSON.parse has failed, so it favours clarity over speed.

export interface JsonErrorLocation {
  /** Offset into the text (UTF-16 code units). */
  position: number;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES = new Set(['"', "\\", "/", "b", "f", "n", "r", "t"]);
const HEX4 = /[0-9a-fA-F]{4}/y;

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/** Index just past the closing quote, or -(position of the error) - 1. */
function scanString(s: string, start: number): number {
  let i = start + 1;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c < 0x20) return -i - 1;
    if (c === 0x5c) {
      const e = s[i + 1];
      if (e === "u") {
        HEX4.lastIndex = i + 2;
        if (!HEX4.test(s)) return -(i + 2) - 1;
        i += 6;
      } else if (e !== undefined && ESCAPES.has(e)) {
        i += 2;
      } else {
        return -(i + 1) - 1;
      }
    } else {
      i += 1;
    }
  }
  return -s.length - 1;
}

/** Offset of the first character that makes `s` invalid JSON, or -1 when it is valid. */
export function findJsonErrorPosition(s: string): number {
  const OBJECT = 1;
  const ARRAY = 2;
  const stack: number[] = [];
  let state: "value" | "key" | "after" = "value";
  let i = 0;
  const n = s.length;
  for (;;) {
    while (i < n && isWhitespace(s.charCodeAt(i))) i += 1;
    if (state === "value") {
      if (i >= n) return n;
      const c = s[i];
      if (c === "{" || c === "[") {
        stack.push(c === "{" ? OBJECT : ARRAY);
        i += 1;
        while (i < n && isWhitespace(s.charCodeAt(i))) i += 1;
        if (s[i] === (c === "{" ? "}" : "]")) {
          stack.pop();
          i += 1;
          state = "after";
        } else {
          state = c === "{" ? "key" : "value";
        }
      } else if (c === '"') {
        const end = scanString(s, i);
        if (end < 0) return -end - 1;
        i = end;
        state = "after";
      } else if (s.startsWith("true", i) || s.startsWith("null", i)) {
        i += 4;
        state = "after";
      } else if (s.startsWith("false", i)) {
        i += 5;
        state = "after";
      } else {
        NUMBER.lastIndex = i;
        const m = NUMBER.exec(s);
        if (!m) return i;
        i += m[0].length;
        state = "after";
      }
    } else if (state === "key") {
      if (s[i] !== '"') return i;
      const end = scanString(s, i);
      if (end < 0) return -end - 1;
      i = end;
      while (i < n && isWhitespace(s.charCodeAt(i))) i += 1;
      if (s[i] !== ":") return i;
      i += 1;
      state = "value";
    } else {
      const top = stack[stack.length - 1];
      if (top === undefined) return i < n ? i : -1;
      if (i >= n) return n;
      const c = s[i];
      if (c === ",") {
        i += 1;
        state = top === OBJECT ? "key" : "value";
      } else if ((top === OBJECT && c === "}") || (top === ARRAY && c === "]")) {
        stack.pop();
        i += 1;
      } else {
        return i;
      }
    }
  }
}

export function locateJsonError(s: string): JsonErrorLocation | undefined {
  const position = findJsonErrorPosition(s);
  if (position < 0) return undefined;
  let line = 1;
  let lineStart = 0;
  for (let nl = s.indexOf("\n"); nl !== -1 && nl < position; nl = s.indexOf("\n", nl + 1)) {
    line += 1;
    lineStart = nl + 1;
  }
  return { position, line, column: position - lineStart + 1 };
}
