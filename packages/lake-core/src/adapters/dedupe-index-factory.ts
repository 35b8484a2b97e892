// Builds the configured DedupeIndex adapter: PostgreSQL (the default, in the catalog) or Redis.
import type { Catalog } from "../ports/catalog";
import type { DedupeIndex, DedupeOwnerState } from "../ports/dedupe-index";
import { PgDedupeIndex } from "./pg-dedupe-index";
import { RedisDedupeIndex } from "./redis-dedupe-index";

export type DedupeConfig = { kind: "postgres" } | { kind: "redis"; url: string; keyPrefix?: string };

/** Where the catalog says each batch stands: a claim counts once its batch has committed. */
export function batchOwnerStates(
  catalog: Pick<Catalog, "batchStates">,
): (owners: string[]) => Promise<Map<string, DedupeOwnerState>> {
  return async (owners) => {
    const states = await catalog.batchStates(owners);
    const out = new Map<string, DedupeOwnerState>();
    for (const [id, s] of states) {
      out.set(id, s.status === "committed" ? "committed" : s.status === "failed" ? "failed" : "pending");
    }
    return out;
  };
}

/** Async because the Redis adapter connects (and reports an unreachable server) before it is used. */
export async function createDedupeIndex(
  config: DedupeConfig,
  catalog: Pick<Catalog, "claimedEventIds" | "maintainDedupeIndex" | "batchStates">,
): Promise<DedupeIndex> {
  switch (config.kind) {
    case "postgres":
      return new PgDedupeIndex(catalog);
    case "redis":
      return RedisDedupeIndex.connect({
        url: config.url,
        keyPrefix: config.keyPrefix,
        ownerStates: batchOwnerStates(catalog),
      });
  }
}
