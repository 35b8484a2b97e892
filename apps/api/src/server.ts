// Composition of the HTTP server: health, sign-in, the tRPC control plane, ingest and metrics.
import { randomUUID } from "node:crypto";
import type { Db } from "@inlet/db";
import type { ObjectStore, Queue } from "@inlet/lake-core";
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from "@trpc/server/adapters/fastify";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { z } from "zod";
import { LoginService } from "./auth/login";
import { isInternalCaller, upsertOidcUser } from "./auth/oidc";
import { SessionVerifier, sessionTokenFrom } from "./auth/session";
import type { ApiConfig } from "./config";
import { type AppRouter, appRouter } from "./router";
import { createServices, type Services } from "./services";
import type { Context } from "./trpc";

export interface Runtime {
  config: ApiConfig;
  db: Db;
  store: ObjectStore;
  queue: Queue;
  logger: Logger;
}

export interface ServerExtras {
  /** Registers routes that need the runtime (ingest API, metrics) on the app. */
  register?: (app: FastifyInstance, runtime: Runtime) => Promise<void> | void;
}

const loginBody = z.object({
  email: z.string().trim().min(1, "is required").max(320),
  password: z.string().min(1, "is required").max(1024),
});

function forwardedClient(forwardedFor: string | string[] | undefined): string | undefined {
  const header = Array.isArray(forwardedFor) ? forwardedFor[0] : forwardedFor;
  return header?.split(",")[0]?.trim() || undefined;
}

