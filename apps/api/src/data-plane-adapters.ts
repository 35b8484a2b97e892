// Opens the catalog and the configured ObjectStore, Queue and DedupeIndex: the same choice for the API and
// every worker.
import { join } from "node:path";
import type { Db } from "@inlet/db";
import {
  type Catalog,
  createDedupeIndex,
  createObjectStore,
  createQueue,
  type DedupeIndex,
  type ObjectStore,
  PgCatalog,
  type Queue,
  type S3Encryption,
  S3ObjectStore,
} from "@inlet/lake-core";
import type { Config } from "./config";

/** INLET_S3_SSE and INLET_S3_SSE_KMS_KEY_ID as the S3 store takes them (loadConfig checked the pair). */
export function s3Encryption(config: Config): S3Encryption | undefined {
  if (config.INLET_S3_SSE === "none") return undefined;
  if (config.INLET_S3_SSE === "AES256") return { algorithm: "AES256" };
  return { algorithm: "aws:kms", kmsKeyId: config.INLET_S3_SSE_KMS_KEY_ID ?? "" };
}

export async function openDataPlaneAdapters(
  config: Config,
  db: Db,
): Promise<{ catalog: Catalog; store: ObjectStore; queue: Queue; dedupe: DedupeIndex }> {
  const store = createObjectStore(config.INLET_LAKE_URL, {
    s3Endpoint: config.INLET_S3_ENDPOINT,
    s3Region: config.INLET_S3_REGION,
    s3ForcePathStyle: config.INLET_S3_FORCE_PATH_STYLE,
    s3ArchiveStorageClass: config.INLET_RAW_ARCHIVE_STORAGE_CLASS,
    s3Encryption: s3Encryption(config),
    cacheDir: join(config.dataDir, "cache"),
  });
  // Before anything is written: a store that ignores or refuses the configured encryption stops the start.
  if (store instanceof S3ObjectStore) await store.verifyEncryption();
  const maxReceives = config.INLET_QUEUE_MAX_RECEIVES;
  const queue =
    config.INLET_QUEUE === "nats"
      ? await createQueue({
          kind: "nats",
          servers: config.INLET_NATS_URL,
          streamName: config.INLET_NATS_STREAM,
          maxReceives,
        })
      : await createQueue({ kind: "postgres", pool: db.pool, maxReceives });
  const catalog = new PgCatalog(db);
  const dedupe = await createDedupeIndex(
    config.INLET_DEDUPE === "redis" ? { kind: "redis", url: config.INLET_REDIS_URL } : { kind: "postgres" },
    catalog,
  );
  return { catalog, store, queue, dedupe };
}
