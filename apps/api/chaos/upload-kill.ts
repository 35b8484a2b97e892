// The kill-during-upload scenario: a lake on s3rver, reached through a proxy that, at each fault,
// holds the next upload of a curated Parquet file half-way through its body, and the worker that is
// uploading it SIGKILLed meanwhile; the half-sent request is then cut at the server too. The S3 store
// uploads each file with one streamed PutObject (never a multipart upload: flush files are far below
// the 5 GB a PUT may carry), so this is the middle of an upload. No snapshot may name the file of the
// dead flush, the batches must all commit once their leases lapse, and the checker's invariants hold.
import { mkdtemp, readdir, readFile, readlink, rm } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { S3ObjectStore } from "@inlet/lake-core";
import { startS3rver } from "@inlet/lake-core/testing";
import { type ChaosEnvironment, downloadLakeFiles } from "./environments";
import type { ChaosRun, FaultFigure, Inspection } from "./run-chaos";

export type UploadKillScenario = "kill-during-upload";

const secs = (ms: number | undefined) => (ms === undefined ? "never" : `${(ms / 1000).toFixed(1)} s`);

/** An upload held half-way: its key, the bytes passed on and the whole, and its client's port. */
interface Held {
  key: string;
  sent: number;
  total: number;
  clientPort: number;
  /** Cuts the request at the server (as the dead client's connection would be). */
  cut(): void;
}

/**
 * A pass-through proxy to s3rver that, when armed, holds the next PUT of a curated object once half
 * its body has been passed on: the rest is never read, and `held` resolves.
 */
async function startHoldingProxy(target: string) {
  const url = new URL(target);
  let armed: ((h: Held) => void) | undefined;
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests += 1;
    const total = Number(req.headers["content-length"] ?? 0);
    const key = decodeURIComponent((req.url ?? "").split("?")[0] ?? "");
    const hold = armed && req.method === "PUT" && key.includes("/curated/") && total > 1 ? armed : undefined;
    if (hold) armed = undefined;
    const upstream = request(
      { host: url.hostname, port: url.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => req.socket.destroy());
    if (!hold) {
      req.pipe(upstream);
      return;
    }
    let sent = 0;
    let holding = false;
    req.on("data", (chunk: Buffer) => {
      if (holding) return;
      const room = Math.ceil(total / 2) - sent;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      upstream.write(part);
      sent += part.length;
      if (sent >= Math.ceil(total / 2)) {
        holding = true;
        req.pause();
        hold({
          key,
          sent,
          total,
          clientPort: req.socket.remotePort ?? 0,
          cut: () => upstream.destroy(),
        });
      }
    });
    req.socket.once("close", () => upstream.destroy());
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    /** The next curated PUT, held half-way. */
    hold(timeoutMs: number): Promise<Held | undefined> {
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          armed = undefined;
          resolve(undefined);
        }, timeoutMs);
        armed = (h) => {
          clearTimeout(timer);
          resolve(h);
        };
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The pid of the process of this run holding a TCP connection from 127.0.0.1:`port`, if any. */
async function pidOfClientPort(dataDir: string, port: number): Promise<number | undefined> {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of (await readFile(table, "utf8").catch(() => "")).split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[1]?.endsWith(`:${hex}`) && cols[9]) inodes.add(`socket:[${cols[9]}]`);
    }
  }
  for (const entry of await readdir("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const environ = await readFile(`/proc/${pid}/environ`, "utf8").catch(() => "");
    if (!environ.split("\0").includes(`INLET_DATA_DIR=${dataDir}`)) continue;
    for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
      const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
      if (inodes.has(link)) return pid;
    }
  }
  return undefined;
}

