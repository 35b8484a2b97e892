// startAthenaEndpoint: a local HTTP endpoint speaking Athena's and Glue's JSON protocols (AWS JSON 1.1,
// X-Amz-Target AmazonAthena.* and AWSGlue.*), so the Athena adapter is tested against the API contract:
// queries go QUEUED → RUNNING → SUCCEEDED/FAILED/CANCELLED on a DuckDB that reads the Glue tables'
// manifests and files from an S3-compatible store, results are paged with NextToken and written as CSV
// to the output location, StopQueryExecution interrupts, and a workgroup's per-query bytes cutoff
// cancels a query over it. `CREATE [OR REPLACE] VIEW` is served as Athena serves it (a DDL statement
// that stores a VIRTUAL_VIEW in Glue), and queries read those views. It is a stand-in for the
// contract, not for Athena's SQL dialect: the SQL runs on DuckDB, with the few Trino functions the
// adapter's secure views call added as macros (athena-endpoint-runner.ts).
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DuckDBInstance } from "@duckdb/node-api";
import { errorMessage } from "../errors";
import { AwsJsonError, GlueCatalogState } from "./athena-endpoint-glue";
import { AthenaQueryFailure, AthenaQueryRunner, type PlannedQuery } from "./athena-endpoint-runner";
import type { AthenaColumnInfo } from "./athena-endpoint-values";

type Json = Record<string, unknown>;
type State = "QUEUED" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELLED";

/** `CREATE [OR REPLACE] VIEW name AS`, name maybe qualified and quoted. */
const CREATE_VIEW =
  /^\s*CREATE\s+(OR\s+REPLACE\s+)?VIEW\s+((?:"(?:[^"]|"")*"|[A-Za-z_]\w*)(?:\s*\.\s*(?:"(?:[^"]|"")*"|[A-Za-z_]\w*)){0,2})\s+AS\s+/i;

/** Athena refuses a per-query cutoff below this. */
const MIN_CUTOFF = 10_000_000;
const MAX_PAGE = 1000;

export interface AthenaEndpointOptions {
  /** The S3-compatible store the tables' manifests and files, and the results, live in. */
  s3: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  /** GetQueryExecution answers QUEUED this many times before a query starts (default 0). */
  queuedPolls?: number;
  /** DuckDB threads per query (default 1). */
  threads?: number;
}

export interface RecordedCall {
  /** e.g. "AmazonAthena.StartQueryExecution", "AWSGlue.CreateTable". */
  target: string;
  input: Json;
  at: number;
}

export interface Execution {
  id: string;
  query: string;
  parameters: string[];
  database: string;
  workGroup: string;
  outputLocation: string;
  state: State;
  reason?: string;
  error?: { ErrorCategory: number; ErrorType: number; Retryable: boolean; ErrorMessage: string };
  submitted: number;
  completed?: number;
  scannedBytes: number;
  polls: number;
  result?: { columns: AthenaColumnInfo[]; rows: (string | undefined)[][] };
  planned?: PlannedQuery;
  stopRequested: boolean;
  statementType: "DML" | "DDL";
  /** What a CREATE VIEW statement makes. */
  view?: { database: string; name: string; sql: string; replace: boolean };
}

export interface AthenaEndpoint {
  /** http://127.0.0.1:<port>: give it to both the Athena and the Glue client. */
  url: string;
  calls: RecordedCall[];
  callsTo(operation: string): RecordedCall[];
  glue: GlueCatalogState;
  executions: Map<string, Execution>;
  workGroups: Map<string, Json>;
  stop(): Promise<void>;
}

class AthenaApiError extends AwsJsonError {}

function invalid(message: string, athenaErrorCode?: string): AthenaApiError {
  return new AthenaApiError(
    "InvalidRequestException",
    message,
    athenaErrorCode ? { AthenaErrorCode: athenaErrorCode } : {},
  );
}

