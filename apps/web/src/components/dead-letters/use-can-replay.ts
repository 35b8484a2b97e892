// Whether the person signed in may edit, discard and replay dead letters and control replay jobs:
// on-call staff and admins (engineers read). The API checks again; this only hides the controls.
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc";

export function useCanReplay(): boolean {
  const trpc = useTRPC();
  const me = useQuery(trpc.me.queryOptions());
  const roles: readonly string[] = me.data?.roles ?? [];
  return roles.includes("oncall") || roles.includes("admin");
}