export async function killDuringUploadEnvironment(): Promise<ChaosEnvironment> {
  const s3 = await startS3rver();
  const proxy = await startHoldingProxy(s3.endpoint);
  const downloads = await mkdtemp(join(tmpdir(), "inlet-chaos-upload-"));
  const direct = new S3ObjectStore(
    s3.storeUrl("lake"),
    s3.storeOptions({ cacheDir: join(downloads, "cache") }),
  );
  const kills: { struckAt: number; pid: number; key: string; sent: number; total: number }[] = [];
  const missed: string[] = [];

  const download = (paths: string[]) => downloadLakeFiles(direct, join(downloads, "files"), paths);

  const inspect = async (r: ChaosRun): Promise<Inspection> => {
    const lines: string[] = [];
    const failures = missed.map((m) => `no fault: ${m}`);
    if (kills.length === 0) failures.push("no worker was killed during an upload");
    const { rows: named } = await r.db.query<{ path: string; current: boolean }>(
      `SELECT f.path, (f.added_seq <= t.current_seq AND (f.removed_seq IS NULL OR f.removed_seq > t.current_seq)) AS current
         FROM data_files f JOIN lake_tables t ON t.id = f.table_id WHERE t.name = 'curated.orders'`,
    );
    const namedPaths = new Set(named.map((f) => f.path));
    for (const [i, k] of kills.entries()) {
      const path = k.key.replace(/^\/[^/]+\/(lake\/)?/, "");
      const { rows } = await r.db.query<{ last: Date | null; waiting: string }>(
        `SELECT max(committed_at) AS last, count(*) FILTER (WHERE status <> 'committed') AS waiting
           FROM batches WHERE received_at <= $1`,
        [new Date(k.struckAt)],
      );
      const last = rows[0]?.last;
      const recovered = last ? Math.max(0, last.getTime() - k.struckAt) : undefined;
      const object = await direct.head(path).catch(() => undefined);
      lines.push(
        `kill #${i + 1} ${((k.struckAt - r.firstSend) / 1000).toFixed(1)} s into the run: worker pid ${k.pid} SIGKILLed with its PUT of ${path} held after ${k.sent.toLocaleString()} of ${k.total.toLocaleString()} bytes; that key after the run: ${object ? `an object of ${object.size.toLocaleString()} bytes` : "no object"}, ${namedPaths.has(path) ? "NAMED by a snapshot" : "named by no snapshot"}; batches received before the kill all committed ${secs(recovered)} after it`,
      );
      if (namedPaths.has(path) && object?.size !== undefined && object.size < k.total)
        failures.push(`a snapshot names ${path}, which holds ${object.size} of its ${k.total} bytes`);
      if (Number(rows[0]?.waiting ?? 0) > 0)
        failures.push(`${rows[0]?.waiting} batches received before kill #${i + 1} are not committed`);
    }
    // Curated objects no snapshot names (the dead flushes' uploads): never read by a query, which reads
    // a snapshot's files only. Their rows whose id is in curated would be duplicates if one did.
    const stray: string[] = [];
    for await (const o of direct.list("curated/orders/")) if (!namedPaths.has(o.key)) stray.push(o.key);
    let strayRows = 0;
    let strayInCurated = 0;
    let unreadable = 0;
    if (stray.length > 0) {
      const { local } = await download(stray);
      const current = await download(named.filter((f) => f.current).map((f) => f.path));
      const duck = await (await DuckDBInstance.create(":memory:")).connect();
      try {
        const list = (files: string[]) => files.map((f) => `'${f}'`).join(",");
        const readable: string[] = [];
        for (const f of local) {
          await duck.runAndReadAll(`SELECT count(*) FROM read_parquet('${f}')`).then(
            () => readable.push(f),
            () => {
              unreadable += 1;
            },
          );
        }
        if (readable.length > 0 && current.local.length > 0) {
          const reader = await duck.runAndReadAll(
            `WITH o AS (SELECT id FROM read_parquet([${list(readable)}], union_by_name = true)),
                  c AS (SELECT DISTINCT id FROM read_parquet([${list(current.local)}], union_by_name = true))
             SELECT (SELECT count(*) FROM o)::INTEGER, (SELECT count(*) FROM o WHERE id IN (SELECT id FROM c))::INTEGER`,
          );
          const [row] = reader.getRows();
          strayRows = Number(row?.[0] ?? 0);
          strayInCurated = Number(row?.[1] ?? 0);
        }
      } finally {
        duck.closeSync();
      }
    }
    lines.push(
      `curated objects in no snapshot: ${stray.length} (${unreadable} of them not readable Parquet; ${strayRows.toLocaleString()} rows, ${strayInCurated.toLocaleString()} of them ids that are in curated: invisible, queries read a snapshot's files only); S3 requests through the proxy ${proxy.requests.toLocaleString()}`,
    );
    return { lines, failures };
  };

  return {
    options: {
      env: {
        INLET_LAKE_URL: s3.storeUrl("lake"),
        INLET_S3_ENDPOINT: proxy.endpoint,
        INLET_S3_FORCE_PATH_STYLE: "true",
        INLET_S3_REGION: s3.region,
        // s3rver does not report server-side encryption, so the start check of it would fail.
        INLET_S3_SSE: "none",
        AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      },
      lakeFiles: download,
      hooks: {
        async fault(r): Promise<Omit<FaultFigure, "at">> {
          const held = await proxy.hold(60_000);
          if (!held) {
            missed.push("no upload of a curated file within 60 s");
            return { struckAt: Date.now(), what: "nothing (no upload of a curated file within 60 s)" };
          }
          const pid = await pidOfClientPort(r.dataDir, held.clientPort);
          if (pid === undefined) {
            held.cut();
            missed.push(`the process uploading ${held.key} was not found`);
            return { struckAt: Date.now(), what: "nothing (the uploading process was not found)" };
          }
          const struckAt = Date.now();
          process.kill(pid, "SIGKILL");
          held.cut();
          kills.push({ struckAt, pid, key: held.key, sent: held.sent, total: held.total });
          return {
            struckAt,
            what: `worker pid ${pid}, its PUT of ${held.key.split("/").pop()} held after ${held.sent.toLocaleString()} of ${held.total.toLocaleString()} bytes`,
          };
        },
        inspect,
      },
    },
    figures: () => [],
    async close() {
      await proxy.close();
      await s3.stop();
      await rm(downloads, { recursive: true, force: true });
    },
  };
}
