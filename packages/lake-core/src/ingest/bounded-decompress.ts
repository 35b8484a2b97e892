// Decompression of request bodies (gzip, deflate, br, zstd) that never allocates much past a byte
// budget, so a small compressed body cannot expand into gigabytes (a "zip bomb").
import { promisify } from "node:util";
import zlib from "node:zlib";
import { Decompress } from "fzstd";

export const SUPPORTED_ENCODINGS = ["gzip", "x-gzip", "deflate", "br", "zstd"] as const;
export type ContentCoding = (typeof SUPPORTED_ENCODINGS)[number];

export function isSupportedEncoding(coding: string): coding is ContentCoding {
  return (SUPPORTED_ENCODINGS as readonly string[]).includes(coding);
}

export type DecompressResult =
  | { ok: true; bytes: Buffer }
  /** Output would exceed the budget; `declared` is the size a zstd frame header announced, if any. */
  | { ok: false; reason: "too-large"; declared?: number }
  /** The data is not valid for its coding. */
  | { ok: false; reason: "malformed"; message: string }
  /** Valid but needs more memory than allowed (a zstd window larger than the cap). */
  | { ok: false; reason: "unsupported"; message: string };

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const brotli = promisify(zlib.brotliDecompress);

/** Decodes `body`, which was encoded with `coding`, to at most `maxBytes` bytes. */
export async function decompressBounded(
  body: Uint8Array,
  coding: ContentCoding,
  maxBytes: number,
): Promise<DecompressResult> {
  if (coding === "zstd") return zstdDecompressBounded(body, maxBytes);
  const fn = coding === "br" ? brotli : coding === "deflate" ? inflate : gunzip;
  try {
    // maxOutputLength makes zlib stop (and free its buffers) as soon as the output passes the limit.
    const bytes = await fn(body, { maxOutputLength: Math.max(1, maxBytes) });
    return { ok: true, bytes };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === "ERR_BUFFER_TOO_LARGE" || e instanceof RangeError)
      return { ok: false, reason: "too-large" };
    return { ok: false, reason: "malformed", message: `${coding}: ${e.message}` };
  }
}

const ZSTD_MAGIC = 0xfd2fb528;
const BLOCK_MAX = 128 * 1024;

/**
 * fzstd allocates a frame's whole window up front and trusts block sizes, so check every frame header
 * before decoding: windows within `windowCap`, declared content sizes within the budget, known block types.
 */
function inspectZstdFrames(
  dat: Uint8Array,
  maxBytes: number,
  windowCap: number,
): { ok: true } | Exclude<DecompressResult, { ok: true }> {
  const view = new DataView(dat.buffer, dat.byteOffset, dat.byteLength);
  const malformed = (message: string) => ({ ok: false as const, reason: "malformed" as const, message });
  let pos = 0;
  let declaredTotal = 0;
  while (pos < dat.length) {
    if (pos + 4 > dat.length) return malformed("zstd: truncated frame");
    const magic = view.getUint32(pos, true);
    if (magic >>> 4 === 0x184d2a5) {
      if (pos + 8 > dat.length) return malformed("zstd: truncated skippable frame");
      pos += 8 + view.getUint32(pos + 4, true);
      continue;
    }
    if (magic !== ZSTD_MAGIC) return malformed("zstd: not a Zstandard frame (bad magic number)");
    pos += 4;
    const fhd = dat[pos];
    if (fhd === undefined) return malformed("zstd: truncated frame header");
    pos += 1;
    const fcsFlag = fhd >> 6;
    const singleSegment = (fhd >> 5) & 1;
    const checksum = (fhd >> 2) & 1;
    const dictFlag = fhd & 3;
    if (fhd & 8) return malformed("zstd: reserved frame header bit set");
    let window = 0;
    if (!singleSegment) {
      const wd = dat[pos];
      if (wd === undefined) return malformed("zstd: truncated frame header");
      pos += 1;
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    }
    if (dictFlag)
      return { ok: false, reason: "unsupported", message: "zstd: dictionaries are not supported" };
    const fcsBytes = fcsFlag ? 1 << fcsFlag : singleSegment;
    if (pos + fcsBytes > dat.length) return malformed("zstd: truncated frame header");
    let contentSize: number | undefined;
    if (fcsBytes === 1) contentSize = dat[pos];
    else if (fcsBytes === 2) contentSize = view.getUint16(pos, true) + 256;
    else if (fcsBytes === 4) contentSize = view.getUint32(pos, true);
    else if (fcsBytes === 8) contentSize = Number(view.getBigUint64(pos, true));
    pos += fcsBytes;
    if (singleSegment) window = contentSize ?? 0;
    if (contentSize !== undefined) {
      declaredTotal += contentSize;
      if (declaredTotal > maxBytes) return { ok: false, reason: "too-large", declared: declaredTotal };
    }
    if (window > windowCap) {
      return {
        ok: false,
        reason: "unsupported",
        message: `zstd: the frame's window is ${window} bytes; at most ${windowCap} is accepted (compress without --long or with a lower level)`,
      };
    }
    for (;;) {
      if (pos + 3 > dat.length) return malformed("zstd: truncated block");
      const header = dat[pos]! | (dat[pos + 1]! << 8) | (dat[pos + 2]! << 16);
      pos += 3;
      const last = header & 1;
      const type = (header >> 1) & 3;
      const size = header >> 3;
      if (type === 3) return malformed("zstd: reserved block type");
      if (size > BLOCK_MAX) return malformed("zstd: block larger than 128 KiB");
      pos += type === 1 ? 1 : size;
      if (last) break;
    }
    pos += checksum * 4;
    if (pos > dat.length) return malformed("zstd: truncated frame");
  }
  return { ok: true };
}

function zstdDecompressBounded(body: Uint8Array, maxBytes: number): DecompressResult {
  // A window up to twice the budget covers compressors that round the window up to a power of two.
  const inspected = inspectZstdFrames(body, maxBytes, Math.max(2 * maxBytes, 8 * 1024 * 1024));
  if (!inspected.ok) return inspected;
  const chunks: Uint8Array[] = [];
  let total = 0;
  const overBudget = new Error("zstd output over budget");
  const stream = new Decompress((chunk) => {
    total += chunk.length;
    // Throwing here stops fzstd after at most one block (<= 128 KiB) past the budget.
    if (total > maxBytes) throw overBudget;
    chunks.push(chunk);
  });
  try {
    stream.push(body, true);
  } catch (err) {
    if (err === overBudget) return { ok: false, reason: "too-large" };
    return { ok: false, reason: "malformed", message: `zstd: ${(err as Error).message}` };
  }
  return { ok: true, bytes: Buffer.concat(chunks, total) };
}
