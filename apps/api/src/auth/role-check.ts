// Who may do what: admin may do everything, anyone else needs one of the roles named. A refusal is
// audited (who tried what they may not do) and says which roles would do.
import type { Role } from "@inlet/db";
import { InletError } from "@inlet/lake-core";
import type { AuditService } from "../services/audit";
import type { Actor } from "./session";

export interface GuardedTarget {
  /** "procedure" for tRPC, "route" for plain HTTP. */
  targetType: string;
  targetId: string;
  details?: Record<string, string>;
}

/** Writes an access.denied entry; a refusal stands even when it cannot be written down. */
async function recordDenial(
  audit: AuditService,
  actor: Actor,
  target: GuardedTarget,
  details: Record<string, string | string[]>,
  requestId: string | undefined,
): Promise<void> {
  await audit
    .record(
      actor,
      {
        action: "access.denied",
        targetType: target.targetType,
        targetId: target.targetId,
        details: { ...target.details, ...details },
      },
      requestId,
    )
    .catch(() => undefined);
}

/**
 * A refusal by a rule other than roles (the owner of a thing, not the role, may change it): audited as
 * a role's refusal is, outside any transaction the caller may roll back, and returned to be thrown.
 */
export async function auditedRefusal(
  audit: AuditService,
  actor: Actor,
  target: GuardedTarget,
  message: string,
  requestId: string | undefined,
): Promise<InletError> {
  await recordDenial(audit, actor, target, { reason: message }, requestId);
  return new InletError("FORBIDDEN", message);
}

/** Undefined when the actor may; otherwise the refusal's message, the refusal already audited. */
export async function refuseUnlessRole(
  audit: AuditService,
  actor: Actor,
  roles: Role[],
  target: GuardedTarget,
  requestId: string,
): Promise<string | undefined> {
  if (actor.roles.includes("admin") || roles.some((r) => actor.roles.includes(r))) return undefined;
  await recordDenial(audit, actor, target, { needs: roles }, requestId);
  return `This needs the role ${roles.join(" or ")}; you have ${actor.roles.join(", ") || "no roles"}`;
}
