// Trino (Athena engine 3) SQL text as tokens: words, quoted names, string literals, numbers,
// parameters and punctuation, with comments and spaces kept apart so offsets map back to the text.

export type TrinoTokenKind =
  | "word"
  | "quoted"
  | "string"
  | "number"
  | "param"
  | "punct"
  | "comment"
  | "space";

export interface TrinoToken {
  kind: TrinoTokenKind;
  /** Offsets into the SQL (UTF-16 code units), end exclusive. */
  start: number;
  end: number;
  text: string;
}

const SPACE = /\s/;
const WORD_START = /[\p{L}_]/u;
const WORD_PART = /[\p{L}\p{N}_]/u;
const DIGIT = /[0-9]/;
const NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;
const PARAM = /^\$[A-Za-z_][A-Za-z0-9_]*/;

/** Where a quoted text opening at `i` ends (after its closing quote; doubled quotes are escapes). */
function quotedEnd(sql: string, i: number): number {
  const quote = sql[i]!;
  let j = i + 1;
  while (j < sql.length) {
    if (sql[j] === quote && sql[j + 1] === quote) j += 2;
    else if (sql[j] === quote) return j + 1;
    else j += 1;
  }
  return sql.length;
}

/**
 * The SQL cut into tokens covering it exactly. Trino has no nested block comments, no E'' strings
 * and no dollar quoting; an unterminated string or comment runs to the end (the engine reports it).
 */
export function tokenizeTrino(sql: string): TrinoToken[] {
  const tokens: TrinoToken[] = [];
  const push = (kind: TrinoTokenKind, start: number, end: number) =>
    tokens.push({ kind, start, end, text: sql.slice(start, end) });
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    let end: number;
    if (SPACE.test(ch)) {
      end = i + 1;
      while (end < sql.length && SPACE.test(sql[end]!)) end += 1;
      push("space", i, end);
    } else if (ch === "-" && next === "-") {
      const newline = sql.indexOf("\n", i);
      end = newline < 0 ? sql.length : newline + 1;
      push("comment", i, end);
    } else if (ch === "/" && next === "*") {
      const close = sql.indexOf("*/", i + 2);
      end = close < 0 ? sql.length : close + 2;
      push("comment", i, end);
    } else if (ch === "'") {
      end = quotedEnd(sql, i);
      push("string", i, end);
    } else if (ch === '"' || ch === "`") {
      end = quotedEnd(sql, i);
      push("quoted", i, end);
    } else if (DIGIT.test(ch) || (ch === "." && DIGIT.test(next ?? ""))) {
      end = i + (NUMBER.exec(sql.slice(i, i + 400))?.[0].length ?? 1);
      push("number", i, end);
    } else if (WORD_START.test(ch)) {
      end = i + 1;
      while (end < sql.length && WORD_PART.test(sql[end]!)) end += 1;
      push("word", i, end);
    } else if (ch === "$" && PARAM.test(sql.slice(i, i + 200))) {
      end = i + (PARAM.exec(sql.slice(i, i + 200))?.[0].length ?? 1);
      push("param", i, end);
    } else {
      push("punct", i, i + 1);
    }
    i = tokens.at(-1)!.end;
  }
  return tokens;
}

export function isSignificant(token: TrinoToken): boolean {
  return token.kind !== "space" && token.kind !== "comment";
}

/** The name a word or quoted name stands for, as Trino compares it (unquoted names fold to lower case). */
export function identifierValue(token: TrinoToken): string | undefined {
  if (token.kind === "word") return token.text.toLowerCase();
  if (token.kind === "quoted") {
    const quote = token.text[0]!;
    const closed = token.text.length >= 2 && token.text.endsWith(quote);
    const inner = token.text.slice(1, closed ? -1 : undefined);
    // Athena's catalog names are lower case: "Orders" and orders name the same table.
    return inner.replaceAll(quote + quote, quote).toLowerCase();
  }
  return undefined;
}

/** The upper-cased keyword a word token is, or undefined for anything else. */
export function keywordOf(token: TrinoToken | undefined): string | undefined {
  return token?.kind === "word" ? token.text.toUpperCase() : undefined;
}

/** The significant tokens of each statement (split at semicolons), empty statements left out. */
export function splitStatements(tokens: readonly TrinoToken[]): TrinoToken[][] {
  const statements: TrinoToken[][] = [];
  let current: TrinoToken[] = [];
  for (const token of tokens) {
    if (!isSignificant(token)) continue;
    if (token.kind === "punct" && token.text === ";") {
      if (current.length > 0) statements.push(current);
      current = [];
    } else current.push(token);
  }
  if (current.length > 0) statements.push(current);
  return statements;
}

/** 1-based line and column of an offset, as Trino's messages count them. */
export function lineColumnOf(sql: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), sql.length);
  for (let i = 0; i < end; i += 1) {
    if (sql[i] === "\n") {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** The offset of a 1-based line and column, clamped to the text. */
export function offsetOf(sql: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l += 1) {
    const newline = sql.indexOf("\n", offset);
    if (newline < 0) return sql.length;
    offset = newline + 1;
  }
  return Math.min(offset + Math.max(column - 1, 0), sql.length);
}
