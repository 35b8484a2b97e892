// SQL text as spans of code, string literals, quoted names and comments, so what looks like a
// placeholder or a parameter is recognised only where it is code.

export type SqlSpanKind = "code" | "string" | "identifier" | "comment";

export interface SqlSpan {
  kind: SqlSpanKind;
  /** Offsets into the text (UTF-16 code units), end exclusive. */
  start: number;
  end: number;
}

const WORD = /[A-Za-z0-9_]/;

/** Where a quoted string or name that opens at `i` ends (after its closing quote). */
function quotedEnd(sql: string, i: number): number {
  const quote = sql[i]!;
  // E'…' strings take backslash escapes; every quoted text ends at an unpaired closing quote.
  const escapes = quote === "'" && /[eE]/.test(sql[i - 1] ?? "") && !WORD.test(sql[i - 2] ?? "");
  let j = i + 1;
  while (j < sql.length) {
    if (escapes && sql[j] === "\\") j += 2;
    else if (sql[j] === quote && sql[j + 1] === quote) j += 2;
    else if (sql[j] === quote) return j + 1;
    else j += 1;
  }
  return sql.length;
}

/** Where a block comment that opens at `i` ends; block comments nest. */
function blockCommentEnd(sql: string, i: number): number {
  let depth = 1;
  let j = i + 2;
  while (j < sql.length && depth > 0) {
    if (sql[j] === "/" && sql[j + 1] === "*") {
      depth += 1;
      j += 2;
    } else if (sql[j] === "*" && sql[j + 1] === "/") {
      depth -= 1;
      j += 2;
    } else j += 1;
  }
  return j;
}

/** The text cut into spans, in order; together they cover it exactly. */
export function sqlSpans(sql: string): SqlSpan[] {
  const spans: SqlSpan[] = [];
  let codeStart = 0;
  const push = (kind: SqlSpanKind, start: number, end: number) => {
    if (codeStart < start) spans.push({ kind: "code", start: codeStart, end: start });
    spans.push({ kind, start, end });
    codeStart = end;
  };
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    if (ch === "-" && next === "-") {
      const newline = sql.indexOf("\n", i);
      const end = newline < 0 ? sql.length : newline;
      push("comment", i, end);
      i = end;
    } else if (ch === "/" && next === "*") {
      const end = blockCommentEnd(sql, i);
      push("comment", i, end);
      i = end;
    } else if (ch === "'") {
      // An E'…' string's span includes its prefix letter, which is part of the literal.
      const prefixed = /[eE]/.test(sql[i - 1] ?? "") && !WORD.test(sql[i - 2] ?? "") && codeStart <= i - 1;
      const end = quotedEnd(sql, i);
      push("string", prefixed ? i - 1 : i, end);
      i = end;
    } else if (ch === '"') {
      const end = quotedEnd(sql, i);
      push("identifier", i, end);
      i = end;
    } else if (ch === "$" && !WORD.test(sql[i - 1] ?? "")) {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i, i + 64))?.[0];
      if (tag) {
        const close = sql.indexOf(tag, i + tag.length);
        const end = close < 0 ? sql.length : close + tag.length;
        push("string", i, end);
        i = end;
      } else i += 1;
    } else i += 1;
  }
  if (codeStart < sql.length) spans.push({ kind: "code", start: codeStart, end: sql.length });
  return spans;
}

const NAMED_PARAMETER = /\$([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * The SQL with each `$name` parameter (in code, not in literals or comments) replaced by `?`, and the
 * names in the order their `?` appear: for engines whose parameters are positional only (Athena's
 * ExecutionParameters). A name used twice appears twice.
 */
export function namedToPositional(sql: string): { sql: string; names: string[] } {
  const names: string[] = [];
  let out = "";
  for (const span of sqlSpans(sql)) {
    const text = sql.slice(span.start, span.end);
    if (span.kind !== "code") {
      out += text;
      continue;
    }
    out += text.replace(NAMED_PARAMETER, (whole, name: string, offset: number) => {
      if (WORD.test(text[offset - 1] ?? "")) return whole;
      names.push(name.toLowerCase());
      return "?";
    });
  }
  return { sql: out, names };
}

/**
 * A hint for a syntax error over a table name with a hyphen written bare (curated.payments-tester,
 * which SQL reads as a subtraction): how to quote it. Empty when the SQL names none.
 */
export function hyphenHint(sql: string): string {
  const bare = /\b(curated|analytics|raw)\.([A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)+)/.exec(sql);
  return bare ? `; a table name with a hyphen is quoted: ${bare[1]}."${bare[2]}"` : "";
}
