// The public ingest HTTP API, POST /v1/sources/:slug/events: authenticate the source's API key, ask
// admission control, check the body and judge its events against the source's active schema (one
// parse of each line), write the raw batch, record it with the dead letters of the events that failed,
// enqueue it — and only then answer 202 with how many events were accepted and dead-lettered. Rejected
// bodies that were read are kept in dead_letters, so nothing sent is silently lost.

import { Socket } from "node:net";
import type { Db } from "@inlet/db";
import {
  type AcceptJudge,
  acceptBatch,
  type Catalog,
  classifyIngestRequest,
  DEFAULT_INGEST_LIMITS,
  deadLetterPayload,
  decodeIngestBody,
  formatCount,
  INGEST_LIMIT_ENV,
  type IngestLimits,
  type IngestRejection,
  isInletError,
  newBatchId,
  type ObjectStore,
  type Queue,
} from "@inlet/lake-core";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import type { Config } from "../config";
import type { SourceChanges } from "../source-changes";
import { ActiveSchemas } from "./active-schemas";
import type { Admission } from "./admission-control";
import { IngestAuthenticator, type IngestSource } from "./api-key-auth";
import { isDatabaseUnavailable } from "./database-unavailable";
import { ingestMetrics } from "./ingest-metrics";

/** A refused body is read and thrown away up to this many bytes, or this long, before the connection is cut. */
const DRAIN_MAX_BYTES = 64 * 1024 * 1024;
const DRAIN_MAX_MS = 30_000;

/**
 * Lingering close for a body refused as too large: clients that write the whole body before reading
 * (Python's http.client and urllib, many SDKs) would otherwise get a broken pipe instead of the 413
 * that tells them to split the batch. What is still coming is read and discarded, within bounds,
 * before the answer goes out; resolves when the body has ended or the connection was cut.
 */
function drainRefusedBody(req: FastifyRequest): Promise<void> {
  const raw = req.raw;
  const socket = raw.socket;
  raw.resume();
  if (!(socket instanceof Socket) || raw.complete) return Promise.resolve();
  const fromByte = socket.bytesRead;
  const since = Date.now();
  return new Promise((resolveDrained) => {
    const done = () => {
      clearInterval(guard);
      resolveDrained();
    };
    const guard = setInterval(() => {
      if (raw.complete || socket.destroyed) {
        done();
      } else if (socket.bytesRead - fromByte > DRAIN_MAX_BYTES || Date.now() - since > DRAIN_MAX_MS) {
        socket.destroy();
        done();
      }
    }, 200);
    guard.unref();
    raw.once("end", done);
    raw.once("close", done);
  });
}

export const INGEST_ROUTE = "/v1/sources/:slug/events";

export interface IngestRouteDeps {
  db: Db;
  catalog: Catalog;
  store: ObjectStore;
  queue: Queue;
  logger: Logger;
  /** Overrides; otherwise taken from `config`, else DEFAULT_INGEST_LIMITS. */
  limits?: Partial<IngestLimits>;
  config?: Pick<
    Config,
    | "INLET_INGEST_MAX_BODY_BYTES"
    | "INLET_INGEST_MAX_EVENT_BYTES"
    | "INLET_INGEST_MAX_EVENTS"
    | "INLET_INGEST_IDLE_TIMEOUT_MS"
  >;
  now?: () => Date;
  /** When given, a change to a source or its keys empties the key cache at once. */
  sourceChanges?: SourceChanges;
  /** How long API key lookups are cached, in ms (at most 5,000, the default). */
  authCacheTtlMs?: number;
  /** When given, a request a backlog or disk bound refuses is answered 429 or 503 before its body is read. */
  admission?: Admission;
}

export interface IngestErrorBody {
  error: {
    code: string;
    message: string;
    field?: string;
    line?: number;
    index?: number;
    deadLetterId?: string;
    requestId: string;
  };
}

function resolveLimits(deps: IngestRouteDeps): IngestLimits {
  const c = deps.config;
  return {
    maxBodyBytes:
      deps.limits?.maxBodyBytes ?? c?.INLET_INGEST_MAX_BODY_BYTES ?? DEFAULT_INGEST_LIMITS.maxBodyBytes,
    maxEventBytes:
      deps.limits?.maxEventBytes ?? c?.INLET_INGEST_MAX_EVENT_BYTES ?? DEFAULT_INGEST_LIMITS.maxEventBytes,
    maxEventsPerBatch:
      deps.limits?.maxEventsPerBatch ?? c?.INLET_INGEST_MAX_EVENTS ?? DEFAULT_INGEST_LIMITS.maxEventsPerBatch,
  };
}

