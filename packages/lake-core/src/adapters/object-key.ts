// Object key rules shared by every ObjectStore adapter, so a key valid on one store is valid on all.

import { InletError } from "../errors";

/** Prefix of in-flight temporary files; never a valid key segment, so listings can skip them safely. */
export const TEMP_FILE_PREFIX = ".inlet-tmp-";

const MAX_KEY_BYTES = 1024;

function checkSegments(value: string, what: "key" | "prefix", allowTrailingSlash: boolean): void {
  if (value.includes("\\") || value.includes("\0")) {
    throw new InletError("BAD_REQUEST", `object ${what} must not contain backslashes or NUL: "${value}"`);
  }
  if (value.startsWith("/")) {
    throw new InletError("BAD_REQUEST", `object ${what} must be relative, not start with "/": "${value}"`);
  }
  if (Buffer.byteLength(value) > MAX_KEY_BYTES) {
    throw new InletError("BAD_REQUEST", `object ${what} is longer than ${MAX_KEY_BYTES} bytes`);
  }
  const segments = value.split("/");
  if (allowTrailingSlash && segments.at(-1) === "") segments.pop();
  for (const segment of segments) {
    if (segment === "" || segment === "." || segment === "..") {
      throw new InletError("BAD_REQUEST", `object ${what} has an empty, "." or ".." segment: "${value}"`);
    }
    if (segment.startsWith(TEMP_FILE_PREFIX)) {
      throw new InletError("BAD_REQUEST", `object ${what} segment must not start with "${TEMP_FILE_PREFIX}"`);
    }
  }
}

/** Throws BAD_REQUEST unless key is a non-empty relative path of non-empty segments without "." or "..". */
export function validateObjectKey(key: string): void {
  if (typeof key !== "string" || key.length === 0) {
    throw new InletError("BAD_REQUEST", "object key must be a non-empty string");
  }
  checkSegments(key, "key", false);
}

/** Like validateObjectKey, but "" (everything) and a trailing "/" are allowed. */
export function validateObjectPrefix(prefix: string): void {
  if (typeof prefix !== "string") throw new InletError("BAD_REQUEST", "object prefix must be a string");
  if (prefix === "") return;
  checkSegments(prefix, "prefix", true);
}

/** Orders keys by their UTF-8 bytes, the order S3 lists in. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
