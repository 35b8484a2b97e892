// Users who sign in through the optional OIDC provider: linked by subject, then by email, else
// created with OIDC_DEFAULT_ROLES. Only the console server may call this (shared-secret HMAC).
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Db, Role } from "@inlet/db";
import type { AuditService } from "../services/audit";
import type { Actor } from "./session";

/** The header value the console sends: HMAC-SHA256 of a fixed label under NEXTAUTH_SECRET. */
export function internalToken(secret: string): string {
  return createHmac("sha256", secret).update("inlet-internal-oidc").digest("hex");
}

export function isInternalCaller(header: string | undefined, secret: string): boolean {
  if (!header?.startsWith("Bearer ")) return false;
  const given = Buffer.from(header.slice("Bearer ".length));
  const expected = Buffer.from(internalToken(secret));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export type OidcResult = { ok: true; user: Actor } | { ok: false; message: string };

/**
 * Links by subject; an unverified email never matches anything, and an existing account is linked
 * by email only when it has no password and no other SSO subject (no takeover of local accounts).
 */
export async function upsertOidcUser(
  db: Db,
  audit: AuditService,
  input: { subject: string; email: string; emailVerified: boolean; name: string },
  defaultRoles: Role[],
): Promise<OidcResult> {
  const email = input.email.trim().toLowerCase();
  return db.prisma.$transaction(async (tx) => {
    const bySubject = await tx.user.findUnique({ where: { oidcSubject: input.subject } });
    if (!bySubject && !input.emailVerified) {
      return { ok: false as const, message: "The identity provider did not verify this email address" };
    }
    const byEmail = bySubject ? null : await tx.user.findUnique({ where: { email } });
    if (byEmail && (byEmail.passwordHash || byEmail.oidcSubject)) {
      return {
        ok: false as const,
        message: "An account with this email already exists; an administrator must link it to single sign-on",
      };
    }
    const existing = bySubject ?? byEmail;
    const u = existing
      ? await tx.user.update({
          where: { id: existing.id },
          data: { oidcSubject: input.subject, lastLoginAt: new Date() },
        })
      : await tx.user.create({
          data: {
            email,
            name: input.name || email,
            roles: defaultRoles,
            oidcSubject: input.subject,
            lastLoginAt: new Date(),
          },
        });
    if (u.disabled) return { ok: false as const, message: "This account is disabled" };
    await audit.record(
      u,
      {
        action: existing ? "auth.sign_in" : "user.create",
        targetType: "user",
        targetId: u.id,
        details: { method: "oidc", created: !existing },
      },
      undefined,
      tx,
    );
    return { ok: true as const, user: { id: u.id, email: u.email, name: u.name, roles: u.roles } };
  });
}
