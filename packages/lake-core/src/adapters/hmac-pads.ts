// HMAC-SHA-256 spelled out (RFC 2104) for engines without an HMAC function: the key's inner and outer
// pads, so HMAC(K, m) = SHA-256(opad ‖ SHA-256(ipad ‖ m)) can be written in SQL, equal to Node's
// createHmac("sha256", K) for the same key and message bytes.
import { createHash } from "node:crypto";

const BLOCK = 64;

export interface HmacPads {
  /** K ⊕ 0x36…, hex. */
  inner: string;
  /** K ⊕ 0x5c…, hex. */
  outer: string;
}

export function hmacPads(key: Uint8Array): HmacPads {
  const k = Buffer.alloc(BLOCK);
  (key.length > BLOCK ? createHash("sha256").update(key).digest() : Buffer.from(key)).copy(k);
  const inner = Buffer.alloc(BLOCK);
  const outer = Buffer.alloc(BLOCK);
  for (let i = 0; i < BLOCK; i += 1) {
    inner[i] = k[i]! ^ 0x36;
    outer[i] = k[i]! ^ 0x5c;
  }
  return { inner: inner.toString("hex"), outer: outer.toString("hex") };
}
