// A finished Athena query's result: its rows read page by page (GetQueryResults with NextToken) up
// to a row and byte limit, or its whole CSV (what Athena wrote to the output location) streamed to a
// scratch file, counted and handed on without being held in memory.
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  type AthenaClient,
  type ColumnInfo,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
} from "@aws-sdk/client-athena";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { errorMessage, InletError } from "../errors";
import type { QueryColumn } from "../ports/query-engine";
import { apiFailure } from "./athena-errors";
import { athenaValue, portColumnType } from "./athena-types";

/** GetQueryResults returns at most this many rows a page. */
const PAGE_ROWS = 1000;

export interface ResultRows {
  columns: QueryColumn[];
  rows: Record<string, unknown>[];
  truncated: boolean;
}

/** Names made unique the way DuckDB's adapter does: a repeated `a` becomes `a:1`, `a:2`. */
function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((name) => {
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return n > 1 ? `${name}:${n - 1}` : name;
  });
}

/**
 * The result's rows, at most maxRows of them and about maxResultBytes as JSON. Athena computes the
 * whole result before the first page is read; only what is fetched and converted here is bounded.
 * A SELECT's first row on the first page is its header (the column labels), which is skipped.
 */
export async function readResultRows(
  athena: AthenaClient,
  queryExecutionId: string,
  limits: { maxRows: number; maxResultBytes: number },
): Promise<ResultRows> {
  const { maxRows, maxResultBytes } = limits;
  let info: ColumnInfo[] | undefined;
  let names: string[] = [];
  const rows: Record<string, unknown>[] = [];
  let bytes = 0;
  let token: string | undefined;
  let first = true;
  let more = false;
  do {
    // One row past maxRows (and the header on the first page) tells whether there is more.
    const wanted = maxRows + 1 - rows.length + (first ? 1 : 0);
    let page: GetQueryResultsCommandOutput;
    try {
      page = await athena.send(
        new GetQueryResultsCommand({
          QueryExecutionId: queryExecutionId,
          NextToken: token,
          MaxResults: Math.min(PAGE_ROWS, Math.max(wanted, 1)),
        }),
      );
    } catch (err) {
      throw apiFailure(err, "GetQueryResults");
    }
    let data = page.ResultSet?.Rows ?? [];
    if (first) {
      info = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      names = uniqueNames(info.map((c) => c.Name ?? c.Label ?? ""));
      const labels = info.map((c) => c.Label ?? c.Name ?? "");
      const head = data[0]?.Data?.map((d) => d.VarCharValue ?? "");
      if (head && head.length === labels.length && head.every((v, i) => v === labels[i]))
        data = data.slice(1);
      first = false;
    }
    for (const row of data) {
      if (rows.length >= maxRows) {
        more = true;
        break;
      }
      const record = Object.fromEntries(
        names.map((name, i) => [
          name,
          athenaValue(row.Data?.[i]?.VarCharValue, {
            type: info?.[i]?.Type ?? "varchar",
            precision: info?.[i]?.Precision,
            scale: info?.[i]?.Scale,
          }),
        ]),
      );
      bytes += JSON.stringify(record).length;
      if (bytes > maxResultBytes && rows.length > 0) {
        more = true;
        break;
      }
      rows.push(record);
    }
    token = page.NextToken;
  } while (token && !more);
  return {
    columns: names.map((name, i) => ({
      name,
      type: portColumnType({
        type: info?.[i]?.Type ?? "varchar",
        precision: info?.[i]?.Precision,
        scale: info?.[i]?.Scale,
      }),
    })),
    rows,
    truncated: more || (rows.length >= maxRows && token !== undefined),
  };
}

/** Counts CSV records (newlines outside double quotes) as the bytes go by. */
class CsvRecordCounter extends Transform {
  records = 0;
  private quoted = false;
  private pending = false;

  override _transform(
    chunk: Buffer,
    _enc: BufferEncoding,
    done: (err?: Error | null, data?: Buffer) => void,
  ): void {
    for (const byte of chunk) {
      if (byte === 0x22) this.quoted = !this.quoted;
      else if (byte === 0x0a && !this.quoted) {
        this.records += 1;
        this.pending = false;
        continue;
      }
      if (byte !== 0x0d) this.pending = true;
    }
    done(null, chunk);
  }

  override _flush(done: () => void): void {
    if (this.pending) this.records += 1;
    done();
  }
}

function parseS3Location(location: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
  if (!m)
    throw new InletError("INTERNAL", `Athena reported a result location that is not an S3 URI: ${location}`);
  return { bucket: m[1]!, key: m[2]! };
}

/**
 * The CSV Athena wrote for the query (header line, every value quoted, NULL empty), copied to a
 * scratch folder while its records are counted; the returned stream removes the folder when it closes.
 */
export async function downloadResultCsv(
  s3: S3Client,
  location: string,
  scratchDir: string | undefined,
): Promise<{ rows: number; body: Readable }> {
  const { bucket, key } = parseS3Location(location);
  const dir = await mkdtemp(join(scratchDir ?? tmpdir(), "inlet-athena-csv-"));
  const file = join(dir, "result.csv");
  try {
    let body: unknown;
    try {
      body = (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body;
    } catch (err) {
      throw new InletError("UNAVAILABLE", `cannot read Athena's result ${location}: ${errorMessage(err)}`);
    }
    if (!(body instanceof Readable))
      throw new InletError("INTERNAL", `Athena's result ${location} has no body`);
    const counter = new CsvRecordCounter();
    await pipeline(body, counter, createWriteStream(file));
    const stream = createReadStream(file, { highWaterMark: 256 * 1024 });
    stream.once("close", () => void rm(dir, { recursive: true, force: true }));
    return { rows: Math.max(0, counter.records - 1), body: stream };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
