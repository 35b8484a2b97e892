import { createQueryEngine, S3ObjectStore } from "@inlet/lake-core";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config";
import { queryEngineConfig } from "./query-engine-config";

const secret = "x".repeat(40);

describe("queryEngineConfig", () => {
  it("builds the engine INLET_QUERY_ENGINE names, with the Athena settings", async () => {
    const config = loadConfig({
      NEXTAUTH_SECRET: secret,
      INLET_QUERY_ENGINE: "athena",
      INLET_LAKE_URL: "s3://lake-bucket/inlet",
      INLET_ATHENA_WORKGROUP: "analysts",
      INLET_ATHENA_DATABASE: "inlet_prod",
      INLET_ATHENA_OUTPUT_LOCATION: "s3://results-bucket/athena/",
      INLET_ATHENA_ENDPOINT: "http://127.0.0.1:9",
      INLET_GLUE_ENDPOINT: "http://127.0.0.1:9",
      INLET_S3_REGION: "eu-central-1",
    });
    const store = new S3ObjectStore(config.INLET_LAKE_URL, { region: "eu-central-1" });
    const key = Buffer.from("policy-key");
    const options = queryEngineConfig(config, store, undefined, key);
    expect(options).toMatchObject({
      kind: "athena",
      workGroup: "analysts",
      database: "inlet_prod",
      outputLocation: "s3://results-bucket/athena/",
      region: "eu-central-1",
      athenaEndpoint: "http://127.0.0.1:9",
      glueEndpoint: "http://127.0.0.1:9",
      cutoffWorkGroups: "managed",
      timeoutMs: 60_000,
      // Secure views apply hash rules with the same key as DuckDB and the LakeReader.
      policyHashKey: key,
    });
    const engine = createQueryEngine(options);
    expect(engine.kind).toBe("athena");
    await engine.close();

    const duckdb = createQueryEngine(queryEngineConfig(loadConfig({ NEXTAUTH_SECRET: secret }), store));
    expect(duckdb.kind).toBe("duckdb");
    await duckdb.close();
  });
});
