// Who may ingest into a source: the source's own, unrevoked API keys (stored as SHA-256 hashes).
//
// Lookups are cached per process for at most 5 s (hits and misses alike), so a key revoked or a source
// paused in the console is refused within 5 s everywhere. last_used_at is written at most once a minute
// per key and process, so a busy key costs no extra write per request.
import { type Db, hashApiKey } from "@inlet/db";
import type { Catalog, SourceRecord } from "@inlet/lake-core";
import type { Logger } from "pino";

export const MAX_AUTH_CACHE_TTL_MS = 5_000;
const TOUCH_INTERVAL_MS = 60_000;
const MAX_CACHE_ENTRIES = 10_000;

export interface IngestSource {
  id: string;
  slug: string;
  status: "active" | "paused";
}

export type IngestAuthResult =
  | { ok: true; source: IngestSource; apiKeyId: string }
  | { ok: false; status: 401 | 404 | 409; code: string; message: string };

interface KeyRow {
  id: string;
  revokedAt: Date | null;
  source: IngestSource | null;
}

function ingestSource(s: SourceRecord | undefined): IngestSource | null {
  return s ? { id: s.id, slug: s.slug, status: s.status } : null;
}

interface Cached<T> {
  expiresAt: number;
  value: Promise<T>;
}

/** A small TTL cache of lookups that also shares one in-flight lookup between concurrent requests. */
class LookupCache<T> {
  private readonly entries = new Map<string, Cached<T>>();

  clear(): void {
    this.entries.clear();
  }

  constructor(
    private readonly ttlMs: number,
    private readonly clock: () => number,
  ) {}

  get(key: string, load: () => Promise<T>): Promise<T> {
    const now = this.clock();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    if (hit) this.entries.delete(key);
    if (this.entries.size >= MAX_CACHE_ENTRIES) {
      // Oldest first (Map keeps insertion order): bounded memory even under a flood of random keys.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    const value = load();
    this.entries.set(key, { expiresAt: now + this.ttlMs, value });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }
}

const UNAUTHORIZED_MESSAGE =
  "The API key is not valid for this source (unknown, revoked, or issued for another source)";

export interface IngestAuthOptions {
  /** At most MAX_AUTH_CACHE_TTL_MS. */
  cacheTtlMs?: number;
  /** Milliseconds clock, for tests. */
  clock?: () => number;
}

export class IngestAuthenticator {
  private readonly keys: LookupCache<KeyRow | null>;
  private readonly sources: LookupCache<IngestSource | null>;
  private readonly touched = new Map<string, number>();
  private readonly clock: () => number;

  constructor(
    private readonly db: Db,
    private readonly catalog: Catalog,
    private readonly logger: Logger,
    opts: IngestAuthOptions = {},
  ) {
    this.clock = opts.clock ?? Date.now;
    const ttl = Math.min(Math.max(0, opts.cacheTtlMs ?? MAX_AUTH_CACHE_TTL_MS), MAX_AUTH_CACHE_TTL_MS);
    this.keys = new LookupCache(ttl, this.clock);
    this.sources = new LookupCache(ttl, this.clock);
  }

  /** Drops every cached lookup: a source was deleted or paused, or a key revoked, in this process. */
  forgetAll(): void {
    this.keys.clear();
    this.sources.clear();
  }

  /**
   * The source a request may write to. Unknown slugs are only revealed (404) to holders of a valid key,
   * and a valid key of another source gets the same 401 as an unknown one.
   */
  async authenticate(slug: string, authorization: string | undefined): Promise<IngestAuthResult> {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? "");
    if (!m?.[1]) {
      const scheme = /^\s*(\S+)/.exec(authorization ?? "")?.[1];
      return {
        ok: false,
        status: 401,
        code: "UNAUTHORIZED",
        message:
          scheme === undefined
            ? "Missing API key: send it as the header Authorization: Bearer <key>"
            : `Authorization ${/^bearer$/i.test(scheme) ? "Bearer holds no key" : `uses the ${scheme} scheme`}: send the API key as Authorization: Bearer <key>`,
      };
    }
    const hash = hashApiKey(m[1]);
    const key = await this.keys.get(hash, () => this.loadKey(hash));
    if (!key?.source || key.revokedAt)
      return { ok: false, status: 401, code: "UNAUTHORIZED", message: UNAUTHORIZED_MESSAGE };
    if (key.source.slug !== slug) {
      const exists = await this.sources.get(slug, () => this.loadSource(slug));
      if (!exists) return { ok: false, status: 404, code: "NOT_FOUND", message: `No source '${slug}'` };
      return { ok: false, status: 401, code: "UNAUTHORIZED", message: UNAUTHORIZED_MESSAGE };
    }
    if (key.source.status === "paused") {
      return {
        ok: false,
        status: 409,
        code: "SOURCE_PAUSED",
        message: `Source '${slug}' is paused; nothing was stored. Resume it in the console, then send the batch again`,
      };
    }
    await this.touch(key.id);
    return { ok: true, source: key.source, apiKeyId: key.id };
  }

  private async loadKey(keyHash: string): Promise<KeyRow | null> {
    // The key is the control plane's; its source is the catalog's.
    const row = await this.db.prisma.apiKey.findUnique({
      where: { keyHash },
      select: { id: true, revokedAt: true, sourceId: true },
    });
    if (!row) return null;
    return {
      id: row.id,
      revokedAt: row.revokedAt,
      source: ingestSource(await this.catalog.getSource(row.sourceId)),
    };
  }

  private async loadSource(slug: string): Promise<IngestSource | null> {
    // PostgreSQL text cannot hold NUL: such a slug names no source (and must not become a 500).
    if (slug.includes("\0")) return null;
    return ingestSource(await this.catalog.findSourceBySlug(slug));
  }

  /** Records use at most once a minute per key; a failure is logged, never fails the request. */
  private async touch(apiKeyId: string): Promise<void> {
    const now = this.clock();
    const last = this.touched.get(apiKeyId);
    if (last !== undefined && now - last < TOUCH_INTERVAL_MS) return;
    this.touched.set(apiKeyId, now);
    try {
      await this.db.prisma.apiKey.update({ where: { id: apiKeyId }, data: { lastUsedAt: new Date(now) } });
    } catch (err) {
      this.logger.warn({ err, apiKeyId }, "could not record API key use");
    }
  }
}
