// Password sign-in for the console's credentials provider: argon2 verification, throttling of
// repeated failures per account and per client address (in Postgres, so every API process agrees).
import { type Db, dummyPasswordHash, verifyPassword } from "@inlet/db";
import type { AuditService } from "../services/audit";
import type { Actor } from "./session";

export interface LoginPolicy {
  maxFailures: number;
  windowSeconds: number;
}

export type LoginResult =
  | { ok: true; user: Actor }
  | { ok: false; code: "INVALID_CREDENTIALS" }
  | { ok: false; code: "RATE_LIMITED"; retryAfterSeconds: number };

export class LoginService {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    private readonly policy: LoginPolicy,
  ) {}

  async login(email: string, password: string, clientIp: string | undefined): Promise<LoginResult> {
    const normalized = email.trim().toLowerCase();
    const keys = [`email:${normalized}`];
    // A client address may try more accounts than one account may be tried.
    if (clientIp) keys.push(`ip:${clientIp}`);
    const limits = [this.policy.maxFailures, this.policy.maxFailures * 4];

    // Every attempt is counted before the password is checked, in one statement per key, so
    // parallel guesses cannot all pass a check made before any of them was recorded.
    const counts = await Promise.all(keys.map((k) => this.countAttempt(k)));
    const over = (strict: boolean) =>
      counts.reduce((wait, c, i) => {
        const limit = limits[i]!;
        return (strict ? c.failures > limit : c.failures >= limit)
          ? Math.max(wait, c.retryAfterSeconds)
          : wait;
      }, 0);
    const lockedFor = over(true);
    if (lockedFor > 0) return { ok: false, code: "RATE_LIMITED", retryAfterSeconds: lockedFor };

    const user = await this.db.prisma.user.findUnique({ where: { email: normalized } });
    const valid = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), password);
    if (!user || !valid || user.disabled || !user.passwordHash) {
      await this.audit.record(
        { id: null, email: normalized },
        {
          action: "auth.sign_in_failed",
          targetType: "user",
          targetId: user?.id ?? null,
          details: { clientIp: clientIp ?? null },
        },
      );
      const lockedNow = over(false);
      if (lockedNow > 0) return { ok: false, code: "RATE_LIMITED", retryAfterSeconds: lockedNow };
      return { ok: false, code: "INVALID_CREDENTIALS" };
    }
    await this.db.prisma.$transaction([
      // A success clears the account's count and takes this attempt back from the address's.
      this.db.prisma.loginThrottle.deleteMany({ where: { key: keys[0]! } }),
      ...(keys[1]
        ? [
            this.db.prisma.loginThrottle.updateMany({
              where: { key: keys[1], failures: { gt: 0 } },
              data: { failures: { decrement: 1 } },
            }),
          ]
        : []),
      this.db.prisma.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } }),
      this.audit.insert(user, {
        action: "auth.sign_in",
        targetType: "user",
        targetId: user.id,
        details: { method: "password", clientIp: clientIp ?? null },
      }),
    ]);
    return { ok: true, user: { id: user.id, email: user.email, name: user.name, roles: user.roles } };
  }

  /** Counts one attempt for the key (a new window starts when the old one has passed). */
  private async countAttempt(key: string): Promise<{ failures: number; retryAfterSeconds: number }> {
    const { rows } = await this.db.pool.query<{ failures: number; retry_after: number }>(
      `INSERT INTO login_throttle (key, failures, window_start) VALUES ($1, 1, now())
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN login_throttle.window_start < now() - make_interval(secs => $2) THEN 1 ELSE login_throttle.failures + 1 END,
         window_start = CASE WHEN login_throttle.window_start < now() - make_interval(secs => $2) THEN now() ELSE login_throttle.window_start END
       RETURNING failures,
         GREATEST(1, CEIL(EXTRACT(EPOCH FROM (window_start + make_interval(secs => $2) - now()))))::int AS retry_after`,
      [key, this.policy.windowSeconds],
    );
    return { failures: rows[0]!.failures, retryAfterSeconds: rows[0]!.retry_after };
  }
}
