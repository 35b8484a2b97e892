import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigError, envSchema, loadConfig } from "./config";

const secret = "x".repeat(40);

describe("loadConfig", () => {
  it("applies defaults", () => {
    const c = loadConfig({ NEXTAUTH_SECRET: secret });
    expect(c.INLET_API_PORT).toBe(4000);
    expect(c.INLET_QUEUE).toBe("postgres");
    // One data directory per checkout, whichever workspace the process was started in.
    expect(c.dataDir).toMatch(/\/\.inlet$/);
    expect(c.dataDir).not.toContain("/apps/");
    // A relative data folder is the repository root's, as for npm start, whatever the working folder.
    const relative = loadConfig({ NEXTAUTH_SECRET: secret, INLET_DATA_DIR: "data-rel" });
    expect(relative.dataDir).toBe(c.dataDir.replace(/\.inlet$/, "data-rel"));
    expect(c.INLET_LAKE_URL).toBe(`file://${c.dataDir}/lake`);
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.OIDC_DEFAULT_ROLES).toEqual(["analyst"]);
  });

  it("takes an empty value as unset, and whole numbers only in decimal digits", () => {
    const c = loadConfig({
      NEXTAUTH_SECRET: secret,
      INLET_WORKERS: "",
      INLET_FILE_RETENTION_MS: "",
      INLET_VACUUM_INTERVAL_MS: "",
      INLET_LAKE_URL: "",
    });
    expect([c.INLET_WORKERS, c.INLET_FILE_RETENTION_MS, c.INLET_VACUUM_INTERVAL_MS]).toEqual([
      1, 3_600_000, 600_000,
    ]);
    expect(c.INLET_LAKE_URL).toBe(`file://${c.dataDir}/lake`);
    const bad = () => loadConfig({ NEXTAUTH_SECRET: secret, INLET_WORKERS: "1e1", INLET_API_PORT: "0x50" });
    expect(bad).toThrow('INLET_WORKERS ("1e1"): must be a whole number in decimal digits');
    expect(bad).toThrow('INLET_API_PORT ("0x50"): must be a whole number in decimal digits');
    expect(() => loadConfig({ NEXTAUTH_SECRET: secret, OIDC_DEFAULT_ROLES: "root" })).toThrow(
      'OIDC_DEFAULT_ROLES ("root"): ',
    );
  });

  it("names every bad variable and why, without echoing secrets", () => {
    try {
      loadConfig({
        NEXTAUTH_SECRET: "short",
        INLET_API_PORT: "70000",
        INLET_QUEUE: "kafka",
        INLET_NATS_STREAM: "inlet.prod",
        DATABASE_URL: "mysql://x",
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const msg = (err as Error).message;
      expect(msg).toContain('INLET_API_PORT ("70000")');
      expect(msg).toContain('INLET_QUEUE ("kafka")');
      expect(msg).toContain('INLET_NATS_STREAM ("inlet.prod"): must be 1-64 letters, digits, _ or -');
      expect(msg).toContain("DATABASE_URL");
      expect(msg).toContain("NEXTAUTH_SECRET (set): must be at least 32 characters");
      expect(msg).not.toContain("short");
    }
  });
});

describe("S3 event notifications' token", () => {
  it("is refused under 16 characters, with a message that does not repeat it", () => {
    const short = () => loadConfig({ NEXTAUTH_SECRET: secret, INLET_S3_EVENTS_TOKEN: "fifteen-chars-x" });
    expect(short).toThrow(ConfigError);
    expect(short).toThrow("INLET_S3_EVENTS_TOKEN (set): must be at least 16 characters");
    expect(short).not.toThrow("fifteen-chars-x");
    const key = () => loadConfig({ NEXTAUTH_SECRET: secret, INLET_POLICY_HASH_KEY: "hash-key-short" });
    expect(key).toThrow("INLET_POLICY_HASH_KEY (set): must be at least 16 characters");
    expect(key).not.toThrow("hash-key-short");
    const ok = loadConfig({ NEXTAUTH_SECRET: secret, INLET_S3_EVENTS_TOKEN: "sixteen-chars-xy" });
    expect(ok.INLET_S3_EVENTS_TOKEN).toBe("sixteen-chars-xy");
    // Empty means unset: notifications stay off.
    expect(
      loadConfig({ NEXTAUTH_SECRET: secret, INLET_S3_EVENTS_TOKEN: "" }).INLET_S3_EVENTS_TOKEN,
    ).toBeUndefined();
  });
});

describe("server-side encryption of an s3:// lake", () => {
  it("asks for SSE-S3 by default, SSE-KMS with its key, or none", () => {
    const c = loadConfig({ NEXTAUTH_SECRET: secret });
    expect(c.INLET_S3_SSE).toBe("AES256");
    expect(c.INLET_S3_SSE_KMS_KEY_ID).toBeUndefined();
    const kms = loadConfig({
      NEXTAUTH_SECRET: secret,
      INLET_S3_SSE: "aws:kms",
      INLET_S3_SSE_KMS_KEY_ID: "alias/inlet-lake",
    });
    expect([kms.INLET_S3_SSE, kms.INLET_S3_SSE_KMS_KEY_ID]).toEqual(["aws:kms", "alias/inlet-lake"]);
    expect(loadConfig({ NEXTAUTH_SECRET: secret, INLET_S3_SSE: "none" }).INLET_S3_SSE).toBe("none");
  });

  it("requires the KMS key with aws:kms and refuses it otherwise, naming the variable", () => {
    const missing = () => loadConfig({ NEXTAUTH_SECRET: secret, INLET_S3_SSE: "aws:kms" });
    expect(missing).toThrow(ConfigError);
    expect(missing).toThrow("INLET_S3_SSE_KMS_KEY_ID (unset): is required with INLET_S3_SSE=aws:kms");
    const stray = () => loadConfig({ NEXTAUTH_SECRET: secret, INLET_S3_SSE_KMS_KEY_ID: "1234abcd" });
    expect(stray).toThrow(
      'INLET_S3_SSE_KMS_KEY_ID ("1234abcd"): applies only with INLET_S3_SSE=aws:kms (it is AES256)',
    );
    expect(() =>
      loadConfig({ NEXTAUTH_SECRET: secret, INLET_S3_SSE: "none", INLET_S3_SSE_KMS_KEY_ID: "1234abcd" }),
    ).toThrow("(it is none)");
    expect(() => loadConfig({ NEXTAUTH_SECRET: secret, INLET_S3_SSE: "aes256" })).toThrow(
      'INLET_S3_SSE ("aes256")',
    );
  });
});

describe("query engine settings", () => {
  it("chooses DuckDB by default, and Athena only over an s3:// lake", () => {
    expect(loadConfig({ NEXTAUTH_SECRET: secret }).INLET_QUERY_ENGINE).toBe("duckdb");
    expect(() => loadConfig({ NEXTAUTH_SECRET: secret, INLET_QUERY_ENGINE: "athena" })).toThrow(
      /INLET_QUERY_ENGINE \("athena"\): Athena reads the lake from S3, so INLET_LAKE_URL must be s3:\/\/bucket/,
    );
    const athena = loadConfig({
      NEXTAUTH_SECRET: secret,
      INLET_QUERY_ENGINE: "athena",
      INLET_LAKE_URL: "s3://lake-bucket/inlet",
      INLET_ATHENA_OUTPUT_LOCATION: "s3://results-bucket/athena/",
      AWS_REGION: "eu-west-1",
    });
    expect(athena).toMatchObject({
      INLET_ATHENA_WORKGROUP: "primary",
      INLET_ATHENA_DATABASE: "inlet",
      INLET_ATHENA_CUTOFF_WORKGROUPS: "managed",
      INLET_ATHENA_OUTPUT_LOCATION: "s3://results-bucket/athena/",
      athenaRegion: "eu-west-1",
    });
    const lakeRegion = loadConfig({
      NEXTAUTH_SECRET: secret,
      INLET_S3_REGION: "eu-central-1",
      AWS_REGION: "eu-west-1",
    });
    expect(lakeRegion.athenaRegion).toBe("eu-central-1");
  });

  it("names each bad Athena setting", () => {
    const bad = () =>
      loadConfig({
        NEXTAUTH_SECRET: secret,
        INLET_QUERY_ENGINE: "bigquery",
        INLET_ATHENA_OUTPUT_LOCATION: "results/",
        INLET_ATHENA_DATABASE: "Inlet-DB",
        INLET_ATHENA_WORKGROUP: "a b",
        INLET_ATHENA_ENDPOINT: "not a url",
      });
    expect(bad).toThrow('INLET_QUERY_ENGINE ("bigquery")');
    expect(bad).toThrow('INLET_ATHENA_OUTPUT_LOCATION ("results/"): must be an s3://bucket/prefix/ URI');
    expect(bad).toThrow('INLET_ATHENA_DATABASE ("Inlet-DB"): must be a Glue database name');
    expect(bad).toThrow('INLET_ATHENA_WORKGROUP ("a b"): must be a workgroup name');
    expect(bad).toThrow('INLET_ATHENA_ENDPOINT ("not a url")');
  });
});

describe("README", () => {
  it("documents every environment variable the API and workers read", () => {
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    // The first cell of each configuration table row names one or more variables.
    const documented = new Set(
      [...readme.matchAll(/^\| (`[A-Z0-9_]+`(?:, `[A-Z0-9_]+`)*) \|/gm)].flatMap((m) =>
        [...m[1]!.matchAll(/`([A-Z0-9_]+)`/g)].map((n) => n[1]),
      ),
    );
    const missing = Object.keys(envSchema.shape).filter((name) => !documented.has(name));
    expect(missing).toEqual([]);
  });
});
