// The key hash rules use (HMAC-SHA-256 over a column's value): kept out of the database, so a copy of
// the database alone cannot reverse a hashed value by hashing a dictionary. INLET_POLICY_HASH_KEY when
// set (every API process of one deployment must share it); otherwise one generated on first start
// and kept in the data folder (policy-hash.key, readable only by its owner).
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function policyHashKey(config: {
  INLET_POLICY_HASH_KEY?: string | undefined;
  dataDir: string;
}): Buffer {
  if (config.INLET_POLICY_HASH_KEY) return Buffer.from(config.INLET_POLICY_HASH_KEY, "utf8");
  const file = join(config.dataDir, "policy-hash.key");
  try {
    return Buffer.from(readFileSync(file, "utf8").trim(), "hex");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  mkdirSync(config.dataDir, { recursive: true });
  const key = randomBytes(32).toString("hex");
  try {
    writeFileSync(file, `${key}\n`, { mode: 0o600, flag: "wx" });
  } catch (err) {
    // Another process wrote it first: use theirs.
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    return Buffer.from(readFileSync(file, "utf8").trim(), "hex");
  }
  return Buffer.from(key, "hex");
}
