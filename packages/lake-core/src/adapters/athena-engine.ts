// AthenaQueryEngine: the QueryEngine on Amazon Athena. Each bound table is registered in Glue at its
// snapshot (GlueTableSync); a table the reader's access policies restrict is read through a view that
// applies them (SecureViews, athena-secure-views.ts), and the SQL is pointed at those views and
// registrations — never at a restricted table's own registration. The query is started, polled with
// capped exponential backoff, stopped on abort or time limit, and its result paged.
//
// The views hold the policy hash key as a literal (Trino's hmac_sha256 takes the key as an argument):
// the Glue catalog's view definitions and the workgroup's query history must be readable only by the
// role this adapter runs as. And IAM (or Lake Formation), not this adapter, must stop every other
// principal from reading the raw registered tables and the lake's files.
import { randomUUID } from "node:crypto";
import {
  AthenaClient,
  GetQueryExecutionCommand,
  type QueryExecution,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { GlueClient } from "@aws-sdk/client-glue";
import { S3Client } from "@aws-sdk/client-s3";
import type { Logger } from "pino";
import { errorMessage, InletError } from "../errors";
import type { ObjectStore } from "../ports/object-store";
import type { CsvExport, QueryEngine, QueryRequest, QueryResult, TableBinding } from "../ports/query-engine";
import { type CutoffWorkGroupMode, CutoffWorkGroups } from "./athena-cutoff-workgroups";
import {
  abortedQuery,
  apiFailure,
  cancelledElsewhere,
  type FailureContext,
  failedQuery,
  hiddenColumnError,
  overByteLimit,
  secureViewFailed,
  stoppedAtCutoff,
  timedOut,
} from "./athena-errors";
import { downloadResultCsv, readResultRows } from "./athena-results";
import { type RestrictedBinding, SecureViews } from "./athena-secure-views";
import { type PreparedAthenaSql, prepareAthenaSql, trinoIdent } from "./athena-sql";
import { GlueTableSync, glueTableName } from "./glue-table-sync";
import type { S3Credentials } from "./s3-store";

export interface AthenaPolling {
  /** First wait after starting the query (default 200 ms). */
  initialMs?: number;
  /** Each wait is this many times the previous one (default 2). */
  factor?: number;
  /** No wait is longer than this (default 2 s). */
  maxMs?: number;
}

export interface AthenaEngineOptions {
  /** The lake, an s3:// store: the bound files' keys are its keys; table manifests are written to it. */
  store: ObjectStore;
  /** The workgroup queries run in (default "primary"). */
  workGroup?: string;
  /** Where Athena writes results (s3://…/); default the workgroup's own setting. */
  outputLocation?: string;
  /** The Glue database the bound tables are registered in, made when missing (default "inlet"). */
  database?: string;
  /** The data catalog (default AwsDataCatalog, Glue's). */
  catalog?: string;
  region?: string;
  /** Endpoints for tests and Athena/Glue-compatible services; omit for AWS. */
  athenaEndpoint?: string;
  glueEndpoint?: string;
  /** Omit to use the AWS SDK's default credential chain. */
  credentials?: S3Credentials;
  /** How result CSVs are read from S3 (exportCsv): the lake's S3 settings. */
  s3?: { endpoint?: string; forcePathStyle?: boolean };
  /**
   * How QueryRequest.maxBytesScanned is enforced while a query runs (default "managed": a
   * workgroup per limit with that BytesScannedCutoffPerQuery; see athena-cutoff-workgroups.ts).
   */
  cutoffWorkGroups?: CutoffWorkGroupMode;
  poll?: AthenaPolling;
  /** A query still running after this long is stopped (default 30 minutes, Athena's own DML limit). */
  timeoutMs?: number;
  /** Row cap when a request sets no maxRows. */
  defaultMaxRows?: number;
  /** Glue registrations unused this long are dropped (default 24 hours). */
  registrationTtlMs?: number;
  /** Where manifests go in the store (default `_athena/manifests`). */
  manifestPrefix?: string;
  /** Where exportCsv keeps a result while it is streamed (default the OS temp folder). */
  scratchDir?: string;
  /**
   * The key hash rules use (HMAC-SHA-256), the same as DuckDB's; required once a hash rule applies.
   * It is written into the views that apply hash rules (see the header).
   */
  policyHashKey?: Uint8Array | undefined;
  logger?: Logger | undefined;
}

/** What exportCsv takes; query() takes a QueryRequest, which is one too. */
type CsvRequest = Omit<QueryRequest, "maxRows" | "maxResultBytes">;

interface Finished {
  id: string;
  execution: QueryExecution;
  bytesScanned: number;
}

const DEFAULT_MAX_ROWS = 10_000;
const DEFAULT_TIMEOUT_MS = 30 * 60_000;
const NAME_PART = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Waits `ms`, or less when the signal aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** The successive waits between GetQueryExecution calls: initial, ×factor, …, never above max. */
export function* pollDelays(poll: AthenaPolling = {}): Generator<number> {
  const max = Math.max(1, poll.maxMs ?? 2000);
  const factor = Math.max(1, poll.factor ?? 2);
  let delay = Math.min(max, Math.max(1, poll.initialMs ?? 200));
  for (;;) {
    yield delay;
    delay = Math.min(max, delay * factor);
  }
}

function isRestricted(binding: TableBinding): binding is RestrictedBinding {
  return binding.access !== undefined;
}

export class AthenaQueryEngine implements QueryEngine {
  readonly kind = "athena";
  private readonly athena: AthenaClient;
  private readonly glue: GlueClient;
  private readonly s3: S3Client;
  private readonly tables: GlueTableSync;
  private readonly cutoffs: CutoffWorkGroups;
  private readonly views: SecureViews;
  private readonly database: string;
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly opts: AthenaEngineOptions) {
    if (!opts.store.url.startsWith("s3://")) {
      throw new InletError(
        "INVALID_CONFIG",
        `the Athena query engine reads the lake from S3; ${opts.store.url} is not an s3:// lake`,
      );
    }
    const region = opts.region ?? process.env.AWS_REGION ?? "us-east-1";
    const credentials = opts.credentials ? { credentials: opts.credentials } : {};
    this.athena = new AthenaClient({
      region,
      ...credentials,
      ...(opts.athenaEndpoint ? { endpoint: opts.athenaEndpoint } : {}),
    });
    this.glue = new GlueClient({
      region,
      ...credentials,
      ...(opts.glueEndpoint ? { endpoint: opts.glueEndpoint } : {}),
    });
    this.s3 = new S3Client({
      region,
      ...credentials,
      ...(opts.s3?.endpoint ? { endpoint: opts.s3.endpoint } : {}),
      ...(opts.s3?.forcePathStyle !== undefined ? { forcePathStyle: opts.s3.forcePathStyle } : {}),
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    this.database = opts.database ?? "inlet";
    this.tables = new GlueTableSync({
      glue: this.glue,
      store: opts.store,
      database: this.database,
      ...(opts.manifestPrefix ? { manifestPrefix: opts.manifestPrefix } : {}),
      ...(opts.registrationTtlMs ? { ttlMs: opts.registrationTtlMs } : {}),
      logger: opts.logger,
    });
    this.cutoffs = new CutoffWorkGroups(
      this.athena,
      opts.workGroup ?? "primary",
      opts.cutoffWorkGroups ?? "managed",
      opts.outputLocation,
    );
    this.views = new SecureViews({
      database: this.database,
      hashKey: opts.policyHashKey,
      runStatement: (sql, table) => this.runStatement(sql, table),
    });
  }

  query(req: QueryRequest): Promise<QueryResult> {
    return this.track(() => this.run(req));
  }

  exportCsv(req: Omit<QueryRequest, "maxRows" | "maxResultBytes">): Promise<CsvExport> {
    return this.track(() => this.runToCsv(req));
  }

  /** Stops accepting queries and waits for running ones to finish. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    this.athena.destroy();
    this.glue.destroy();
    this.s3.destroy();
  }

  /** Drops Glue registrations (and their manifests) no query used within the time to live. */
  sweepRegistrations(): Promise<string[]> {
    return this.tables.sweep();
  }

  private track<T>(start: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new InletError("INTERNAL", "query engine is closed"));
    const run = start();
    this.inFlight.add(run);
    const forget = () => this.inFlight.delete(run);
    run.then(forget, forget);
    return run;
  }

  private async run(req: QueryRequest): Promise<QueryResult> {
    const started = performance.now();
    const maxRows = req.maxRows ?? this.opts.defaultMaxRows ?? DEFAULT_MAX_ROWS;
    if (!Number.isInteger(maxRows) || maxRows < 0) {
      throw new InletError("BAD_REQUEST", `maxRows must be a non-negative integer, got ${maxRows}`);
    }
    const { id, bytesScanned } = await this.execute(req);
    const result = await readResultRows(this.athena, id, {
      maxRows,
      maxResultBytes: req.maxResultBytes ?? Number.POSITIVE_INFINITY,
    });
    return { ...result, bytesScanned, durationMs: Math.round((performance.now() - started) * 1000) / 1000 };
  }

  private async runToCsv(req: CsvRequest): Promise<CsvExport> {
    const started = performance.now();
    const { id, execution, bytesScanned } = await this.execute(req);
    const location = execution.ResultConfiguration?.OutputLocation;
    if (!location) throw new InletError("INTERNAL", `Athena reported no result location for query ${id}`);
    const { rows, body } = await downloadResultCsv(this.s3, location, this.opts.scratchDir);
    return { rows, bytesScanned, durationMs: Math.round((performance.now() - started) * 1000) / 1000, body };
  }

  /** Each binding under its SQL name (lower case, dotted), checked the way DuckDB's adapter checks them. */
  private bindingsByName(tables: TableBinding[]): Map<string, TableBinding> {
    const byName = new Map<string, TableBinding>();
    for (const binding of tables) {
      const parts = binding.name.split(".");
      if (parts.length > 2 || parts.some((p) => !NAME_PART.test(p))) {
        throw new InletError("INTERNAL", `invalid table binding name: "${binding.name}"`);
      }
      const key = binding.name.toLowerCase();
      if (byName.has(key)) throw new InletError("INTERNAL", `table bound twice: ${binding.name}`);
      byName.set(key, binding);
    }
    return byName;
  }

  /**
   * Registers what the query reads (held while it runs), makes the views restricted tables are read
   * through, runs the query to a final state and returns it when it succeeded.
   */
  private async execute(req: CsvRequest): Promise<Finished> {
    const { signal } = req;
    if (signal?.aborted) throw abortedQuery(signal);
    const byName = this.bindingsByName(req.tables);
    // A restricted table is named by its view only: its registration's name is never in the SQL.
    const targets = new Map(
      [...byName].map(([name, b]) => [
        name,
        isRestricted(b)
          ? this.views.qualified(b)
          : `${trinoIdent(this.database)}.${trinoIdent(glueTableName(b))}`,
      ]),
    );
    const prepared = prepareAthenaSql(req.sql, { tables: targets, params: req.params });
    const read = [...prepared.referenced].map((name) => byName.get(name)!);
    const glueNames = new Map<string, string>();
    for (const b of read) {
      glueNames.set(glueTableName(b), b.name);
      if (isRestricted(b)) glueNames.set(this.views.viewName(b), b.name);
    }
    const ctx: FailureContext = { sql: req.sql, prepared, glueNames };

    const leases = await Promise.allSettled(read.map((b) => this.tables.lease(b)));
    try {
      const failed = leases.find((l): l is PromiseRejectedResult => l.status === "rejected");
      if (failed) throw failed.reason;
      this.tables.sweepIfDue();
      await Promise.all(
        read.map((b, i) => {
          const lease = leases[i] as PromiseFulfilledResult<Awaited<ReturnType<GlueTableSync["lease"]>>>;
          return isRestricted(b) ? this.views.ensure(b, lease.value.registration) : undefined;
        }),
      );
      if (signal?.aborted) throw abortedQuery(signal);
      return await this.runRegistered(req, prepared, ctx);
    } catch (err) {
      throw hiddenColumnError(err, read);
    } finally {
      for (const l of leases) if (l.status === "fulfilled") l.value.release();
    }
  }

  /**
   * Runs one statement of the engine's own (a secure view's CREATE OR REPLACE VIEW) in the base
   * workgroup to its end. Not stopped by a reader's signal: another query may be waiting for the same
   * view. Its text holds the hash key, so no message or log carries it.
   */
  private async runStatement(sql: string, table: string): Promise<void> {
    const keyHex = this.opts.policyHashKey ? Buffer.from(this.opts.policyHashKey).toString("hex") : "";
    let id: string;
    try {
      const res = await this.athena.send(
        new StartQueryExecutionCommand({
          QueryString: sql,
          ClientRequestToken: randomUUID(),
          QueryExecutionContext: { Database: this.database, Catalog: this.opts.catalog ?? "AwsDataCatalog" },
          WorkGroup: this.opts.workGroup ?? "primary",
          ...(this.opts.outputLocation
            ? { ResultConfiguration: { OutputLocation: this.opts.outputLocation } }
            : {}),
        }),
      );
      if (!res.QueryExecutionId)
        throw new InletError("INTERNAL", "Athena started the statement without an id");
      id = res.QueryExecutionId;
    } catch (err) {
      if (err instanceof InletError) throw err;
      const name = err instanceof Error ? err.name : "";
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      throw secureViewFailed({
        table,
        reason: errorMessage(err),
        keyHex,
        byUser: name === "InvalidRequestException",
        retryable: name === "TooManyRequestsException" || status === undefined || status >= 500,
      });
    }
    const execution = await this.waitFor(id, undefined);
    if (execution.Status?.State === "SUCCEEDED") return;
    const error = execution.Status?.AthenaError;
    throw secureViewFailed({
      table,
      reason: error?.ErrorMessage ?? execution.Status?.StateChangeReason ?? "the statement failed in Athena",
      keyHex,
      byUser: error?.ErrorCategory === 2,
      retryable: error?.Retryable === true,
      queryExecutionId: id,
    });
  }

  private async runRegistered(
    req: CsvRequest,
    prepared: PreparedAthenaSql,
    ctx: FailureContext,
  ): Promise<Finished> {
    const { signal } = req;
    const { workGroup, cutoffBytes } = await this.cutoffs.forLimit(req.maxBytesScanned);
    if (signal?.aborted) throw abortedQuery(signal);

    const id = await this.start(prepared, workGroup, ctx);
    ctx.queryExecutionId = id;
    const execution = await this.waitFor(id, signal);
    const bytesScanned = execution.Statistics?.DataScannedInBytes ?? 0;
    const state = execution.Status?.State;
    const limit = req.maxBytesScanned;
    if (state !== "SUCCEEDED") {
      if (stoppedAtCutoff(execution) && limit !== undefined) {
        throw overByteLimit({
          limitBytes: limit,
          bytesScanned,
          cutoffBytes,
          stoppedByAthena: true,
          queryExecutionId: id,
        });
      }
      if (state === "CANCELLED") throw cancelledElsewhere(execution, id);
      throw failedQuery(execution, ctx);
    }
    // Athena cannot stop a query below its 10 MB floor (or without a cutoff workgroup): the result of
    // one that went over its limit anyway is withheld.
    if (limit !== undefined && bytesScanned > limit) {
      throw overByteLimit({
        limitBytes: limit,
        bytesScanned,
        cutoffBytes,
        stoppedByAthena: false,
        queryExecutionId: id,
      });
    }
    return { id, execution, bytesScanned };
  }

  private async start(prepared: PreparedAthenaSql, workGroup: string, ctx: FailureContext): Promise<string> {
    try {
      const res = await this.athena.send(
        new StartQueryExecutionCommand({
          QueryString: prepared.sql,
          // The same token on an SDK retry: a start that reached Athena is not run twice.
          ClientRequestToken: randomUUID(),
          QueryExecutionContext: { Database: this.database, Catalog: this.opts.catalog ?? "AwsDataCatalog" },
          WorkGroup: workGroup,
          ...(this.opts.outputLocation
            ? { ResultConfiguration: { OutputLocation: this.opts.outputLocation } }
            : {}),
          ...(prepared.executionParameters.length > 0
            ? { ExecutionParameters: prepared.executionParameters }
            : {}),
        }),
      );
      if (!res.QueryExecutionId) throw new InletError("INTERNAL", "Athena started the query without an id");
      return res.QueryExecutionId;
    } catch (err) {
      throw apiFailure(err, "StartQueryExecution", ctx);
    }
  }

  /** Polls until the query ends; stops it in Athena when the signal aborts or the time limit passes. */
  private async waitFor(id: string, signal: AbortSignal | undefined): Promise<QueryExecution> {
    const timeoutMs = this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    const delays = pollDelays(this.opts.poll);
    for (;;) {
      let execution: QueryExecution | undefined;
      try {
        execution = (await this.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id })))
          .QueryExecution;
      } catch (err) {
        await this.stop(id);
        throw apiFailure(err, "GetQueryExecution");
      }
      const state = execution?.Status?.State;
      if (execution && (state === "SUCCEEDED" || state === "FAILED" || state === "CANCELLED"))
        return execution;
      const left = deadline - Date.now();
      if (!signal?.aborted && left > 0) await pause(Math.min(delays.next().value as number, left), signal);
      if (signal?.aborted) {
        await this.stop(id);
        throw abortedQuery(signal, id);
      }
      if (Date.now() >= deadline) {
        await this.stop(id);
        throw timedOut(timeoutMs, id);
      }
    }
  }

  /** Asks Athena to stop the query; a query that already ended is left as it is. */
  private async stop(id: string): Promise<void> {
    try {
      await this.athena.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
    } catch (err) {
      this.opts.logger?.warn({ err, queryExecutionId: id }, "athena StopQueryExecution failed");
    }
  }
}

export function createAthenaEngine(opts: AthenaEngineOptions): AthenaQueryEngine {
  return new AthenaQueryEngine(opts);
}