/** The SQL with each `?` outside literals and comments replaced by its value's text, in order. */
function bindParameters(sql: string, values: string[]): string {
  let out = "";
  let n = 0;
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    let end = i + 1;
    if (ch === "'" || ch === '"') {
      while (end < sql.length && !(sql[end] === ch && sql[end + 1] !== ch)) end += sql[end] === ch ? 2 : 1;
      end += 1;
    } else if (ch === "-" && sql[i + 1] === "-") {
      const newline = sql.indexOf("\n", i);
      end = newline < 0 ? sql.length : newline + 1;
    } else if (ch === "/" && sql[i + 1] === "*") {
      const close = sql.indexOf("*/", i + 2);
      end = close < 0 ? sql.length : close + 2;
    } else if (ch === "?") {
      if (n >= values.length)
        throw invalid("Incorrect number of parameters in the query: not enough execution parameters");
      out += values[n++];
      i += 1;
      continue;
    }
    out += sql.slice(i, end);
    i = end;
  }
  if (n !== values.length)
    throw invalid(`Incorrect number of parameters in the query: ${values.length} given, ${n} used`);
  return out;
}

/** The parts of a (maybe quoted) dotted name, unquoted and folded to lower case as Athena folds them. */
function nameParts(text: string): string[] {
  return [...text.matchAll(/"((?:[^"]|"")*)"|([A-Za-z_]\w*)/g)].map((m) =>
    (m[1] !== undefined ? m[1].replaceAll('""', '"') : m[2]!).toLowerCase(),
  );
}

function outputKey(location: string, id: string): { bucket: string; key: string; uri: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location);
  if (!m) throw invalid(`outputLocation is not an s3:// URI: ${location}`);
  const prefix = m[2] && !m[2].endsWith("/") ? `${m[2]}/` : (m[2] ?? "");
  return { bucket: m[1]!, key: `${prefix}${id}.csv`, uri: `s3://${m[1]}/${prefix}${id}.csv` };
}

function csvOf(result: NonNullable<Execution["result"]>): string {
  const field = (v: string | undefined) => (v === undefined ? "" : `"${v.replaceAll('"', '""')}"`);
  const lines = [result.columns.map((c) => field(c.Name)), ...result.rows.map((r) => r.map(field))];
  return lines.map((l) => `${l.join(",")}\n`).join("");
}

