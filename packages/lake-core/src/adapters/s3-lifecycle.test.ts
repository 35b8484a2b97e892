import {
  DeleteBucketLifecycleCommand,
  GetBucketLifecycleConfigurationCommand,
  PutBucketLifecycleConfigurationCommand,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type S3rverHandle, startS3rver } from "../testing/s3rver";
import { S3ObjectStore } from "./s3-store";

// s3rver does not implement lifecycle configurations; testing/s3rver.ts adds the API's contract (PUT
// replaces, GET returns or NoSuchLifecycleConfiguration, DELETE removes), which is what this adapter uses.
let s3: S3rverHandle;

beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(async () => {
  await s3?.stop();
});

async function rulesOf(store: S3ObjectStore) {
  try {
    const res = await store.client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: store.bucket }));
    return res.Rules ?? [];
  } catch (err) {
    if ((err as { name?: string }).name === "NoSuchLifecycleConfiguration") return undefined;
    throw err;
  }
}

describe("S3 archive rules", () => {
  it("writes Inlet's rules under the store's prefix, keeps others' rules, and skips a write that changes nothing", async () => {
    const store = new S3ObjectStore(s3.storeUrl("lake"), s3.storeOptions());
    await store.client.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: store.bucket,
        LifecycleConfiguration: {
          Rules: [
            { ID: "team-logs", Filter: { Prefix: "logs/" }, Status: "Enabled", Expiration: { Days: 7 } },
          ],
        },
      }),
    );

    expect(await store.setArchiveRules([{ name: "raw/orders", prefix: "raw/orders/", days: 30 }])).toEqual({
      changed: true,
    });
    expect(await rulesOf(store)).toEqual([
      expect.objectContaining({ ID: "team-logs", Expiration: { Days: 7 } }),
      expect.objectContaining({
        ID: "inlet-archive:raw/orders",
        Filter: { Prefix: "lake/raw/orders/" },
        Status: "Enabled",
        Transitions: [{ Days: 30, StorageClass: "GLACIER_IR" }],
      }),
    ]);
    expect(await store.setArchiveRules([{ name: "raw/orders", prefix: "raw/orders/", days: 30 }])).toEqual({
      changed: false,
    });

    // A changed age replaces Inlet's rule; a source without one loses its rule; others' rules stay.
    await store.setArchiveRules([{ name: "raw/clicks", prefix: "raw/clicks/", days: 90 }]);
    expect((await rulesOf(store))?.map((r) => r.ID)).toEqual(["team-logs", "inlet-archive:raw/clicks"]);
    await store.setArchiveRules([]);
    expect((await rulesOf(store))?.map((r) => r.ID)).toEqual(["team-logs"]);
  });

  it("removes the configuration when Inlet's rules were the only ones", async () => {
    const store = new S3ObjectStore(s3.storeUrl(""), s3.storeOptions());
    await store.client.send(new DeleteBucketLifecycleCommand({ Bucket: store.bucket }));
    await store.setArchiveRules([{ name: "raw/a", prefix: "raw/a/", days: 1 }]);
    await store.setArchiveRules([]);
    expect(await rulesOf(store)).toBeUndefined();
  });
});
