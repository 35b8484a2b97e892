// Finds where values sit in the bytes of a JSON document that JSON.parse accepted (each element of an
// array, each CloudEvent's `data`), so what is stored is the text the producer sent: serializing the
// parsed value again would round integers beyond 2^53.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const DATA_KEY = Buffer.from('"data"');

export type ByteSpan = readonly [start: number, end: number];

function isBlank(b: number | undefined): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

function skipBlanks(buf: Uint8Array, p: number): number {
  let i = p;
  while (i < buf.length && isBlank(buf[i])) i += 1;
  return i;
}

/** Position after the string whose opening quote is at `p`. */
function skipString(buf: Uint8Array, p: number): number {
  let i = p + 1;
  while (i < buf.length && buf[i] !== QUOTE) i += buf[i] === BACKSLASH ? 2 : 1;
  return i + 1;
}

/** Position after the value that starts at `p`. */
function skipValue(buf: Uint8Array, p: number): number {
  const c = buf[p];
  if (c === QUOTE) return skipString(buf, p);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    let i = p;
    while (i < buf.length) {
      const b = buf[i]!;
      if (b === QUOTE) {
        i = skipString(buf, i);
        continue;
      }
      if (b === OPEN_BRACE || b === OPEN_BRACKET) depth += 1;
      else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
        depth -= 1;
        if (depth === 0) return i + 1;
      }
      i += 1;
    }
    return i;
  }
  let i = p;
  while (
    i < buf.length &&
    buf[i] !== COMMA &&
    buf[i] !== CLOSE_BRACE &&
    buf[i] !== CLOSE_BRACKET &&
    !isBlank(buf[i])
  )
    i += 1;
  return i;
}

/** Whether the key whose quoted text is `buf[start, end)` is `key` (given also as JSON text). */
function isKey(buf: Uint8Array, start: number, end: number, key: string, keyJson: Buffer): boolean {
  if (end - start === keyJson.length && Buffer.compare(buf.subarray(start, end), keyJson) === 0) return true;
  // A key spelled with escapes ("d\u0061ta") is the same key to JSON.parse.
  if (buf.subarray(start, end).indexOf(BACKSLASH) === -1) return false;
  return JSON.parse(Buffer.from(buf.subarray(start, end)).toString("utf8")) === key;
}

/** The span of the last `key` member's value of the object at `p`, and the position after the object. */
function objectMemberSpan(
  buf: Uint8Array,
  p: number,
  key = "data",
  keyJson: Buffer = DATA_KEY,
): { span: ByteSpan | undefined; end: number } {
  let span: ByteSpan | undefined;
  let i = skipBlanks(buf, p + 1);
  while (i < buf.length && buf[i] !== CLOSE_BRACE) {
    const keyEnd = skipString(buf, i);
    const data = isKey(buf, i, keyEnd, key, keyJson);
    i = skipBlanks(buf, keyEnd);
    if (buf[i] === COLON) i = skipBlanks(buf, i + 1);
    const valueEnd = skipValue(buf, i);
    if (data) span = [i, valueEnd];
    i = skipBlanks(buf, valueEnd);
    if (buf[i] === COMMA) i = skipBlanks(buf, i + 1);
  }
  return { span, end: i + 1 };
}

/**
 * For a body that JSON.parse accepted, the byte span of each event's `data` value (the last one when
 * the key repeats, as JSON.parse keeps): one entry per element of a batch, or one for a single event;
 * undefined where the event is not an object or has no `data`. `start` skips a byte order mark.
 */
export function cloudEventDataSpans(body: Uint8Array, batch: boolean, start = 0): (ByteSpan | undefined)[] {
  let i = skipBlanks(body, start);
  if (!batch) return [body[i] === OPEN_BRACE ? objectMemberSpan(body, i).span : undefined];
  const spans: (ByteSpan | undefined)[] = [];
  if (body[i] !== OPEN_BRACKET) return spans;
  i = skipBlanks(body, i + 1);
  while (i < body.length && body[i] !== CLOSE_BRACKET) {
    if (body[i] === OPEN_BRACE) {
      const { span, end } = objectMemberSpan(body, i);
      spans.push(span);
      i = end;
    } else {
      spans.push(undefined);
      i = skipValue(body, i);
    }
    i = skipBlanks(body, i);
    if (body[i] === COMMA) i = skipBlanks(body, i + 1);
  }
  return spans;
}

/** For a JSON array that JSON.parse accepted, the byte span of each element. */
export function arrayElementSpans(body: Uint8Array, start = 0): ByteSpan[] {
  const spans: ByteSpan[] = [];
  let i = skipBlanks(body, start);
  if (body[i] !== OPEN_BRACKET) return spans;
  i = skipBlanks(body, i + 1);
  while (i < body.length && body[i] !== CLOSE_BRACKET) {
    const end = skipValue(body, i);
    spans.push([i, end]);
    i = skipBlanks(body, end);
    if (body[i] === COMMA) i = skipBlanks(body, i + 1);
  }
  return spans;
}

/**
 * The text of member `key` of the JSON object that starts at `start` (the last one when the key
 * repeats, as JSON.parse keeps), for a body JSON.parse accepted; undefined when it has none.
 */
export function memberText(body: Uint8Array, start: number, key: string): string | undefined {
  const i = skipBlanks(body, start);
  if (body[i] !== OPEN_BRACE) return undefined;
  const { span } = objectMemberSpan(body, i, key, Buffer.from(JSON.stringify(key)));
  return span === undefined ? undefined : Buffer.from(body.subarray(span[0], span[1])).toString("utf8");
}
