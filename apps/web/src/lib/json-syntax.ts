// Where a JSON text first goes wrong and why, as a line, a column and a plain message ("Expected ',' or
// '}'"), the same in every browser (JSON.parse's own messages differ between engines and some name no
// position). A state machine rather than recursion, so a deeply nested paste cannot overflow the stack.

export interface JsonSyntaxError {
  message: string;
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units as editors count them. */
  column: number;
  /** Offsets of the text to underline (`to` may equal `from` at the end of the text). */
  from: number;
  to: number;
}

type Container = "{" | "[";

type State =
  /** A value must come (top level, after ':' or after ',' in an array). */
  | "value"
  /** Just after '[': a value or ']'. */
  | "value-or-end"
  /** Just after '{': a property name or '}'. */
  | "key-or-end"
  /** After ',' in an object. */
  | "key"
  | "colon"
  /** After a complete value: ',' or the container's end, or the end of the text at the top level. */
  | "after";

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES = new Set(['"', "\\", "/", "b", "f", "n", "r", "t"]);
const HEX4 = /[0-9a-fA-F]{4}/y;
const LITERALS = ["true", "false", "null"] as const;

function isWhitespace(c: string | undefined): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r";
}

/** The line and column of an offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** Index just past a string's closing quote, or the problem and where it is. */
function scanString(text: string, start: number): number | { at: number; message: string } {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c === 0x0a) return { at: start, message: "Unterminated string: a string must close on its own line" };
    if (c < 0x20)
      return { at: i, message: "Control character in a string: write it as an escape (\\t, \\u0001)" };
    if (c === 0x5c) {
      const e = text[i + 1];
      if (e === "u") {
        HEX4.lastIndex = i + 2;
        if (!HEX4.test(text)) return { at: i, message: "Invalid \\u escape: it needs four hex digits" };
        i += 6;
      } else if (e !== undefined && ESCAPES.has(e)) {
        i += 2;
      } else {
        return { at: i, message: `Invalid escape sequence "\\${e ?? ""}"` };
      }
    } else {
      i += 1;
    }
  }
  return { at: start, message: "Unterminated string" };
}

/** The first syntax error of a JSON text, or undefined when JSON.parse would accept it. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const stack: Container[] = [];
  let state: State = "value";
  let afterComma = false;
  let i = 0;
  const n = text.length;
  const fail = (at: number, message: string): JsonSyntaxError => {
    const { line, column } = lineAndColumn(text, at);
    return { message, line, column, from: at, to: Math.min(at + 1, n) };
  };
  /** A value just ended: what may follow it. */
  const valueDone = (): State => {
    afterComma = false;
    return "after";
  };
  for (;;) {
    while (i < n && isWhitespace(text[i])) i += 1;
    const c = text[i];
    const top = stack[stack.length - 1];
    if (state === "after") {
      if (c === undefined) {
        if (top === undefined) return undefined;
        return fail(n, `Unexpected end of text: expected ',' or '${top === "{" ? "}" : "]"}'`);
      }
      if (top === undefined) return fail(i, "Unexpected text after the JSON value");
      const end = top === "{" ? "}" : "]";
      if (c === ",") {
        state = top === "{" ? "key" : "value";
        afterComma = true;
        i += 1;
      } else if (c === end) {
        stack.pop();
        i += 1;
        state = valueDone();
      } else {
        return fail(i, `Expected ',' or '${end}'`);
      }
      continue;
    }
    if (state === "colon") {
      if (c !== ":") {
        return fail(i, "Expected ':' after the property name");
      }
      i += 1;
      state = "value";
      continue;
    }
    if (state === "key" || state === "key-or-end") {
      if (c === "}") {
        if (state === "key") return fail(i, "Trailing comma before '}': remove the comma");
        stack.pop();
        i += 1;
        state = valueDone();
        continue;
      }
      if (c === undefined) return fail(n, "Unexpected end of text: expected a property name");
      if (c !== '"') {
        return fail(
          i,
          c === "'"
            ? "Property names need double quotes, not single"
            : "Expected a property name in double quotes",
        );
      }
      const end = scanString(text, i);
      if (typeof end !== "number") return fail(end.at, end.message);
      i = end;
      state = "colon";
      continue;
    }
    // "value" or "value-or-end"
    if (c === "]" && (state === "value-or-end" || afterComma)) {
      if (state === "value" && afterComma) return fail(i, "Trailing comma before ']': remove the comma");
      stack.pop();
      i += 1;
      state = valueDone();
      continue;
    }
    if (c === undefined)
      return fail(
        n,
        n === 0 || text.trim() === ""
          ? "The text is empty: expected a JSON value"
          : "Unexpected end of text: expected a value",
      );
    if (c === "{" || c === "[") {
      stack.push(c);
      state = c === "{" ? "key-or-end" : "value-or-end";
      afterComma = false;
      i += 1;
      continue;
    }
    if (c === '"') {
      const end = scanString(text, i);
      if (typeof end !== "number") return fail(end.at, end.message);
      i = end;
      state = valueDone();
      continue;
    }
    if (c === "-" || (c >= "0" && c <= "9")) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) return fail(i, "Invalid number");
      const next = text[i + m[0].length];
      const leadingZero = /^-?0$/.test(m[0]) && next !== undefined && next >= "0" && next <= "9";
      if (next === "." || next === "e" || next === "E" || leadingZero) return fail(i, "Invalid number");
      i += m[0].length;
      state = valueDone();
      continue;
    }
    const literal = LITERALS.find((word) => text.startsWith(word, i));
    if (literal) {
      i += literal.length;
      state = valueDone();
      continue;
    }
    if (c === "'") return fail(i, "Strings need double quotes, not single");
    return fail(i, "Expected a value (a string, number, object, array, true, false or null)");
  }
}

/** "Line 3, column 14: Expected ',' or '}'". */
export function describeJsonSyntaxError(error: JsonSyntaxError): string {
  return `Line ${error.line}, column ${error.column}: ${error.message}`;
}
