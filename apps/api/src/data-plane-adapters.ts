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
} from "@inlet/lake-core";
import type { Config } from "./config";

export async function openDataPlaneAdapters(
  config: Config,
  db: Db,
): Promise<{ catalog: Catalog; store: ObjectStore; queue: Queue; dedupe: DedupeIndex }> {
  const store = createObjectStore(config.INLET_LAKE_URL, {
    s3Endpoint: config.INLET_S3_ENDPOINT,
    s3Region: config.INLET_S3_REGION,
    s3ForcePathStyle: config.INLET_S3_FORCE_PATH_STYLE,
    s3ArchiveStorageClass: config.INLET_RAW_ARCHIVE_STORAGE_CLASS,
    cacheDir: join(config.dataDir, "cache"),
  });
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
