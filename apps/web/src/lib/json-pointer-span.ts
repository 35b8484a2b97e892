// Where the value a dead letter's JSON pointer names sits in its payload's text, so the console can
// highlight the failing value in the text as shown (as received, or indented by indentJson). The text
// itself is walked — the same walk as lake-core's json/json-spans.ts makes over bytes on the server —
// so every digit and repeated key stays as sent; where a key repeats, the last member is the one
// JSON.parse and the schema validator read, and the one marked.

/** The failing value's place in the text, or why there is none to mark. */
export type FailingValue =
  /** `text.slice(from, to)` is the value the pointer names. */
  | { found: "value"; from: number; to: number }
  /** The pointer names a member the payload lacks (a required property): `parent` is where it would go. */
  | { found: "missing"; parent: string };

/** A JSON pointer's reference tokens (RFC 6901: "~1" is "/", "~0" is "~"); undefined when it is not one. */
export function parsePointer(pointer: string): string[] | undefined {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) return undefined;
  return pointer
    .slice(1)
    .split("/")
    .map((token) => token.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** Tokens back into a pointer. */
function pointerOf(tokens: readonly string[]): string {
  return tokens.map((t) => `/${t.replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");
}

function skipBlanks(text: string, i: number): number {
  let j = i;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0xfeff) break;
    j += 1;
  }
  return j;
}

/** Index just past the string whose opening quote is at `i`. */
function skipString(text: string, i: number): number {
  let j = i + 1;
  while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
  return j + 1;
}

/** Index just past the value that starts at `i`. */
function skipValue(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return skipString(text, i);
  if (c === "{" || c === "[") {
    let depth = 0;
    let j = i;
    while (j < text.length) {
      const d = text[j];
      if (d === '"') {
        j = skipString(text, j);
        continue;
      }
      if (d === "{" || d === "[") depth += 1;
      else if (d === "}" || d === "]") {
        depth -= 1;
        if (depth === 0) return j + 1;
      }
      j += 1;
    }
    return j;
  }
  let j = i;
  while (j < text.length && !",}] \t\n\r".includes(text[j]!)) j += 1;
  return j;
}

/** The span of member `key`'s value in the object at `i` (the last one when the key repeats). */
function memberSpan(text: string, i: number, key: string): [number, number] | undefined {
  let span: [number, number] | undefined;
  let j = skipBlanks(text, i + 1);
  while (j < text.length && text[j] !== "}") {
    const keyEnd = skipString(text, j);
    const name = JSON.parse(text.slice(j, keyEnd)) as string;
    j = skipBlanks(text, keyEnd);
    if (text[j] === ":") j = skipBlanks(text, j + 1);
    const end = skipValue(text, j);
    if (name === key) span = [j, end];
    j = skipBlanks(text, end);
    if (text[j] === ",") j = skipBlanks(text, j + 1);
  }
  return span;
}

/** The span of element `index` of the array at `i`. */
function elementSpan(text: string, i: number, index: number): [number, number] | undefined {
  let j = skipBlanks(text, i + 1);
  let n = 0;
  while (j < text.length && text[j] !== "]") {
    const end = skipValue(text, j);
    if (n === index) return [j, end];
    n += 1;
    j = skipBlanks(text, end);
    if (text[j] === ",") j = skipBlanks(text, j + 1);
  }
  return undefined;
}

/** How deep `tokens` reach from the value at `start`, and the span of the deepest value reached. */
function walk(
  text: string,
  start: number,
  tokens: readonly string[],
): { depth: number; span: [number, number] } {
  let span: [number, number] = [start, skipValue(text, start)];
  for (const [depth, token] of tokens.entries()) {
    const c = text[span[0]];
    let next: [number, number] | undefined;
    if (c === "{") next = memberSpan(text, span[0], token);
    else if (c === "[" && /^(0|[1-9]\d*)$/.test(token)) next = elementSpan(text, span[0], Number(token));
    if (!next) return { depth, span };
    span = next;
  }
  return { depth: tokens.length, span };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * The value `pointer` names in `text`, one JSON document (a CloudEvent's pointer names a place in its
 * `data`, as the schema judged it); undefined when there is nothing to mark: no pointer, the whole
 * document (""), text that is not one JSON value (a malformed body, a payload cut short), or a place
 * the payload cannot hold.
 */
export function failingValue(text: string, pointer: string | null | undefined): FailingValue | undefined {
  if (pointer === null || pointer === undefined) return undefined;
  const tokens = parsePointer(pointer);
  if (!tokens || tokens.length === 0) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  const start = skipBlanks(text, 0);
  const cloudEvent = isObject(doc) && "specversion" in doc && (isObject(doc.data) || Array.isArray(doc.data));
  const base = cloudEvent ? ["data"] : [];
  const reached = walk(text, start, [...base, ...tokens]);
  if (reached.depth === base.length + tokens.length) {
    return { found: "value", from: reached.span[0], to: reached.span[1] };
  }
  // Missing its last token only (a required property): say where it would go.
  if (reached.depth === base.length + tokens.length - 1) {
    const inside = text[reached.span[0]];
    if (inside === "{") return { found: "missing", parent: pointerOf(tokens.slice(0, -1)) || "/" };
  }
  return undefined;
}

/** A one-line excerpt of `text` around the span: at most `radius` characters either side. */
export function excerptAround(
  text: string,
  span: { from: number; to: number },
  opts: { radius?: number; maxMarked?: number } = {},
): { before: string; marked: string; after: string } {
  const radius = opts.radius ?? 60;
  const maxMarked = opts.maxMarked ?? 120;
  const flat = (s: string) => s.replace(/\s*[\r\n]\s*/g, " ");
  const start = Math.max(0, span.from - radius);
  const end = Math.min(text.length, span.to + radius);
  let marked = flat(text.slice(span.from, span.to));
  if (marked.length > maxMarked) marked = `${marked.slice(0, maxMarked - 1)}…`;
  return {
    before: (start > 0 ? "…" : "") + flat(text.slice(start, span.from)),
    marked,
    after: flat(text.slice(span.to, end)) + (end < text.length ? "…" : ""),
  };
}
