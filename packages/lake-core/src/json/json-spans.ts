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

/** A member of a JSON object: its key as JSON.parse reads it, and where its key and value sit. */
export interface MemberSpan {
  key: string;
  /** The key's opening quote. */
  start: number;
  /** After the key's closing quote. */
  keyEnd: number;
  valueStart: number;
  /** After the value. */
  end: number;
}

/** The key whose quoted text is `buf[start, end)`, unescaped as JSON.parse does. */
function keyAt(buf: Uint8Array, start: number, end: number): string {
  const quoted = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.subarray(start, end).indexOf(BACKSLASH) === -1) return quoted.toString("utf8", start + 1, end - 1);
  return JSON.parse(quoted.toString("utf8", start, end)) as string;
}

/**
 * The members of the JSON object that starts at `start`, in the order sent (a key may repeat), for a
 * body JSON.parse accepted; empty when no object starts there.
 */
export function objectMembers(body: Uint8Array, start: number): MemberSpan[] {
  const members: MemberSpan[] = [];
  let i = skipBlanks(body, start);
  if (body[i] !== OPEN_BRACE) return members;
  i = skipBlanks(body, i + 1);
  while (i < body.length && body[i] !== CLOSE_BRACE) {
    const keyStart = i;
    const keyEnd = skipString(body, i);
    i = skipBlanks(body, keyEnd);
    if (body[i] === COLON) i = skipBlanks(body, i + 1);
    const valueEnd = skipValue(body, i);
    members.push({
      key: keyAt(body, keyStart, keyEnd),
      start: keyStart,
      keyEnd,
      valueStart: i,
      end: valueEnd,
    });
    i = skipBlanks(body, valueEnd);
    if (body[i] === COMMA) i = skipBlanks(body, i + 1);
  }
  return members;
}

/** For each member, whether it is its key's last (the one JSON.parse keeps). */
export function lastOfEachKey(members: readonly MemberSpan[]): boolean[] {
  const last = new Map<string, number>();
  for (let m = 0; m < members.length; m += 1) last.set(members[m]!.key, m);
  return members.map((member, m) => last.get(member.key) === m);
}

function appendLastWins(buf: Uint8Array, start: number, end: number, out: string[]): void {
  const text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  // Without an object inside, nothing can repeat: the text as sent.
  if (buf.subarray(start, end).indexOf(OPEN_BRACE) === -1) {
    out.push(text.toString("utf8", start, end));
    return;
  }
  if (buf[start] === OPEN_BRACKET) {
    out.push("[");
    arrayElementSpans(buf, start).forEach(([from, to], e) => {
      if (e > 0) out.push(",");
      appendLastWins(buf, from, to, out);
    });
    out.push("]");
    return;
  }
  if (buf[start] !== OPEN_BRACE) {
    out.push(text.toString("utf8", start, end));
    return;
  }
  const members = objectMembers(buf, start);
  const keep = lastOfEachKey(members);
  out.push("{");
  let first = true;
  for (let m = 0; m < members.length; m += 1) {
    if (!keep[m]) continue;
    const member = members[m]!;
    out.push(first ? "" : ",", text.toString("utf8", member.start, member.keyEnd), ":");
    first = false;
    appendLastWins(buf, member.valueStart, member.end, out);
  }
  out.push("}");
}

/**
 * The JSON value at `buf[start, end)` as one line of text holding what JSON.parse reads: where an
 * object repeats a key only its last member is kept, at every depth; everything else is the text as
 * sent, so no number loses a digit. Stores that refuse a repeated key (DuckDB) or an unpaired
 * surrogate in a member JSON.parse drops read it as the producer's parser did.
 */
export function lastWinsJson(buf: Uint8Array, start: number, end: number): string {
  const out: string[] = [];
  appendLastWins(buf, start, end, out);
  // Line breaks can only sit between tokens: they become spaces.
  return out.join("").replace(/[\r\n]/g, " ");
}