export async function buildServer(runtime: Runtime, extras: ServerExtras = {}) {
  const { config, db, logger } = runtime;
  const app: FastifyInstance = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    bodyLimit: 1024 * 1024,
    routerOptions: { maxParamLength: 200 },
  });
  app.addHook("onSend", async (req, reply) => {
    reply.header("x-request-id", req.id);
  });

  const services: Services = createServices({ db, queue: runtime.queue, publicApiUrl: config.publicApiUrl });
  const sessions = new SessionVerifier(db, config.NEXTAUTH_SECRET);
  const login = new LoginService(db, {
    maxFailures: config.INLET_LOGIN_MAX_FAILURES,
    windowSeconds: config.INLET_LOGIN_WINDOW_SECONDS,
  });

  app.setErrorHandler((err, req, reply) => {
    const e = err as { statusCode?: unknown; code?: unknown; message?: unknown };
    const status = typeof e.statusCode === "number" && e.statusCode >= 400 ? e.statusCode : 500;
    if (status >= 500) req.log.error({ err }, "request failed");
    const code = status >= 500 ? "INTERNAL" : typeof e.code === "string" ? e.code : "BAD_REQUEST";
    const message = status >= 500 ? `Internal error; quote request id ${req.id}` : String(e.message);
    void reply.status(status).send({ error: { code, message, requestId: req.id } });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({
      error: { code: "NOT_FOUND", message: `No route ${req.method} ${req.url}`, requestId: req.id },
    });
  });

  // Probes poll often; their request logs would drown everything else.
  app.get("/healthz", { logLevel: "warn" }, async () => ({ status: "ok" }));
  app.get("/readyz", { logLevel: "warn" }, async (_req, reply) => {
    const checks: Record<string, string> = {};
    await db.pool
      .query("SELECT 1")
      .then(() => {
        checks.database = "ok";
      })
      .catch((e: Error) => {
        checks.database = e.message;
      });
    await runtime.queue
      .stats("batches")
      .then(() => {
        checks.queue = "ok";
      })
      .catch((e: Error) => {
        checks.queue = e.message;
      });
    const ready = Object.values(checks).every((v) => v === "ok");
    return reply.status(ready ? 200 : 503).send({ status: ready ? "ready" : "not ready", checks });
  });

  app.post("/auth/login", async (req, reply) => {
    const parsed = loginBody.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return reply.status(400).send({
        error: {
          code: "BAD_REQUEST",
          message: `${issue.path.join(".") || "body"}: ${issue.message}`,
          field: issue.path.join("."),
        },
      });
    }
    // Only the console's server may say on whose behalf it signs in; anyone else is their own address.
    const trusted = isInternalCaller(req.headers.authorization, config.NEXTAUTH_SECRET);
    // When the console cannot tell (no proxy in front of it), throttle per account only, so that one
    // person's failures cannot lock every user of that console out.
    const ip = trusted ? forwardedClient(req.headers["x-forwarded-for"]) : req.ip;
    const result = await login.login(parsed.data.email, parsed.data.password, ip);
    if (result.ok) return result.user;
    if (result.code === "RATE_LIMITED") {
      void reply.header("retry-after", String(result.retryAfterSeconds));
      return reply.status(429).send({
        error: {
          code: "RATE_LIMITED",
          message: `Too many failed sign-in attempts; try again in ${result.retryAfterSeconds} s`,
          retryAfterSeconds: result.retryAfterSeconds,
        },
      });
    }
    return reply
      .status(401)
      .send({ error: { code: "INVALID_CREDENTIALS", message: "Email or password is incorrect" } });
  });

  // Sign-out: the console ends a session (its id, from the signOut event) as the internal caller;
  // anyone else signs out the session whose token they send as Bearer.
  const logoutBody = z.object({
    sessionId: z.string().min(1).max(200),
    userId: z.string().min(1).max(200),
    expiresAt: z.number().int().positive(),
  });
  app.post("/auth/logout", async (req, reply) => {
    let session: { sessionId: string; userId: string; expiresAt: Date } | undefined;
    if (isInternalCaller(req.headers.authorization, config.NEXTAUTH_SECRET)) {
      const parsed = logoutBody.safeParse(req.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        return reply.status(400).send({
          error: { code: "BAD_REQUEST", message: `${issue.path.join(".") || "body"}: ${issue.message}` },
        });
      }
      session = { ...parsed.data, expiresAt: new Date(parsed.data.expiresAt * 1000) };
    } else {
      const token = sessionTokenFrom(req.headers);
      session = token === undefined ? undefined : await sessions.describe(token);
      if (!session) {
        return reply
          .status(401)
          .send({ error: { code: "UNAUTHORIZED", message: "Send the session token to end as Bearer" } });
      }
    }
    await sessions.revoke(session);
    const user = await db.prisma.user.findUnique({ where: { id: session.userId }, select: { email: true } });
    await db.prisma.auditLog.create({
      data: {
        actorId: user ? session.userId : null,
        actorEmail: user?.email ?? "unknown",
        action: "auth.sign_out",
        targetType: "user",
        targetId: session.userId,
        requestId: String(req.id),
      },
    });
    return reply.status(204).send();
  });

  // A dead letter's whole payload as a file: the console shows the first million characters, and
  // a malformed body of several megabytes is worth fixing in an editor.
  app.get<{ Params: { id: string } }>("/dead-letters/:id/payload", async (req, reply) => {
    const session = await sessions.verify(sessionTokenFrom(req.headers));
    if (!session.ok) {
      return reply.status(401).send({ error: { code: "UNAUTHORIZED", message: "Sign in required" } });
    }
    const roles = session.actor.roles;
    if (!roles.some((r) => r === "admin" || r === "engineer" || r === "oncall")) {
      return reply.status(403).send({
        error: {
          code: "FORBIDDEN",
          message: `This needs the role engineer or oncall; you have ${roles.join(", ")}`,
        },
      });
    }
    const letter = await db.prisma.deadLetter.findUnique({
      where: { id: req.params.id },
      select: { id: true, payload: true },
    });
    if (!letter) {
      return reply
        .status(404)
        .send({ error: { code: "NOT_FOUND", message: `No dead letter with id '${req.params.id}'` } });
    }
    return reply
      .header("content-type", "text/plain; charset=utf-8")
      .header(
        "content-disposition",
        `attachment; filename="dead-letter-${letter.id.replace(/[^\w.-]/g, "_")}.txt"`,
      )
      .header("cache-control", "no-store")
      .send(letter.payload);
  });

  const oidcBody = z.object({
    subject: z.string().min(1).max(512),
    email: z.email(),
    emailVerified: z.boolean().default(false),
    name: z.string().max(200).default(""),
  });
  app.post("/auth/oidc", async (req, reply) => {
    if (!isInternalCaller(req.headers.authorization, config.NEXTAUTH_SECRET)) {
      return reply
        .status(401)
        .send({ error: { code: "UNAUTHORIZED", message: "Only the console may call this endpoint" } });
    }
    const parsed = oidcBody.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return reply.status(400).send({
        error: {
          code: "BAD_REQUEST",
          message: `${issue.path.join(".")}: ${issue.message}`,
          field: issue.path.join("."),
        },
      });
    }
    const result = await upsertOidcUser(db, parsed.data, config.OIDC_DEFAULT_ROLES);
    if (!result.ok) return reply.status(403).send({ error: { code: "FORBIDDEN", message: result.message } });
    return result.user;
  });

  await app.register(fastifyTRPCPlugin, {
    prefix: "/trpc",
    trpcOptions: {
      router: appRouter,
      createContext: async ({ req }): Promise<Context> => ({
        session: await sessions.verify(sessionTokenFrom(req.headers)),
        requestId: String(req.id),
        services,
      }),
      onError({ error, path, ctx }) {
        if (error.code === "INTERNAL_SERVER_ERROR")
          logger.error({ err: error, path, reqId: ctx?.requestId }, "tRPC error");
      },
    } satisfies FastifyTRPCPluginOptions<AppRouter>["trpcOptions"],
  });

  await extras.register?.(app, runtime);
  return { app, services };
}
