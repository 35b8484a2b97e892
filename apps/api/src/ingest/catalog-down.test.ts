// The ingest API with its catalog's PostgreSQL out of reach (down, or restarting): a 503 with
// Retry-After that says nothing was accepted, never a 500.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDb, freePort } from "@inlet/db";
import { LocalFsObjectStore, PgCatalog, PgQueue } from "@inlet/lake-core";
import Fastify from "fastify";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable } from "./database-unavailable";
import { type IngestErrorBody, registerIngestRoutes } from "./routes";

describe("ingest with the catalog out of reach", () => {
  it("answers 503 UNAVAILABLE with Retry-After", async () => {
    const dir = await mkdtemp(join(tmpdir(), "inlet-catalog-down-"));
    // Nothing listens on a port just found free: as a server that is down or restarting.
    const db = createDb(`postgresql://inlet:x@127.0.0.1:${await freePort()}/inlet`);
    const queue = new PgQueue({ pool: db.pool });
    const app = Fastify({ logger: false });
    try {
      await registerIngestRoutes(app, {
        db,
        catalog: new PgCatalog(db),
        store: new LocalFsObjectStore(join(dir, "lake")),
        queue,
        logger: pino({ level: "silent" }),
      });
      await app.ready();
      const res = await app.inject({
        method: "POST",
        url: "/v1/sources/orders/events",
        headers: { authorization: "Bearer inlet_abc_def", "content-type": "application/x-ndjson" },
        payload: '{"id":"a","amount":1}\n',
      });
      expect(res.statusCode).toBe(503);
      expect(res.headers["retry-after"]).toBe("5");
      expect((res.json() as IngestErrorBody).error.code).toBe("UNAVAILABLE");
    } finally {
      await app.close();
      await queue.close().catch(() => undefined);
      await db.close().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("tells a database out of reach from other errors", async () => {
    const db = createDb(`postgresql://inlet:x@127.0.0.1:${await freePort()}/inlet`);
    try {
      const viaPrisma = await db.prisma.source.findFirst().catch((e: unknown) => e);
      const viaPool = await db.pool.query("SELECT 1").catch((e: unknown) => e);
      expect(isDatabaseUnavailable(viaPrisma)).toBe(true);
      expect(isDatabaseUnavailable(viaPool)).toBe(true);
      expect(isDatabaseUnavailable(new Error("boom", { cause: viaPool }))).toBe(true);
      expect(isDatabaseUnavailable(new Error('column "x" does not exist'))).toBe(false);
      expect(isDatabaseUnavailable(Object.assign(new Error("dup"), { code: "23505" }))).toBe(false);
    } finally {
      await db.close().catch(() => undefined);
    }
  });
});
