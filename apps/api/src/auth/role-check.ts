// Who may do what: admin may do everything, anyone else needs one of the roles named. A refusal is
// audited (who tried what they may not do) and says which roles would do.
import type { Role } from "@inlet/db";
import type { AuditService } from "../services/audit";
import type { Actor } from "./session";

export interface GuardedTarget {
  /** "procedure" for tRPC, "route" for plain HTTP. */
  targetType: string;
  targetId: string;
  details?: Record<string, string>;
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
  await audit
    .record(
      actor,
      {
        action: "access.denied",
        targetType: target.targetType,
        targetId: target.targetId,
        details: { ...target.details, needs: roles },
      },
      requestId,
    )
    // A refusal stands even when it cannot be written down.
    .catch(() => undefined);
  return `This needs the role ${roles.join(" or ")}; you have ${actor.roles.join(", ") || "no roles"}`;
}
