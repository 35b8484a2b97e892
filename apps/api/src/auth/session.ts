// Verifies the console's next-auth session token (cookie or Bearer) and loads the signed-in user.
import type { Db, Role } from "@inlet/db";
import { decode } from "next-auth/jwt";

export interface Actor {
  id: string;
  email: string;
  name: string;
  roles: Role[];
}

const COOKIE_NAMES = ["__Secure-next-auth.session-token", "next-auth.session-token"];

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** The raw session token from a request, if any: Authorization Bearer wins over the cookie. */
export function sessionTokenFrom(headers: {
  authorization?: string | undefined;
  cookie?: string | undefined;
}) {
  const auth = headers.authorization;
  if (auth?.startsWith("Bearer ")) return auth.slice("Bearer ".length).trim();
  for (const name of COOKIE_NAMES) {
    const value = readCookie(headers.cookie, name);
    if (value) return value;
  }
  return undefined;
}

/** How long a console session can be kept alive by refreshing its token (next-auth's maxAge: 8 h). */
export const SESSION_MAX_AGE_MS = 8 * 60 * 60 * 1000;

/**
 * The id of the session a token belongs to: the console's `sid` claim, the same in every token
 * next-auth issues for the session; a token without one is its own session (`jti`).
 */
function sessionIdOf(payload: Record<string, unknown> | null | undefined): string | undefined {
  if (typeof payload?.sid === "string") return payload.sid;
  return typeof payload?.jti === "string" ? payload.jti : undefined;
}

export type SessionCheck =
  | { ok: true; actor: Actor }
  | { ok: false; reason: "missing" | "invalid" | "unknown-user" | "revoked" };

export class SessionVerifier {
  private readonly cache = new Map<string, { actor: Actor; until: number }>();
  /** Whether a session id was revoked (signed out), checked again after cacheMs. */
  private readonly revoked = new Map<string, { revoked: boolean; until: number }>();

  constructor(
    private readonly db: Db,
    private readonly secret: string,
    /** Role changes and disabled accounts take effect within this many ms. */
    private readonly cacheMs = 5_000,
  ) {}

  async verify(token: string | undefined): Promise<SessionCheck> {
    if (!token) return { ok: false, reason: "missing" };
    let userId: string | undefined;
    let sessionId: string | undefined;
    let signedInAt: number | undefined;
    try {
      // decode() rejects forged tokens (wrong key) and expired ones (exp claim).
      const payload = await decode({ token, secret: this.secret });
      userId =
        typeof payload?.sub === "string"
          ? payload.sub
          : typeof payload?.id === "string"
            ? payload.id
            : undefined;
      sessionId = sessionIdOf(payload);
      signedInAt = typeof payload?.sat === "number" ? payload.sat : undefined;
    } catch {
      return { ok: false, reason: "invalid" };
    }
    if (!userId) return { ok: false, reason: "invalid" };
    // Refreshing a token moves its expiry; the session still ends SESSION_MAX_AGE after sign-in.
    if (signedInAt !== undefined && Date.now() - signedInAt * 1000 > SESSION_MAX_AGE_MS) {
      return { ok: false, reason: "invalid" };
    }
    if (sessionId !== undefined && (await this.isRevoked(sessionId))) return { ok: false, reason: "revoked" };
    const cached = this.cache.get(userId);
    if (cached && cached.until > Date.now()) return { ok: true, actor: cached.actor };
    const user = await this.db.prisma.user.findUnique({ where: { id: userId } });
    if (!user || user.disabled) return { ok: false, reason: "unknown-user" };
    const actor: Actor = { id: user.id, email: user.email, name: user.name, roles: user.roles };
    this.cache.set(userId, { actor, until: Date.now() + this.cacheMs });
    return { ok: true, actor };
  }

  private async isRevoked(sessionId: string): Promise<boolean> {
    const cached = this.revoked.get(sessionId);
    if (cached && cached.until > Date.now()) return cached.revoked;
    const row = await this.db.prisma.revokedSession.findUnique({
      where: { sessionId },
      select: { sessionId: true },
    });
    if (this.revoked.size > 10_000) this.revoked.clear();
    this.revoked.set(sessionId, { revoked: row !== null, until: Date.now() + this.cacheMs });
    return row !== null;
  }

  /** Ends a session before its tokens expire; also forgets sessions that have expired anyway. */
  async revoke(session: { sessionId: string; userId: string; expiresAt: Date }): Promise<void> {
    await this.db.prisma.revokedSession.upsert({
      where: { sessionId: session.sessionId },
      create: session,
      update: {},
    });
    this.revoked.set(session.sessionId, { revoked: true, until: Date.now() + this.cacheMs });
    await this.db.prisma.revokedSession.deleteMany({ where: { expiresAt: { lt: new Date() } } });
  }

  /** The session, user and expiry of a valid session token (for signing out with it). */
  async describe(token: string): Promise<{ sessionId: string; userId: string; expiresAt: Date } | undefined> {
    try {
      const payload = await decode({ token, secret: this.secret });
      const userId = typeof payload?.sub === "string" ? payload.sub : undefined;
      const sessionId = sessionIdOf(payload);
      if (!sessionId || !userId || typeof payload?.exp !== "number") return undefined;
      // A session lives at most SESSION_MAX_AGE from sign-in, however often its token is refreshed.
      const signedInAt = typeof payload.sat === "number" ? payload.sat * 1000 : undefined;
      return {
        sessionId,
        userId,
        expiresAt: new Date((signedInAt ?? Date.now()) + SESSION_MAX_AGE_MS),
      };
    } catch {
      return undefined;
    }
  }
}
