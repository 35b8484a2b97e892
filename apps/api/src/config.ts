// The one place that reads the environment: every variable, its default, and a clear error naming
// each bad one. README's configuration table mirrors this file.
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ROLES } from "@inlet/db/roles";
import { z } from "zod";

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");
/** A whole number in decimal digits: "1e1", "0x50" or "3.0" are refused, not read as 10, 80 or 3. */
const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^\d+$/, "must be a whole number in decimal digits")
    .transform(Number)
    .pipe(z.number().min(min).max(max));
const port = wholeNumber(1, 65_535);
const positiveInt = wholeNumber(1);
const nonNegativeInt = wholeNumber(0);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === "" ? undefined : v));

export const envSchema = z.object({
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Where the API and the console listen (loopback: neither is reachable from other machines). */
  INLET_HOST: z.string().min(1).default("127.0.0.1"),
  /** Unset: INLET_HOST. The API's own address, when it must differ from the console's. */
  INLET_API_HOST: z.string().min(1).optional(),
  INLET_API_PORT: port.default(4000),
  INLET_PUBLIC_API_URL: z.url().optional(),
  /** Unset: .inlet at the repository root, whichever workspace a process starts in. */
  INLET_DATA_DIR: z.string().min(1).optional(),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
      .optional(),
  ),
  /** Unset: file://<INLET_DATA_DIR>/lake. */
  INLET_LAKE_URL: z
    .string()
    .regex(/^(file|s3):\/\//, "must start with file:// or s3://")
    .optional(),
  INLET_S3_ENDPOINT: z.url().optional(),
  INLET_S3_REGION: z.string().default("us-east-1"),
  INLET_S3_FORCE_PATH_STYLE: bool.default(false),
  /**
   * Server-side encryption asked for on every object written to an s3:// lake, and checked at start:
   * SSE-S3 by default (what AWS applies to new objects anyway), SSE-KMS with INLET_S3_SSE_KMS_KEY_ID,
   * or none for S3-compatible stores that cannot encrypt.
   */
  INLET_S3_SSE: z.enum(["none", "AES256", "aws:kms"]).default("AES256"),
  INLET_S3_SSE_KMS_KEY_ID: z
    .string()
    .regex(/^\S{1,2048}$/, "must be a KMS key id, key ARN, alias name or alias ARN")
    .optional(),
  INLET_S3_EVENTS_TOKEN: z
    .string()
    .min(16, "must be at least 16 characters (e.g. `openssl rand -hex 32`)")
    .optional(),
  INLET_QUEUE: z.enum(["postgres", "nats"]).default("postgres"),
  INLET_NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  INLET_NATS_STREAM: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 letters, digits, _ or -")
    .default("INLET"),
  INLET_QUEUE_MAX_RECEIVES: positiveInt.default(5),
  /** Where the dedupe index keeps its claims: the catalog's PostgreSQL (default) or Redis (scale-out). */
  INLET_DEDUPE: z.enum(["postgres", "redis"]).default("postgres"),
  INLET_REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
    .default("redis://127.0.0.1:6379"),
  /**
   * The lease a worker holds a received batch under, renewed while it works on it: a worker that
   * dies gives its batches up this long after its last renewal (with the default, within 10 s).
   */
  INLET_QUEUE_LEASE_MS: wholeNumber(1000, 60_000).default(8000),
  /**
   * The longest a worker keeps a batch invisible to the others by renewing its lease: a flush that
   * takes longer (or hangs) lets another worker take the batch. At most 10 minutes.
   */
  INLET_QUEUE_VISIBILITY_TIMEOUT_MS: wholeNumber(1000, 600_000).default(120_000),
  /**
   * How long a batch may stay received before a worker sends its message again: one whose message
   * was lost (an API killed between registering the batch and enqueueing it) is processed this long
   * after receipt. The message's dedupe key is the batch id, so one still queued is not doubled (on
   * NATS, within the stream's 10-minute duplicate window; a later copy is acked without work).
   */
  INLET_STRANDED_AFTER_MS: wholeNumber(10_000, 3_600_000).default(120_000),
  INLET_WORKERS: wholeNumber(0, 64).default(1),
  INLET_WORKER_METRICS_PORT: port.optional(),
  INLET_WORKER_CONCURRENCY: wholeNumber(1, 32).default(2),
  INLET_FLUSH_INTERVAL_MS: positiveInt.default(1000),
  INLET_FLUSH_LINGER_MS: positiveInt.default(100),
  INLET_FLUSH_BYTES: positiveInt.default(5 * 1024 * 1024),
  INLET_VACUUM_INTERVAL_MS: nonNegativeInt.default(10 * 60_000),
  INLET_FILE_RETENTION_MS: nonNegativeInt.default(60 * 60_000),
  INLET_RETENTION_INTERVAL_MS: nonNegativeInt.default(60 * 60_000),
  INLET_RAW_ARCHIVE_STORAGE_CLASS: z
    .enum(["STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"])
    .default("GLACIER_IR"),
  INLET_INGEST_MAX_BODY_BYTES: positiveInt.default(10 * 1024 * 1024),
  INLET_INGEST_MAX_EVENT_BYTES: positiveInt.default(1024 * 1024),
  INLET_INGEST_IDLE_TIMEOUT_MS: positiveInt.default(60_000),
  INLET_INGEST_MAX_EVENTS: positiveInt.default(10_000),
  /**
   * Admission control (0 turns a bound off). A source whose backlog — its batches accepted and not yet
   * committed or failed — holds more raw bytes, or an older batch, than these is answered 429; so is
   * every source while the whole backlog is over INLET_MAX_QUEUE_BACKLOG_BYTES, and 503 while the
   * disk of a file:// lake has less free. Defaults absorb bursts of minutes.
   */
  INLET_SOURCE_MAX_BACKLOG_BYTES: nonNegativeInt.default(2 * 1024 ** 3),
  INLET_SOURCE_MAX_BACKLOG_AGE_SECONDS: nonNegativeInt.default(30 * 60),
  INLET_MAX_QUEUE_BACKLOG_BYTES: nonNegativeInt.default(8 * 1024 ** 3),
  INLET_MIN_FREE_DISK_BYTES: nonNegativeInt.default(1024 ** 3),
  /** The ingest limit for replays: the highest events/s a replay job may be given. */
  INLET_REPLAY_MAX_RATE: positiveInt.default(50_000),
  /**
   * "live": a replay job lowers its rate while live batches wait for a worker, and returns to it when
   * they do not; "rate": it keeps its configured rate whatever live ingest does.
   */
  INLET_REPLAY_PRIORITY: z.enum(["live", "rate"]).default("live"),
  INLET_QUERY_TIMEOUT_MS: positiveInt.default(60_000),
  INLET_QUERY_MEMORY_LIMIT: z
    .string()
    .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, "must be a size such as 512MB or 2GB")
    .default("1GB"),
  INLET_QUERY_CONCURRENCY_PER_USER: wholeNumber(1, 64).default(3),
  /**
   * Compaction merges small files on a DuckDB instance of its own: this memory_limit (what does not
   * fit spills to the worker's scratch folder), these threads, and at most this many bytes of small
   * files per merge.
   */
  INLET_COMPACTION_MEMORY_LIMIT: z
    .string()
    .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, "must be a size such as 256MB or 1GB")
    .default("256MB"),
  INLET_COMPACTION_THREADS: wholeNumber(1, 64).default(1),
  INLET_COMPACTION_MAX_INPUT_BYTES: wholeNumber(1024 * 1024).default(64 * 1024 * 1024),
  INLET_QUERY_HISTORY_DAYS: wholeNumber(1, 3650).default(90),
  /** Seconds between operations samples (metric_samples, the dashboard); 0 turns sampling off. */
  INLET_OPS_SAMPLE_SECONDS: wholeNumber(0, 3600).default(15),
  /** How often alerts are evaluated (one API process at a time, under a catalog lease); 0 turns it off. */
  INLET_ALERT_INTERVAL_MS: wholeNumber(0, 3_600_000).default(30_000),
  INLET_QUERY_ENGINE: z.enum(["duckdb", "athena"]).default("duckdb"),
  INLET_QUERY_PLAN_CHECK: z.enum(["before", "alongside"]).default("before"),
  /** DuckDB's file lockdown on each query's instance (the third layer of the query guard). */
  INLET_QUERY_FILE_LOCKDOWN: z.enum(["on", "off"]).default("on"),
  INLET_POLICY_HASH_KEY: z
    .string()
    .min(16, "must be at least 16 characters (e.g. `openssl rand -hex 32`)")
    .optional(),
  INLET_ATHENA_WORKGROUP: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,128}$/, "must be a workgroup name: 1-128 letters, digits, '.', '_' or '-'")
    .default("primary"),
  INLET_ATHENA_OUTPUT_LOCATION: z
    .string()
    .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, "must be an s3://bucket/prefix/ URI")
    .optional(),
  INLET_ATHENA_DATABASE: z
    .string()
    .regex(/^[a-z0-9_]{1,255}$/, "must be a Glue database name: lower-case letters, digits and '_'")
    .default("inlet"),
  INLET_ATHENA_CUTOFF_WORKGROUPS: z.enum(["managed", "off"]).default("managed"),
  INLET_ATHENA_ENDPOINT: z.url().optional(),
  INLET_GLUE_ENDPOINT: z.url().optional(),
  NEXTAUTH_SECRET: z
    .string()
    .min(32, "must be at least 32 characters (e.g. `openssl rand -base64 32`)")
    .optional(),
  INLET_LOGIN_MAX_FAILURES: positiveInt.default(5),
  INLET_LOGIN_WINDOW_SECONDS: positiveInt.default(900),
  INLET_ADMIN_PASSWORD: optionalString,
  INLET_ENGINEER_PASSWORD: optionalString,
  INLET_GOVERNANCE_PASSWORD: optionalString,
  INLET_ANALYST_PASSWORD: optionalString,
  INLET_ONCALL_PASSWORD: optionalString,
  INLET_SEED_SAMPLE_SOURCE: bool.default(true),
  OIDC_DEFAULT_ROLES: z
    .string()
    .default("analyst")
    .transform((s) =>
      s
        .split(",")
        .map((r) => r.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(ROLES)).min(1)),
});

