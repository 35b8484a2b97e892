import { createDb } from "@inlet/db";
import { createTestDatabase, type TestDatabase } from "@inlet/db/testing";
import { type S3rverHandle, startS3rver } from "@inlet/lake-core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "./config";
import { openDataPlaneAdapters } from "./data-plane-adapters";

let s3: S3rverHandle;
let t: TestDatabase;

const savedEnv = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

beforeAll(async () => {
  s3 = await startS3rver();
  t = await createTestDatabase();
  // The lake's S3 client takes its credentials from the SDK's default chain, as in production.
  process.env.AWS_ACCESS_KEY_ID = s3.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;
});

afterAll(async () => {
  if (savedEnv.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
  else process.env.AWS_ACCESS_KEY_ID = savedEnv.id;
  if (savedEnv.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
  else process.env.AWS_SECRET_ACCESS_KEY = savedEnv.secret;
  await s3?.stop();
  await t?.drop();
});

function s3Config(extra: Record<string, string>) {
  return loadConfig({
    NEXTAUTH_SECRET: "x".repeat(40),
    INLET_LAKE_URL: s3.storeUrl("lake"),
    INLET_S3_ENDPOINT: s3.endpoint,
    INLET_S3_FORCE_PATH_STYLE: "true",
    ...extra,
  });
}

describe("opening the data plane on an s3:// lake", () => {
  it("stops the start when the store does not report the configured encryption", async () => {
    // s3rver drops x-amz-server-side-encryption (see s3-encryption.test.ts in lake-core).
    const db = createDb(t.url);
    try {
      await expect(openDataPlaneAdapters(s3Config({}), db)).rejects.toThrow(
        /^INLET_S3_SSE: s3:\/\/[^ ]+\/lake reports no server-side encryption/,
      );
    } finally {
      await db.close();
    }
  });

  it("opens with INLET_S3_SSE=none on a store that cannot encrypt", async () => {
    const db = createDb(t.url);
    try {
      const { store, queue, dedupe } = await openDataPlaneAdapters(s3Config({ INLET_S3_SSE: "none" }), db);
      expect(store.url).toBe(s3.storeUrl("lake"));
      await queue.close();
      await dedupe.close();
    } finally {
      await db.close();
    }
  });
});
