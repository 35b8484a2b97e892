// The QueryEngine the configuration chooses (INLET_QUERY_ENGINE): DuckDB embedded, or Athena over
// Glue tables registered at each query's snapshots, with its workgroup, results and catalog settings.
import { join } from "node:path";
import type { ObjectStore, QueryEngineConfig } from "@inlet/lake-core";
import type { Logger } from "pino";
import type { Config } from "./config";

export function queryEngineConfig(
  config: Config,
  store: ObjectStore,
  logger?: Logger,
  policyHashKey?: Uint8Array,
): QueryEngineConfig {
  if (config.INLET_QUERY_ENGINE === "duckdb") {
    return {
      kind: "duckdb",
      store,
      memoryLimit: config.INLET_QUERY_MEMORY_LIMIT,
      logger,
      policyHashKey,
      planCheck: config.INLET_QUERY_PLAN_CHECK,
      fileLockdown: config.INLET_QUERY_FILE_LOCKDOWN === "on",
    };
  }
  return {
    kind: "athena",
    store,
    workGroup: config.INLET_ATHENA_WORKGROUP,
    database: config.INLET_ATHENA_DATABASE,
    region: config.athenaRegion,
    ...(config.INLET_ATHENA_OUTPUT_LOCATION ? { outputLocation: config.INLET_ATHENA_OUTPUT_LOCATION } : {}),
    ...(config.INLET_ATHENA_ENDPOINT ? { athenaEndpoint: config.INLET_ATHENA_ENDPOINT } : {}),
    ...(config.INLET_GLUE_ENDPOINT ? { glueEndpoint: config.INLET_GLUE_ENDPOINT } : {}),
    s3: {
      ...(config.INLET_S3_ENDPOINT ? { endpoint: config.INLET_S3_ENDPOINT } : {}),
      forcePathStyle: config.INLET_S3_FORCE_PATH_STYLE,
    },
    cutoffWorkGroups: config.INLET_ATHENA_CUTOFF_WORKGROUPS,
    timeoutMs: config.INLET_QUERY_TIMEOUT_MS,
    scratchDir: join(config.dataDir, "cache"),
    logger,
    policyHashKey,
  };
}
