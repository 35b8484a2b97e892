// Reading a batch's raw object back from the store: its bytes, its format, or a bounded prefix of it.
import { open, readFile } from "node:fs/promises";
import { errorMessage } from "../errors";
import type { BatchFormat } from "../ingest/envelope";
import type { ObjectStore } from "../ports/object-store";

/**
 * The format of a raw batch object, from its key (written by rawBatchKey) and, for `.json`, its
 * first byte: a CloudEvents batch is an array, a structured CloudEvent an object.
 */
export function rawBatchFormat(rawKey: string, body: Uint8Array): BatchFormat | undefined {
  if (rawKey.endsWith(".ndjson")) return "ndjson";
  if (!rawKey.endsWith(".json")) return undefined;
  let i = body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  while (i < body.length && (body[i] === 0x20 || body[i] === 0x09 || body[i] === 0x0a || body[i] === 0x0d))
    i += 1;
  return body[i] === 0x5b ? "cloudevents-batch" : "cloudevents";
}

export async function readRaw(store: ObjectStore, key: string): Promise<Uint8Array> {
  let path: string;
  try {
    path = await store.localPath(key);
  } catch (err) {
    throw new Error(`raw object ${key} is not readable: ${errorMessage(err)}`);
  }
  try {
    return await readFile(path);
  } catch (err) {
    throw new Error(`raw object ${key} is not readable: ${errorMessage(err)}`);
  }
}

/** The most raw bytes a POISON_BATCH dead letter keeps (the whole object stays at its rawKey). */
export const POISON_RAW_PREFIX_BYTES = 1024 * 1024;

export interface RawPrefix {
  /** The first POISON_RAW_PREFIX_BYTES bytes as text (invalid UTF-8 replaced), null when unreadable. */
  raw: string | null;
  rawBytes?: number;
  rawTruncated?: boolean;
}

export async function readRawPrefix(store: ObjectStore, key: string): Promise<RawPrefix> {
  try {
    const path = await store.localPath(key);
    const handle = await open(path, "r");
    try {
      const size = (await handle.stat()).size;
      const buf = Buffer.alloc(Math.min(size, POISON_RAW_PREFIX_BYTES));
      let read = 0;
      while (read < buf.length) {
        const { bytesRead } = await handle.read(buf, read, buf.length - read, read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      const raw = new TextDecoder("utf-8", { fatal: false }).decode(buf.subarray(0, read));
      return { raw, rawBytes: size, rawTruncated: size > read };
    } finally {
      await handle.close();
    }
  } catch {
    return { raw: null };
  }
}