export async function startAthenaEndpoint(opts: AthenaEndpointOptions): Promise<AthenaEndpoint> {
  const cacheDir = await mkdtemp(join(tmpdir(), "inlet-athena-endpoint-"));
  const s3 = new S3Client({
    endpoint: opts.s3.endpoint,
    region: opts.s3.region,
    credentials: opts.s3.credentials,
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const glue = new GlueCatalogState();
  const runner = new AthenaQueryRunner({ glue, s3, cacheDir, threads: opts.threads ?? 1 });
  const parserInstance = await DuckDBInstance.create(":memory:");
  const parser = await parserInstance.connect();
  const calls: RecordedCall[] = [];
  const executions = new Map<string, Execution>();
  const byToken = new Map<string, string>();
  const workGroups = new Map<string, Json>([
    ["primary", { Name: "primary", State: "ENABLED", Configuration: {} }],
  ]);
  const running = new Set<Promise<void>>();

  const finish = (e: Execution, state: State, reason?: string, error?: Execution["error"]) => {
    if (e.state === "SUCCEEDED" || e.state === "FAILED" || e.state === "CANCELLED") return;
    e.state = state;
    e.completed = Date.now();
    if (reason !== undefined) e.reason = reason;
    if (error) e.error = error;
  };

  const createView = async (e: Execution, view: NonNullable<Execution["view"]>) => {
    const existing = glue.table(view.database, view.name);
    if (existing && existing.TableType !== "VIRTUAL_VIEW") {
      throw new AthenaQueryFailure(
        `TABLE_ALREADY_EXISTS: line 1:1: Table '${view.database}.${view.name}' already exists and is not a view`,
        2,
        1000,
      );
    }
    if (existing && !view.replace) {
      throw new AthenaQueryFailure(
        `ALREADY_EXISTS: line 1:1: View '${view.database}.${view.name}' already exists`,
        2,
        1000,
      );
    }
    const columns = await runner.describeView(view.sql, view.database);
    if (e.stopRequested) return;
    try {
      glue.putView(view.database, view.name, view.sql, columns);
    } catch (err) {
      throw new AthenaQueryFailure(`SCHEMA_NOT_FOUND: line 1:1: ${errorMessage(err)}`, 2, 1000);
    }
    // A DDL statement has no rows (Athena writes no CSV for it).
    e.result = { columns: [], rows: [] };
    finish(e, "SUCCEEDED");
  };

  const execute = async (e: Execution) => {
    e.state = "RUNNING";
    try {
      if (e.view) return await createView(e, e.view);
      e.planned = await runner.plan(e.query, e.database);
      e.scannedBytes = e.planned.scannedBytes;
      const cutoff = (workGroups.get(e.workGroup)?.Configuration as Json | undefined)
        ?.BytesScannedCutoffPerQuery;
      if (typeof cutoff === "number" && e.scannedBytes > cutoff) {
        return finish(e, "CANCELLED", "Bytes scanned limit was exceeded");
      }
      if (e.stopRequested) return;
      const result = await e.planned.run();
      if (e.stopRequested) return;
      const out = outputKey(e.outputLocation, e.id);
      await s3.send(
        new PutObjectCommand({
          Bucket: out.bucket,
          Key: out.key,
          Body: csvOf(result),
          ContentType: "text/csv",
        }),
      );
      e.result = result;
      finish(e, "SUCCEEDED");
    } catch (err) {
      if (e.stopRequested) return;
      const failure =
        err instanceof AthenaQueryFailure
          ? err
          : new AthenaQueryFailure(`INTERNAL_ERROR: ${errorMessage(err)}`, 1, 200);
      finish(e, "FAILED", failure.message, {
        ErrorCategory: failure.category,
        ErrorType: failure.errorType,
        Retryable: false,
        ErrorMessage: failure.message,
      });
    } finally {
      e.planned?.close();
      e.planned = undefined;
    }
  };

  const schedule = (e: Execution) => {
    const run = execute(e);
    running.add(run);
    void run.finally(() => running.delete(run));
  };

  const athena = async (operation: string, input: Json): Promise<Json> => {
    switch (operation) {
      case "StartQueryExecution": {
        const query = typeof input.QueryString === "string" ? input.QueryString : "";
        if (query.length === 0 || query.length > 262_144)
          throw invalid("QueryString must be 1 to 262144 characters");
        const token = typeof input.ClientRequestToken === "string" ? input.ClientRequestToken : undefined;
        const known = token ? byToken.get(token) : undefined;
        if (known) return { QueryExecutionId: known };
        const workGroup = typeof input.WorkGroup === "string" ? input.WorkGroup : "primary";
        const wg = workGroups.get(workGroup);
        if (!wg) throw invalid(`WorkGroup ${workGroup} is not found.`);
        const wgConfig = (wg.Configuration ?? {}) as Json;
        const wgOutput = (wgConfig.ResultConfiguration as Json | undefined)?.OutputLocation;
        const reqOutput = (input.ResultConfiguration as Json | undefined)?.OutputLocation;
        const outputLocation = (
          wgConfig.EnforceWorkGroupConfiguration ? wgOutput : (reqOutput ?? wgOutput)
        ) as string | undefined;
        if (!outputLocation) {
          throw invalid(
            "No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.",
          );
        }
        const context = (input.QueryExecutionContext ?? {}) as Json;
        const database = typeof context.Database === "string" ? context.Database : "default";
        const parameters = Array.isArray(input.ExecutionParameters)
          ? (input.ExecutionParameters as string[])
          : [];
        const bound = bindParameters(query, parameters);
        const ddl = CREATE_VIEW.exec(bound);
        // A CREATE VIEW's SELECT is parsed as a query (DuckDB serializes only SELECTs).
        const body = ddl ? bound.slice(ddl[0].length) : bound;
        // Athena refuses a query it cannot parse at once, with Trino's line:column.
        const parsed = JSON.parse(
          String(
            (
              await parser.runAndReadAll("SELECT json_serialize_sql($1::VARCHAR)", [body])
            ).getRowsJson()[0]?.[0],
          ),
        ) as Json;
        if (parsed.error === true && parsed.error_type === "parser") {
          const offset = Number(parsed.position ?? 0) + (ddl ? ddl[0].length : 0);
          const before = bound.slice(0, offset);
          const line = before.split("\n").length;
          const column = offset - before.lastIndexOf("\n");
          throw invalid(`line ${line}:${column}: ${String(parsed.error_message)}`, "MALFORMED_QUERY");
        }
        const statements = (await parser.extractStatements(bound).catch(() => undefined))?.count ?? 1;
        if (statements !== 1) throw invalid(`Only one sql statement is allowed. Got: ${statements}`);
        const parts = ddl ? nameParts(ddl[2]!) : [];
        const view = ddl
          ? {
              database: parts.length >= 2 ? parts.at(-2)! : database.toLowerCase(),
              name: parts.at(-1)!,
              sql: body,
              replace: ddl[1] !== undefined,
            }
          : undefined;
        const id = randomUUID();
        if (token) byToken.set(token, id);
        const e: Execution = {
          id,
          query: bound,
          parameters,
          database,
          workGroup,
          outputLocation,
          state: "QUEUED",
          submitted: Date.now(),
          scannedBytes: 0,
          polls: 0,
          stopRequested: false,
          statementType: view ? "DDL" : "DML",
          ...(view ? { view } : {}),
        };
        executions.set(id, e);
        if ((opts.queuedPolls ?? 0) === 0) schedule(e);
        return { QueryExecutionId: id };
      }
      case "GetQueryExecution": {
        const e = executions.get(String(input.QueryExecutionId));
        if (!e) throw invalid(`QueryExecution ${String(input.QueryExecutionId)} was not found`);
        e.polls += 1;
        if (e.state === "QUEUED" && e.polls >= (opts.queuedPolls ?? 0) && !e.stopRequested) schedule(e);
        const end = e.completed ?? Date.now();
        return {
          QueryExecution: {
            QueryExecutionId: e.id,
            Query: e.query,
            StatementType: e.statementType,
            ResultConfiguration: { OutputLocation: outputKey(e.outputLocation, e.id).uri },
            QueryExecutionContext: { Database: e.database, Catalog: "awsdatacatalog" },
            Status: {
              State: e.state,
              ...(e.reason ? { StateChangeReason: e.reason } : {}),
              SubmissionDateTime: e.submitted / 1000,
              ...(e.completed ? { CompletionDateTime: e.completed / 1000 } : {}),
              ...(e.error ? { AthenaError: e.error } : {}),
            },
            Statistics: {
              EngineExecutionTimeInMillis: end - e.submitted,
              TotalExecutionTimeInMillis: end - e.submitted,
              QueryQueueTimeInMillis: 0,
              DataScannedInBytes: e.scannedBytes,
            },
            WorkGroup: e.workGroup,
            EngineVersion: {
              SelectedEngineVersion: "AUTO",
              EffectiveEngineVersion: "Athena engine version 3",
            },
          },
        };
      }
      case "StopQueryExecution": {
        const e = executions.get(String(input.QueryExecutionId));
        if (!e) throw invalid(`QueryExecution ${String(input.QueryExecutionId)} was not found`);
        if (e.state === "QUEUED" || e.state === "RUNNING") {
          e.stopRequested = true;
          e.planned?.interrupt();
          finish(e, "CANCELLED", "Query cancelled by user");
        }
        return {};
      }
      case "GetQueryResults": {
        const e = executions.get(String(input.QueryExecutionId));
        if (!e) throw invalid(`QueryExecution ${String(input.QueryExecutionId)} was not found`);
        if (e.state !== "SUCCEEDED" || !e.result) {
          throw invalid(
            e.state === "QUEUED" || e.state === "RUNNING"
              ? `Query has not yet finished. Current state: ${e.state}`
              : `Query did not finish successfully. Final query state: ${e.state}`,
          );
        }
        const max = input.MaxResults === undefined ? MAX_PAGE : Number(input.MaxResults);
        if (!Number.isInteger(max) || max < 1 || max > MAX_PAGE) {
          throw invalid(
            "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000",
          );
        }
        const start =
          typeof input.NextToken === "string"
            ? Number(Buffer.from(input.NextToken, "base64url").toString())
            : 0;
        // The header row (column labels) comes first, as Athena returns it for a SELECT.
        const all = [e.result.columns.map((c) => c.Label), ...e.result.rows];
        const rows = all.slice(start, start + max);
        const next = start + rows.length;
        return {
          UpdateCount: 0,
          ResultSet: {
            Rows: rows.map((r) => ({ Data: r.map((v) => (v === undefined ? {} : { VarCharValue: v })) })),
            ResultSetMetadata: { ColumnInfo: e.result.columns },
          },
          ...(next < all.length ? { NextToken: Buffer.from(String(next)).toString("base64url") } : {}),
        };
      }
      case "CreateWorkGroup":
      case "UpdateWorkGroup": {
        const name = String(operation === "CreateWorkGroup" ? input.Name : input.WorkGroup);
        const existing = workGroups.get(name);
        if (operation === "CreateWorkGroup" && existing) throw invalid("WorkGroup is already created");
        if (operation === "UpdateWorkGroup" && !existing) throw invalid(`WorkGroup ${name} is not found.`);
        const given = ((operation === "CreateWorkGroup" ? input.Configuration : input.ConfigurationUpdates) ??
          {}) as Json;
        const cutoff = given.BytesScannedCutoffPerQuery;
        if (typeof cutoff === "number" && cutoff < MIN_CUTOFF) {
          throw invalid(
            `1 validation error detected: Value '${cutoff}' at 'bytesScannedCutoffPerQuery' failed to satisfy constraint: Member must have value greater than or equal to ${MIN_CUTOFF}`,
          );
        }
        const configuration = { ...((existing?.Configuration as Json | undefined) ?? {}), ...given };
        workGroups.set(name, {
          Name: name,
          State: "ENABLED",
          Configuration: configuration,
          Description: input.Description ?? "",
        });
        return {};
      }
      case "GetWorkGroup": {
        const wg = workGroups.get(String(input.WorkGroup));
        if (!wg) throw invalid(`WorkGroup ${String(input.WorkGroup)} is not found.`);
        return { WorkGroup: wg };
      }
      default:
        throw new AwsJsonError(
          "UnknownOperationException",
          `AmazonAthena.${operation} is not served by this endpoint`,
        );
    }
  };

  const respond = (res: ServerResponse, status: number, body: Json) => {
    res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const target = String(req.headers["x-amz-target"] ?? "");
        let input: Json;
        try {
          input = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Json) : {};
        } catch {
          return respond(res, 400, { __type: "SerializationException", message: "body is not JSON" });
        }
        calls.push({ target, input, at: Date.now() });
        const [service, operation = ""] = target.split(".");
        try {
          if (service === "AmazonAthena") respond(res, 200, await athena(operation, input));
          else if (service === "AWSGlue") respond(res, 200, glue.handle(operation, input));
          else
            respond(res, 400, { __type: "UnknownOperationException", message: `unknown target ${target}` });
        } catch (err) {
          if (err instanceof AwsJsonError) {
            res.setHeader("x-amzn-errortype", err.type);
            return respond(res, 400, { __type: err.type, Message: err.message, ...err.extra });
          }
          respond(res, 500, { __type: "InternalServerException", Message: errorMessage(err) });
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    callsTo: (operation) => calls.filter((c) => c.target.endsWith(`.${operation}`)),
    glue,
    executions,
    workGroups,
    async stop() {
      for (const e of executions.values()) {
        e.stopRequested = true;
        e.planned?.interrupt();
      }
      await Promise.allSettled([...running]);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      parser.closeSync();
      parserInstance.closeSync();
      s3.destroy();
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
}
