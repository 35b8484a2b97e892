// Archive rules as an S3 bucket lifecycle configuration. S3 keeps one configuration per bucket, so
// Inlet reads it, replaces only the rules it owns (IDs starting "inlet-archive:") and writes it back,
// leaving every other rule as it was; an unchanged configuration is not written.
import {
  DeleteBucketLifecycleCommand,
  GetBucketLifecycleConfigurationCommand,
  type LifecycleRule,
  PutBucketLifecycleConfigurationCommand,
  type S3Client,
  type TransitionStorageClass,
} from "@aws-sdk/client-s3";
import type { ArchiveRule } from "../ports/object-store";

export const ARCHIVE_RULE_PREFIX = "inlet-archive:";

export interface S3LifecycleTarget {
  client: S3Client;
  bucket: string;
  /** The store's key prefix inside the bucket ("" or ending in "/"). */
  keyPrefix: string;
  storageClass: TransitionStorageClass;
}

function isMissing(err: unknown): boolean {
  const e = err as { name?: unknown; Code?: unknown; $metadata?: { httpStatusCode?: number } };
  return e.name === "NoSuchLifecycleConfiguration" || e.Code === "NoSuchLifecycleConfiguration";
}

async function currentRules(t: S3LifecycleTarget): Promise<LifecycleRule[]> {
  try {
    const res = await t.client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: t.bucket }));
    return res.Rules ?? [];
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
}

function inletRule(t: S3LifecycleTarget, rule: ArchiveRule): LifecycleRule {
  return {
    ID: `${ARCHIVE_RULE_PREFIX}${rule.name}`,
    Filter: { Prefix: t.keyPrefix + rule.prefix },
    Status: "Enabled",
    Transitions: [{ Days: rule.days, StorageClass: t.storageClass }],
  };
}

/** The fields that make a rule what it is, in a fixed order, to compare configurations. */
function fingerprint(rules: LifecycleRule[]): string {
  return JSON.stringify(
    rules
      .map((r) => ({
        id: r.ID ?? "",
        prefix: r.Filter?.Prefix ?? r.Prefix ?? "",
        status: r.Status,
        transitions: (r.Transitions ?? []).map((x) => [x.Days, x.StorageClass]),
      }))
      .sort((a, b) => a.id.localeCompare(b.id)),
  );
}

export async function syncArchiveRules(
  t: S3LifecycleTarget,
  rules: ArchiveRule[],
): Promise<{ changed: boolean }> {
  const existing = await currentRules(t);
  const theirs = existing.filter((r) => !r.ID?.startsWith(ARCHIVE_RULE_PREFIX));
  const ours = existing.filter((r) => r.ID?.startsWith(ARCHIVE_RULE_PREFIX));
  const wanted = rules.map((r) => inletRule(t, r));
  if (fingerprint(ours) === fingerprint(wanted)) return { changed: false };
  const next = [...theirs, ...wanted];
  if (next.length === 0) {
    await t.client.send(new DeleteBucketLifecycleCommand({ Bucket: t.bucket }));
  } else {
    await t.client.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: t.bucket,
        LifecycleConfiguration: { Rules: next },
      }),
    );
  }
  return { changed: true };
}
