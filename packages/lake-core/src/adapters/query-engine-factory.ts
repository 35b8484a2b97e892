// createQueryEngine: builds the configured QueryEngine adapter — DuckDB embedded (the default) or
// Amazon Athena over Glue tables registered at each query's snapshots (an s3:// lake only).
import { InletError } from "../errors";
import type { QueryEngine } from "../ports/query-engine";
import { type AthenaEngineOptions, AthenaQueryEngine } from "./athena-engine";
import { type DuckDbEngineOptions, DuckDbQueryEngine } from "./duckdb-engine";

export type QueryEngineConfig =
  | ({ kind: "duckdb" } & DuckDbEngineOptions)
  | ({ kind: "athena" } & AthenaEngineOptions);

export function createQueryEngine(config: QueryEngineConfig): QueryEngine {
  switch (config.kind) {
    case "duckdb": {
      const { kind: _, ...opts } = config;
      return new DuckDbQueryEngine(opts);
    }
    case "athena": {
      const { kind: _, ...opts } = config;
      if (!opts.store.url.startsWith("s3://")) {
        throw new InletError(
          "INVALID_CONFIG",
          `INLET_QUERY_ENGINE=athena needs the lake on S3 (INLET_LAKE_URL=s3://…); it is ${opts.store.url}`,
          { env: "INLET_QUERY_ENGINE" },
        );
      }
      return new AthenaQueryEngine(opts);
    }
  }
}
