import { describe, expect, it } from "vitest";
import { generateApiKey, hashApiKey, hashPassword, verifyPassword } from "./secrets";

describe("secrets", () => {
  it("hashes passwords with argon2id and verifies only the right one", async () => {
    const h = await hashPassword("correct horse");
    expect(h).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(h, "correct horse")).toBe(true);
    expect(await verifyPassword(h, "wrong")).toBe(false);
    expect(await verifyPassword("not a hash", "x")).toBe(false);
  });

  it("issues API keys whose stored hash never contains the key", () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.key).not.toBe(b.key);
    expect(a.hash).toBe(hashApiKey(a.key));
    expect(a.hash).not.toContain(a.key.slice(6));
    expect(a.key.startsWith(a.prefix)).toBe(true);
  });
});
