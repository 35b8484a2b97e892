// Where a person lands after signing in: on-call staff start on the Operations dashboard (what they
// watch), everyone else on the Overview. Anyone who also builds the lake (admin, engineer) keeps the
// Overview, which they can reach from the navigation as before.
import type { Role } from "@inlet/db/roles";

/** The path of the landing page for someone holding `roles`. */
export function homePathFor(roles: readonly string[]): string {
  const has = (r: Role) => roles.includes(r);
  return has("oncall") && !has("admin") && !has("engineer") ? "/operations" : "/";
}

/** The path the sign-in page sends to when no page was asked for: it chooses by roles once signed in. */
export const HOME_ROUTE = "/home";