/** A JSON pointer into the body for a dead letter, when the problem is one attribute of one event. */
function problemPath(r: IngestRejection): string | undefined {
  if (!r.field || r.field.startsWith("ce-")) return undefined;
  return r.index === undefined ? `/${r.field}` : `/${r.index}/${r.field}`;
}

interface RequestState {
  source?: IngestSource;
  /** Stops the timer that disconnects a producer whose body stops arriving. */
  stopIdleTimer?: (resetTimeout: boolean) => void;
  /** Error code of the response, for the requests counter. */
  code?: string;
}

/**
 * Registers the ingest route in its own encapsulated scope (raw body parsing, error shape), so the
 * rest of the app keeps its JSON parser and error handler.
 */
export async function registerIngestRoutes(app: FastifyInstance, deps: IngestRouteDeps): Promise<void> {
  const limits = resolveLimits(deps);
  const idleTimeoutMs = deps.config?.INLET_INGEST_IDLE_TIMEOUT_MS ?? 60_000;
  const now = deps.now ?? (() => new Date());
  const auth = new IngestAuthenticator(deps.db, deps.catalog, deps.logger, {
    ...(deps.authCacheTtlMs === undefined ? {} : { cacheTtlMs: deps.authCacheTtlMs }),
  });
  const schemas = new ActiveSchemas(deps.catalog);
  const unsubscribe = deps.sourceChanges?.onChange((sourceId) => {
    auth.forgetAll();
    schemas.forget(sourceId);
  });
  if (unsubscribe) app.addHook("onClose", async () => void unsubscribe());
  const states = new WeakMap<FastifyRequest, RequestState>();
  const stateOf = (req: FastifyRequest): RequestState => {
    let s = states.get(req);
    if (!s) {
      s = {};
      states.set(req, s);
    }
    return s;
  };

  const sendError = (
    req: FastifyRequest,
    reply: FastifyReply,
    status: number,
    error: Omit<IngestErrorBody["error"], "requestId">,
  ): FastifyReply => {
    stateOf(req).code = error.code;
    const body: IngestErrorBody = { error: { ...error, requestId: String(req.id) } };
    return reply.code(status).type("application/json; charset=utf-8").send(body);
  };

  await app.register(async (scope) => {
    // Bodies arrive as raw bytes whatever their type: decoding and checking is decodeIngestBody's job.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      "*",
      { parseAs: "buffer", bodyLimit: limits.maxBodyBytes },
      (_req, body, done) => done(null, body),
    );

    scope.addHook("onResponse", async (req, reply) => {
      // Refused before its body was read (413, 415): the listener goes, the socket's timeout is
      // Node's own again (its keep-alive timeout) once the response is out.
      states.get(req)?.stopIdleTimer?.(false);
      const code = reply.statusCode === 202 ? "ACCEPTED" : (states.get(req)?.code ?? "UNKNOWN");
      ingestMetrics.requests.inc({ status: String(reply.statusCode), code });
    });

    scope.setErrorHandler(async (err, req, reply) => {
      const e = err as { statusCode?: unknown; code?: unknown; message?: unknown };
      if (e.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
        const length = Number(req.headers["content-length"]);
        const limit = `${formatCount(limits.maxBodyBytes)} bytes (${INGEST_LIMIT_ENV.maxBodyBytes})`;
        const size =
          Number.isFinite(length) && length > limits.maxBodyBytes
            ? `The request body is ${formatCount(length)} bytes; the limit is ${limit}`
            : `The request body is larger than the limit of ${limit}`;
        await drainRefusedBody(req);
        return sendError(req, reply.removeHeader("connection"), 413, {
          code: "BODY_TOO_LARGE",
          message: `${size}. It was not read or stored: split the batch into smaller requests and send them again`,
        });
      }
      const status = typeof e.statusCode === "number" ? e.statusCode : 500;
      if (status >= 400 && status < 500) {
        return sendError(req, reply, status, {
          // Fastify's own codes (FST_ERR_…) are not part of the API's vocabulary.
          code: typeof e.code === "string" && !e.code.startsWith("FST_") ? e.code : "BAD_REQUEST",
          message: String(e.message),
        });
      }
      // The catalog down or restarting (an API key, schema or backlog read): nothing was taken.
      if (isDatabaseUnavailable(err)) return unavailable(req, reply, "the catalog", err);
      req.log.error({ err }, "ingest request failed");
      return sendError(req, reply, 500, {
        code: "INTERNAL",
        message: `Internal error: the batch was not accepted; send it again (events are deduplicated by id). Quote request id ${req.id}`,
      });
    });

    // Any other method on the route: 405 naming the one it takes (HEAD follows GET).
    scope.route({
      method: ["GET", "PUT", "PATCH", "DELETE", "OPTIONS"],
      url: INGEST_ROUTE,
      handler: (req, reply) =>
        sendError(req, reply.header("allow", "POST"), 405, {
          code: "METHOD_NOT_ALLOWED",
          message: `${req.method} is not allowed here: send events with POST`,
        }),
    });

    scope.post<{ Params: { slug: string } }>(
      INGEST_ROUTE,
      {
        bodyLimit: limits.maxBodyBytes,
        // Authentication happens before the body is read: a refused client does not get to upload it.
        onRequest: async (req, reply) => {
          const result = await auth.authenticate(req.params.slug, req.headers.authorization);
          if (!result.ok)
            return sendError(req, reply, result.status, { code: result.code, message: result.message });
          stateOf(req).source = result.source;
          // A producer whose body stops arriving is disconnected rather than holding its connection
          // and partial body for ever; the timer is cleared once the body is in (preHandler).
          const socket = req.raw.socket;
          // Injected requests (tests) have no real socket.
          if (socket instanceof Socket) {
            const onIdle = () => {
              req.log.warn(
                { source: result.source.slug, idleTimeoutMs },
                "ingest body stalled; connection closed",
              );
              ingestMetrics.requests.inc({ status: "408", code: "BODY_TIMEOUT" });
              socket.destroy();
            };
            stateOf(req).stopIdleTimer = (resetTimeout: boolean) => {
              socket.removeListener("timeout", onIdle);
              if (resetTimeout) socket.setTimeout(0);
            };
            socket.setTimeout(idleTimeoutMs);
            socket.once("timeout", onIdle);
          }
          const classified = classifyIngestRequest(
            req.headers["content-type"],
            req.headers["content-encoding"],
            req.headers,
          );
          if (!classified.ok) {
            return sendError(req, reply, classified.status, {
              code: classified.code,
              message: classified.message,
            });
          }
          const refusal = await deps.admission?.admit(result.source);
          if (refusal) {
            return sendError(
              req,
              reply.header("retry-after", String(refusal.retryAfterSeconds)),
              refusal.status,
              {
                code: refusal.code,
                message: refusal.message,
              },
            );
          }
          return undefined;
        },
      },
      async (req, reply) => {
        stateOf(req).stopIdleTimer?.(true);
        ingestMetrics.inFlight.inc();
        try {
          return await acceptRequest(req, reply);
        } finally {
          ingestMetrics.inFlight.dec();
        }
      },
    );
  });

  /** A part the batch must reach is down: 503 with Retry-After, so producers back off and send it again. */
  function unavailable(req: FastifyRequest, reply: FastifyReply, part: string, err: unknown): FastifyReply {
    req.log.error({ err }, `ingest: ${part} did not take the batch`);
    return sendError(req, reply.header("retry-after", "5"), 503, {
      code: "UNAVAILABLE",
      message: `${part.charAt(0).toUpperCase()}${part.slice(1)} did not take the batch, so nothing was accepted: send it again in a few seconds (events are deduplicated by id). Quote request id ${req.id}`,
    });
  }

  /**
   * The lake's disk had no room for the batch (admission's free-space bound is off, or was overtaken
   * within its second): nothing was kept, as when the bound refuses, and the same code is answered.
   */
  function diskFull(req: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
    req.log.warn({ err }, "ingest: the lake's disk is full; the batch was not stored");
    return sendError(req, reply.header("retry-after", "10"), 503, {
      code: "DISK_SPACE_LOW",
      message: `The lake's disk is full, so the batch was not stored and nothing was accepted: send it again in a few seconds (events are deduplicated by id). Quote request id ${req.id}`,
    });
  }

  async function acceptRequest(req: FastifyRequest<{ Params: { slug: string } }>, reply: FastifyReply) {
    const source = stateOf(req).source;
    if (!source) throw new Error("ingest route reached without an authenticated source");
    const wire = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const receivedAt = now();
    // The batch's id is chosen first: an event without an id is judged (and dead-lettered) under it.
    const batchId = newBatchId(receivedAt);
    const judge = await activeSchemaJudge(req, source, batchId, receivedAt);
    const decoded = await decodeIngestBody(
      {
        contentType: req.headers["content-type"],
        contentEncoding: req.headers["content-encoding"],
        headers: req.headers,
        body: wire,
      },
      limits,
      judge,
    );

    if (!decoded.ok) {
      let deadLetterId: string | undefined;
      if (decoded.deadLetter) {
        const path = problemPath(decoded);
        [deadLetterId] = await deps.catalog.recordDeadLetters([
          {
            sourceId: source.id,
            batchId: undefined,
            eventId: undefined,
            reasonCode: decoded.code,
            reason: decoded.message,
            path,
            payload: deadLetterPayload(decoded.deadLetter),
            attempts: 1,
          },
        ]);
        ingestMetrics.deadLetters.inc({ reason: decoded.code });
      }
      req.log.info(
        { source: source.slug, code: decoded.code, deadLetterId, bytes: wire.length },
        "ingest batch rejected",
      );
      return sendError(req, reply, decoded.status, {
        code: decoded.code,
        message: decoded.message,
        ...(decoded.field === undefined ? {} : { field: decoded.field }),
        ...(decoded.line === undefined ? {} : { line: decoded.line }),
        ...(decoded.index === undefined ? {} : { index: decoded.index }),
        ...(deadLetterId === undefined ? {} : { deadLetterId }),
      });
    }

    const { format, bytesToStore, eventCount, judgement } = decoded;
    let deadLettered: number;
    try {
      ({ deadLettered } = await acceptBatch(
        { catalog: deps.catalog, store: deps.store, queue: deps.queue, logger: deps.logger },
        {
          source,
          body: bytesToStore,
          format,
          eventCount,
          receivedAt,
          origin: "http",
          batchId,
          newBatch: true,
          judgement,
        },
      ));
    } catch (err) {
      if (isInletError(err) && err.code === "NOT_FOUND") {
        return sendError(req, reply, 404, { code: "NOT_FOUND", message: err.message });
      }
      if (!isInletError(err) || err.code !== "UNAVAILABLE") throw err;
      if (isInletError(err.cause) && err.cause.details?.reason === "disk_full")
        return diskFull(req, reply, err);
      return unavailable(req, reply, String(err.details?.part ?? "a part of the lake"), err);
    }

    deps.admission?.noteAccepted(source.id, bytesToStore.length);
    const labels = { source: source.slug };
    ingestMetrics.batches.inc(labels);
    // Events dead-lettered against the schema here are counted as dead letters, not as accepted.
    ingestMetrics.events.inc(labels, eventCount - deadLettered);
    ingestMetrics.bytes.inc(labels, bytesToStore.length);
    ingestMetrics.wireBytes.inc(labels, wire.length);
    if (judgement) {
      for (const letter of judgement.deadLetters)
        ingestMetrics.deadLetters.inc({ reason: letter.reasonCode });
    }
    // accepted + deadLettered = the batch's events: both durable (stored, unless a duplicate, or kept
    // as dead letters), as Tinybird's Events API reports successful and quarantined rows.
    return reply.code(202).send({ accepted: eventCount - deadLettered, deadLettered, batchId });
  }

  /**
   * What the request's events are judged against: the source's active schema. When the catalog does
   * not answer, the batch is accepted unjudged and the worker judges its events, as it always could.
   */
  async function activeSchemaJudge(
    req: FastifyRequest,
    source: IngestSource,
    batchId: string,
    receivedAt: Date,
  ): Promise<AcceptJudge | undefined> {
    try {
      return { source: await schemas.get(source.id), batchId, receivedAt };
    } catch (err) {
      req.log.warn(
        { err, source: source.slug },
        "ingest: active schema not read; the worker judges the batch",
      );
      return undefined;
    }
  }
}
