// The request body limits of the tRPC control plane: 1 MiB, except for procedures whose input is meant
// to be large (a sample to infer a schema from), which have their own. A body over its limit is refused
// from its Content-Length before it is read, or as soon as it grows past the limit, with a tRPC error
// (413) naming the input field and the limit, so the console shows it at that field.
import { Readable } from "node:stream";
import { DEFAULT_INGEST_LIMITS, InletError, MAX_SAMPLE_BYTES } from "@inlet/lake-core";
import { type AnyTRPCRouter, getTRPCErrorShape, TRPCError, transformTRPCResponse } from "@trpc/server";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from "fastify";

export const TRPC_BODY_LIMIT = 1024 * 1024;

const MB = 1024 * 1024;

function formatBytes(bytes: number): string {
  const mb = bytes / MB;
  return `${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB (${bytes.toLocaleString("en-US")} bytes)`;
}

interface LargeInput {
  /** Bytes of the whole request body. */
  bodyLimit: number;
  /** The input field that makes the body large, named in the refusal. */
  field: string;
  refusal(bodyBytes: number | undefined): string;
}

/** An edited dead letter's payload: an event of up to the ingest limit, escaped as a JSON string. */
const EDITED_PAYLOAD: LargeInput = {
  bodyLimit: 2 * DEFAULT_INGEST_LIMITS.maxEventBytes + MB,
  field: "payload",
  refusal: (bytes) =>
    `payload is over the limit of ${formatBytes(DEFAULT_INGEST_LIMITS.maxEventBytes)} for an event${
      bytes === undefined ? "" : `: the request is ${formatBytes(bytes)}`
    }`,
};

export const LARGE_INPUTS: Readonly<Record<string, LargeInput>> = {
  "replays.checkEdit": EDITED_PAYLOAD,
  "replays.saveEdit": EDITED_PAYLOAD,
  "replays.replayLetter": EDITED_PAYLOAD,
  "sources.inferSchema": {
    // The sample travels as a JSON string: room for escaping to double it, and for the envelope.
    bodyLimit: 2 * MAX_SAMPLE_BYTES + MB,
    field: "sample",
    refusal: (bytes) =>
      `sample is over the limit of ${formatBytes(MAX_SAMPLE_BYTES)}${
        bytes === undefined ? "" : `: the request is ${formatBytes(bytes)}`
      }; send the sample's first rows instead`,
  },
};

/** The procedures a tRPC request calls ("a.b" or, batched, "a.b,c.d"). */
function proceduresOf(req: FastifyRequest): string[] {
  const path = (req.params as { path?: unknown }).path;
  return typeof path === "string" ? path.split(",") : [];
}

function limitOf(procedures: readonly string[]): number {
  return Math.max(TRPC_BODY_LIMIT, ...procedures.map((p) => LARGE_INPUTS[p]?.bodyLimit ?? 0));
}

class BodyTooLarge extends Error {
  readonly statusCode = 413;
  readonly code = "PAYLOAD_TOO_LARGE";

  constructor(
    readonly procedures: readonly string[],
    readonly bodyBytes: number | undefined,
  ) {
    super("request body too large");
  }
}

function contentLength(req: FastifyRequest): number | undefined {
  const length = Number(req.headers["content-length"]);
  return Number.isFinite(length) ? length : undefined;
}

/** The refusal as tRPC writes errors (one per call of a batch), shaped by the router's error formatter. */
function refusalBody(router: AnyTRPCRouter, req: FastifyRequest, refused: BodyTooLarge): unknown {
  const config = router._def._config;
  const limit = limitOf(refused.procedures);
  const large = refused.procedures.map((p) => LARGE_INPUTS[p]).find((l) => l !== undefined);
  const size = refused.bodyBytes === undefined ? "" : ` ${refused.bodyBytes.toLocaleString("en-US")} bytes,`;
  const message =
    large?.refusal(refused.bodyBytes) ?? `The request body is${size} over the limit of ${formatBytes(limit)}`;
  const items = refused.procedures.map((path) => {
    // The field is named on the call whose input it is.
    const field = LARGE_INPUTS[path]?.field;
    const cause = new InletError("PAYLOAD_TOO_LARGE", message, { limit, ...(field ? { field } : {}) });
    const error = new TRPCError({ code: "PAYLOAD_TOO_LARGE", message, cause });
    return {
      error: getTRPCErrorShape({ config, error, type: "unknown", path, input: undefined, ctx: undefined }),
    };
  });
  const batched = (req.query as { batch?: unknown }).batch === "1";
  return transformTRPCResponse(config, batched ? items : items[0]!);
}

/**
 * The request body, failing once more than `limit` bytes arrived. It starts reading only when the body
 * parser reads (so the failure reaches the parser's listeners), and never destroys the request: the
 * refusal can still be answered on its connection, and Node discards what is left of the body.
 */
class LimitedBody extends Readable {
  private seen = 0;
  private started = false;

  constructor(
    private readonly source: NodeJS.ReadableStream,
    private readonly limit: number,
    private readonly refuse: () => Error,
  ) {
    super();
  }

  override _read(): void {
    if (this.started) {
      this.source.resume();
      return;
    }
    this.started = true;
    const onData = (chunk: Buffer) => {
      this.seen += chunk.length;
      if (this.seen > this.limit) {
        this.source.removeListener("data", onData);
        this.destroy(this.refuse());
      } else if (!this.push(chunk)) {
        this.source.pause();
      }
    };
    this.source.on("data", onData);
    this.source.once("end", () => this.push(null));
    this.source.once("error", (err: Error) => this.destroy(err));
  }
}

function asArray<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/**
 * Gives the tRPC route (`${prefix}/:path`, registered after this) the largest body limit any procedure
 * needs, and holds every other procedure to TRPC_BODY_LIMIT.
 */
export function registerTrpcBodyLimits(
  app: FastifyInstance,
  opts: { prefix: string; router: AnyTRPCRouter },
) {
  const routeLimit = limitOf(Object.keys(LARGE_INPUTS));
  app.addHook("onRoute", (route: RouteOptions) => {
    if (route.url !== `${opts.prefix}/:path`) return;
    route.bodyLimit = routeLimit;
    route.preParsing = [
      ...asArray(route.preParsing),
      async (req: FastifyRequest, _reply: FastifyReply, payload: NodeJS.ReadableStream) => {
        const procedures = proceduresOf(req);
        const limit = limitOf(procedures);
        const length = contentLength(req);
        if (length !== undefined && length > limit) throw new BodyTooLarge(procedures, length);
        // Fastify holds the body to the route's limit itself.
        if (limit >= routeLimit) return payload;
        return new LimitedBody(payload, limit, () => new BodyTooLarge(procedures, undefined));
      },
    ];
    const errorHandler = route.errorHandler;
    route.errorHandler = function handleBodyTooLarge(this: FastifyInstance, err: FastifyError, req, reply) {
      const refused =
        err instanceof BodyTooLarge
          ? err
          : err.code === "FST_ERR_CTP_BODY_TOO_LARGE"
            ? new BodyTooLarge(proceduresOf(req), contentLength(req))
            : undefined;
      if (!refused) {
        if (errorHandler) return errorHandler.call(this, err, req, reply);
        // The app's own handler answers everything else.
        throw err;
      }
      return reply
        .code(413)
        .type("application/json")
        .send(JSON.stringify(refusalBody(opts.router, req, refused)));
    };
  });
}
