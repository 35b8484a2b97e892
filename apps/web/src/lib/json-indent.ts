// Indents JSON text for reading without parsing it: every string, number and key is kept exactly as
// written (digits beyond 2^53, repeated keys, escapes), only whitespace between tokens changes. Text
// that is not JSON comes back as it was.

/** The text indented by two spaces a level, or undefined when it is not one JSON value. */
export function indentJson(text: string): string | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return undefined;
  let out = "";
  let depth = 0;
  let i = 0;
  const newline = () => `\n${"  ".repeat(depth)}`;
  while (i < trimmed.length) {
    const c = trimmed[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < trimmed.length && trimmed[j] !== '"') j += trimmed[j] === "\\" ? 2 : 1;
      if (j >= trimmed.length) return undefined;
      out += trimmed.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      let k = i + 1;
      while (k < trimmed.length && /\s/.test(trimmed[k]!)) k += 1;
      if (trimmed[k] === close) {
        out += c + close;
        i = k + 1;
        continue;
      }
      depth += 1;
      out += c + newline();
    } else if (c === "}" || c === "]") {
      depth -= 1;
      if (depth < 0) return undefined;
      out += newline() + c;
    } else if (c === ",") {
      out += `,${newline()}`;
    } else if (c === ":") {
      out += ": ";
    } else if (/[A-Za-z]/.test(c)) {
      // Outside strings JSON has only the words true, false and null (and numbers' e/E): anything
      // else is text, not JSON, and is shown as it is.
      const word = /^[A-Za-z]+/.exec(trimmed.slice(i))![0];
      if (!["true", "false", "null"].includes(word) && !/^[eE]$/.test(word)) return undefined;
      out += word;
      i += word.length;
      continue;
    } else if (!/\s/.test(c)) {
      out += c;
    }
    i += 1;
  }
  return depth === 0 ? out : undefined;
}
