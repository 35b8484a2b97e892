// Copy-paste snippets that send one event to a source's ingest URL (curl, JavaScript fetch, Python
// requests), exactly as the ingest API takes it: the key as "Authorization: Bearer", the event as one
// NDJSON line (application/json alone is kept for binary-mode CloudEvents).

export interface IngestExampleInput {
  /** The source's ingest URL (…/v1/sources/{slug}/events). */
  url: string;
  apiKey: string;
  event: Record<string, unknown>;
}

export interface IngestExamples {
  curl: string;
  javascript: string;
  python: string;
}

export const EXAMPLE_CONTENT_TYPE = "application/x-ndjson";

/** A word for a POSIX shell: single-quoted, each ' written as '\'' (close, escaped quote, reopen). */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The event as a JavaScript expression. JSON is JavaScript, except that a "__proto__" key in an object
 * literal sets the prototype instead of making a property: then the JSON text is parsed instead.
 */
function javascriptValue(event: Record<string, unknown>): string {
  const text = JSON.stringify(event, null, 2);
  return text.includes('"__proto__"') ? `JSON.parse(${JSON.stringify(JSON.stringify(event))})` : text;
}

/** A JSON value as a Python literal (None, True, False; strings in JSON's escapes, which Python reads alike). */
function pythonValue(v: unknown, indent: string): string {
  if (v === null || v === undefined) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "number") return Number.isFinite(v) ? JSON.stringify(v) : "None";
  if (typeof v === "string") return JSON.stringify(v);
  const inner = `${indent}    `;
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    return `[\n${v.map((x) => `${inner}${pythonValue(x, inner)},`).join("\n")}\n${indent}]`;
  }
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${pythonValue(x, inner)},`).join("\n")}\n${indent}}`;
}

export function ingestExamples({ url, apiKey, event }: IngestExampleInput): IngestExamples {
  const line = JSON.stringify(event);
  const curl = [
    `curl ${shellQuote(url)} \\`,
    `  -H ${shellQuote(`Authorization: Bearer ${apiKey}`)} \\`,
    `  -H ${shellQuote(`Content-Type: ${EXAMPLE_CONTENT_TYPE}`)} \\`,
    `  --data-binary ${shellQuote(line)}`,
  ].join("\n");

  const javascript = [
    `const event = ${javascriptValue(event)};`,
    "",
    `const response = await fetch(${JSON.stringify(url)}, {`,
    `  method: "POST",`,
    "  headers: {",
    `    Authorization: ${JSON.stringify(`Bearer ${apiKey}`)},`,
    `    "Content-Type": ${JSON.stringify(EXAMPLE_CONTENT_TYPE)},`,
    "  },",
    "  // One event per line (NDJSON); send several by joining them with newlines.",
    '  body: JSON.stringify(event) + "\\n",',
    "});",
    "console.log(response.status, await response.json());",
  ].join("\n");

  const python = [
    "import json",
    "",
    "import requests",
    "",
    `event = ${pythonValue(event, "")}`,
    "",
    "response = requests.post(",
    `    ${JSON.stringify(url)},`,
    "    headers={",
    `        "Authorization": ${JSON.stringify(`Bearer ${apiKey}`)},`,
    `        "Content-Type": ${JSON.stringify(EXAMPLE_CONTENT_TYPE)},`,
    "    },",
    "    # One event per line (NDJSON); send several by joining them with newlines.",
    '    data=json.dumps(event) + "\\n",',
    ")",
    "print(response.status_code, response.json())",
  ].join("\n");

  return { curl, javascript, python };
}