export type Env = z.infer<typeof envSchema>;

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

export interface Config extends Omit<Env, "INLET_LAKE_URL" | "INLET_API_HOST"> {
  INLET_LAKE_URL: string;
  INLET_API_HOST: string;
  /** Athena's and Glue's region: INLET_S3_REGION when set, else AWS_REGION, else us-east-1. */
  athenaRegion: string;
  dataDir: string;
  publicApiUrl: string;
}

/** The API verifies sessions; a worker process has no use for the secret. */
export type ApiConfig = Config & { NEXTAUTH_SECRET: string };

export type Component = "api" | "worker";

/** Variables whose value a configuration error must not repeat (it lands in logs and terminals). */
const SECRET_NAME = /SECRET|TOKEN|PASSWORD|_KEY$/;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export function loadConfig(env?: Record<string, string | undefined>, component?: "api"): ApiConfig;
export function loadConfig(env: Record<string, string | undefined>, component: "worker"): Config;
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  component: Component = "api",
): Config {
  // An empty value (VAR= , or an unset ${VAR} in a template) means unset: the default applies.
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ""));
  const parsed = envSchema.safeParse(given);
  const missingSecret = component === "api" && parsed.success && !parsed.data.NEXTAUTH_SECRET;
  if (!parsed.success || missingSecret) {
    const issues = parsed.success
      ? [{ path: ["NEXTAUTH_SECRET"], message: "is required by the API (the console and the API share it)" }]
      : parsed.error.issues;
    const problems = issues.map((issue) => {
      // A list variable's issue points into the list (OIDC_DEFAULT_ROLES.0): name the variable.
      const name = String(issue.path[0] ?? "");
      const value = env[name];
      const shown = value === undefined ? "unset" : SECRET_NAME.test(name) ? "set" : JSON.stringify(value);
      return `${name} (${shown}): ${issue.message}`;
    });
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  // Relative to the repository root, as `npm start` takes it, whichever folder a command runs in.
  const dataDir = resolve(REPO_ROOT, e.INLET_DATA_DIR ?? ".inlet");
  const lakeUrl = e.INLET_LAKE_URL ?? `file://${join(dataDir, "lake")}`;
  if (e.INLET_QUERY_ENGINE === "athena" && !lakeUrl.startsWith("s3://")) {
    throw new ConfigError([
      `INLET_QUERY_ENGINE ("athena"): Athena reads the lake from S3, so INLET_LAKE_URL must be s3://bucket[/prefix] (it is ${lakeUrl})`,
    ]);
  }
  if (e.INLET_S3_SSE === "aws:kms" && !e.INLET_S3_SSE_KMS_KEY_ID) {
    throw new ConfigError([
      "INLET_S3_SSE_KMS_KEY_ID (unset): is required with INLET_S3_SSE=aws:kms (a KMS key id, key ARN or alias)",
    ]);
  }
  if (e.INLET_S3_SSE !== "aws:kms" && e.INLET_S3_SSE_KMS_KEY_ID) {
    throw new ConfigError([
      `INLET_S3_SSE_KMS_KEY_ID (${JSON.stringify(e.INLET_S3_SSE_KMS_KEY_ID)}): applies only with INLET_S3_SSE=aws:kms (it is ${e.INLET_S3_SSE}); set both or neither`,
    ]);
  }
  const apiHost = e.INLET_API_HOST ?? e.INLET_HOST;
  return {
    ...e,
    dataDir,
    INLET_API_HOST: apiHost,
    INLET_LAKE_URL: lakeUrl,
    athenaRegion: given.INLET_S3_REGION ?? given.AWS_REGION ?? "us-east-1",
    publicApiUrl:
      e.INLET_PUBLIC_API_URL ?? `http://${apiHost === "0.0.0.0" ? "localhost" : apiHost}:${e.INLET_API_PORT}`,
  };
}
