// The sign-in endpoints the console's server calls (plain HTTP, not tRPC): password sign-in,
// sign-out and OIDC sign-in.
import type { Db } from "@inlet/db";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { ApiConfig } from "../config";
import type { AuditService } from "../services/audit";
import { LoginService } from "./login";
import { isInternalCaller, upsertOidcUser } from "./oidc";
import { type SessionVerifier, sessionTokenFrom } from "./session";

export interface AuthRouteDeps {
  config: ApiConfig;
  db: Db;
  sessions: SessionVerifier;
  audit: AuditService;
}

const loginBody = z.object({
  email: z.string().trim().min(1, "is required").max(320),
  password: z.string().min(1, "is required").max(1024),
});

const logoutBody = z.object({
  sessionId: z.string().min(1).max(200),
  userId: z.string().min(1).max(200),
  expiresAt: z.number().int().positive(),
});

const oidcBody = z.object({
  subject: z.string().min(1).max(512),
  email: z.email(),
  emailVerified: z.boolean().default(false),
  name: z.string().max(200).default(""),
});

function forwardedClient(forwardedFor: string | string[] | undefined): string | undefined {
  const header = Array.isArray(forwardedFor) ? forwardedFor[0] : forwardedFor;
  return header?.split(",")[0]?.trim() || undefined;
}

/** A 400's body naming the first field that is wrong ("body" when it is not an object at all). */
function invalidBody(error: z.ZodError) {
  const issue = error.issues[0]!;
  const field = issue.path.join(".");
  return { error: { code: "BAD_REQUEST", message: `${field || "body"}: ${issue.message}`, field } };
}

export function registerAuthRoutes(
  app: FastifyInstance,
  { config, db, sessions, audit }: AuthRouteDeps,
): void {
  const login = new LoginService(db, audit, {
    maxFailures: config.INLET_LOGIN_MAX_FAILURES,
    windowSeconds: config.INLET_LOGIN_WINDOW_SECONDS,
  });

  app.post("/auth/login", async (req, reply) => {
    const parsed = loginBody.safeParse(req.body);
    if (!parsed.success) return reply.status(400).send(invalidBody(parsed.error));
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
  app.post("/auth/logout", async (req, reply) => {
    let session: { sessionId: string; userId: string; expiresAt: Date } | undefined;
    if (isInternalCaller(req.headers.authorization, config.NEXTAUTH_SECRET)) {
      const parsed = logoutBody.safeParse(req.body);
      if (!parsed.success) return reply.status(400).send(invalidBody(parsed.error));
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
    await audit.record(
      { id: user ? session.userId : null, email: user?.email ?? "unknown" },
      { action: "auth.sign_out", targetType: "user", targetId: session.userId },
      String(req.id),
    );
    return reply.status(204).send();
  });

  app.post("/auth/oidc", async (req, reply) => {
    if (!isInternalCaller(req.headers.authorization, config.NEXTAUTH_SECRET)) {
      return reply
        .status(401)
        .send({ error: { code: "UNAUTHORIZED", message: "Only the console may call this endpoint" } });
    }
    const parsed = oidcBody.safeParse(req.body);
    if (!parsed.success) return reply.status(400).send(invalidBody(parsed.error));
    const result = await upsertOidcUser(db, audit, parsed.data, config.OIDC_DEFAULT_ROLES);
    if (!result.ok) return reply.status(403).send({ error: { code: "FORBIDDEN", message: result.message } });
    return result.user;
  });
}
