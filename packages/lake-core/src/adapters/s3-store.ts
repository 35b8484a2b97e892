// S3ObjectStore: the ObjectStore on S3 or any S3-compatible server, under s3://bucket/prefix.

import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, rename, stat, unlink, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ServerSideEncryption,
  type TransitionStorageClass,
} from "@aws-sdk/client-s3";
import { errorMessage, InletError } from "../errors";
import type { ArchiveRule, ObjectInfo, ObjectStore, PutOptions } from "../ports/object-store";
import { TEMP_FILE_PREFIX, validateObjectKey, validateObjectPrefix } from "./object-key";
import { syncArchiveRules } from "./s3-lifecycle";

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * Server-side encryption asked for on every object the store writes: SSE-S3 (`AES256`) or SSE-KMS
 * with a key (id, ARN or alias). Unset: the request asks for none and the bucket's default applies.
 */
export type S3Encryption = { algorithm: "AES256" } | { algorithm: "aws:kms"; kmsKeyId: string };

export interface S3StoreOptions {
  /** Custom endpoint for S3-compatible servers (s3rver, MinIO); omit for AWS. */
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  /** Omit to use the SDK's default chain (env, profile, instance role). */
  credentials?: S3Credentials;
  /** Where localPath() downloads objects; default os.tmpdir()/inlet-s3-cache. */
  cacheDir?: string;
  /**
   * Bound on the total size of the files in cacheDir (default 1 GiB): beyond it the least recently
   * used are deleted, except files handed out less than cacheGraceMs ago.
   */
  cacheMaxBytes?: number;
  /** A file localPath() returned is kept at least this long (default 10 minutes): it may be being read. */
  cacheGraceMs?: number;
  /** Page size for ListObjectsV2 (S3 caps it at 1,000). */
  listPageSize?: number;
  /** Where archive rules move objects (default GLACIER_IR: still readable at once, for replay). */
  archiveStorageClass?: TransitionStorageClass;
  /** Sent with every PutObject and CopyObject (and any multipart upload) the store issues. */
  encryption?: S3Encryption;
  /**
   * A request whose connection is idle this long (nothing sent or received) fails and is retried
   * (default 60 s); connecting has the same bound. Without it the SDK waits for ever on a stalled
   * connection, and a worker's upload or read hangs with it.
   */
  requestTimeoutMs?: number;
}

const DELETE_BATCH = 1000;

/** Where verifyEncryption() writes its probe, under the lake prefix (deleted at once). */
export const ENCRYPTION_PROBE_PREFIX = "_inlet/encryption-check/";

function describeEncryption(e: S3Encryption): string {
  return e.algorithm === "aws:kms" ? `aws:kms with key ${e.kmsKeyId}` : e.algorithm;
}

/**
 * S3 reports the key's ARN whatever the request named. A key id matches the ARN's last segment; an
 * alias cannot be resolved without KMS, so with an alias any reported key passes.
 */
function kmsKeyMatches(configured: string, reported: string | undefined): boolean {
  if (!reported) return false;
  if (reported === configured || reported.endsWith(`:key/${configured}`)) return true;
  return /(^|:)alias\//.test(configured);
}

export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!match?.[1]) {
    throw new InletError("INVALID_CONFIG", `not an S3 URL (expected s3://bucket[/prefix]): "${url}"`);
  }
  const rawPrefix = (match[2] ?? "").replace(/\/+$/, "");
  if (rawPrefix !== "") validateObjectPrefix(rawPrefix);
  return { bucket: match[1], prefix: rawPrefix === "" ? "" : `${rawPrefix}/` };
}

function httpStatus(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null || !("$metadata" in err)) return undefined;
  const meta = err.$metadata;
  return typeof meta === "object" && meta !== null && "httpStatusCode" in meta
    ? Number(meta.httpStatusCode)
    : undefined;
}

function errorName(err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined;
}

function isNotFound(err: unknown): boolean {
  const name = errorName(err);
  return name === "NoSuchKey" || name === "NotFound" || httpStatus(err) === 404;
}

export class S3ObjectStore implements ObjectStore {
  readonly url: string;
  readonly bucket: string;
  /** Key prefix inside the bucket, "" or ending in "/". */
  readonly prefix: string;
  readonly client: S3Client;
  private readonly cacheDir: string;
  private readonly cacheMaxBytes: number;
  private readonly cacheGraceMs: number;
  /** Cached files by path, least recently used first, with their size and last hand-out time. */
  private readonly cacheIndex = new Map<string, { size: number; usedAt: number }>();
  private cacheBytes = 0;
  private cacheLoaded: Promise<void> | undefined;
  private evicting = false;
  /** Serialises cache hand-outs and deletions. */
  private cacheLock: Promise<void> = Promise.resolve();
  private readonly listPageSize: number;
  private readonly archiveStorageClass: TransitionStorageClass;
  readonly encryption: S3Encryption | undefined;

  constructor(url: string, opts: S3StoreOptions = {}) {
    const { bucket, prefix } = parseS3Url(url);
    this.bucket = bucket;
    this.prefix = prefix;
    this.url = `s3://${bucket}${prefix === "" ? "" : `/${prefix.slice(0, -1)}`}`;
    this.cacheDir = opts.cacheDir ?? join(tmpdir(), "inlet-s3-cache");
    this.cacheMaxBytes = opts.cacheMaxBytes ?? 1024 ** 3;
    this.cacheGraceMs = opts.cacheGraceMs ?? 10 * 60_000;
    this.listPageSize = Math.min(Math.max(opts.listPageSize ?? 1000, 1), 1000);
    this.archiveStorageClass = opts.archiveStorageClass ?? "GLACIER_IR";
    this.encryption = opts.encryption;
    this.client = new S3Client({
      region: opts.region ?? process.env.AWS_REGION ?? "us-east-1",
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      ...(opts.forcePathStyle !== undefined ? { forcePathStyle: opts.forcePathStyle } : {}),
      ...(opts.credentials ? { credentials: opts.credentials } : {}),
      // Otherwise the SDK frames bodies as aws-chunked with trailing checksums, which
      // S3-compatible servers such as s3rver store verbatim inside the object.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      requestHandler: {
        requestTimeout: opts.requestTimeoutMs ?? 60_000,
        connectionTimeout: opts.requestTimeoutMs ?? 60_000,
        // Else the SDK only logs a warning and keeps waiting.
        throwOnRequestTimeout: true,
      },
    });
  }

  setArchiveRules(rules: ArchiveRule[]): Promise<{ changed: boolean }> {
    for (const r of rules) validateObjectPrefix(r.prefix);
    return syncArchiveRules(
      {
        client: this.client,
        bucket: this.bucket,
        keyPrefix: this.prefix,
        storageClass: this.archiveStorageClass,
      },
      rules,
    );
  }

  /** The encryption parameters of every write request: one place, so no write goes without them. */
  private writeEncryption(): { ServerSideEncryption?: ServerSideEncryption; SSEKMSKeyId?: string } {
    const e = this.encryption;
    if (!e) return {};
    return e.algorithm === "aws:kms"
      ? { ServerSideEncryption: "aws:kms", SSEKMSKeyId: e.kmsKeyId }
      : { ServerSideEncryption: "AES256" };
  }

  /**
   * The start check of the configured encryption: writes a small probe object with it, reads back
   * with HeadObject what the store says it did, and deletes the probe. Throws INVALID_CONFIG when
   * the store refuses the request or reports another encryption (an S3-compatible server that
   * ignores the header), so a lake is never written unencrypted while configured otherwise.
   */
  async verifyEncryption(): Promise<void> {
    const expected = this.encryption;
    if (!expected) return;
    const wanted = describeEncryption(expected);
    const Key = `${this.prefix}${ENCRYPTION_PROBE_PREFIX}${randomUUID()}`;
    const failure = (why: string, cause?: unknown) => {
      const err = new InletError(
        "INVALID_CONFIG",
        `INLET_S3_SSE: ${this.url} ${why}; server-side encryption ${wanted} is configured ` +
          "(INLET_S3_SSE, INLET_S3_SSE_KMS_KEY_ID). Fix the bucket, the key or the role's permissions, " +
          "or set INLET_S3_SSE=none for a store that cannot encrypt",
        { env: "INLET_S3_SSE", key: Key },
      );
      if (cause !== undefined) err.cause = cause;
      return err;
    };
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key,
          Body: new TextEncoder().encode("inlet encryption check\n"),
          ContentType: "text/plain",
          ...this.writeEncryption(),
        }),
      );
    } catch (err) {
      throw failure(`refused a write with server-side encryption (${errorMessage(err)})`, err);
    }
    let reported: { algorithm?: string; kmsKeyId?: string };
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      reported = {
        ...(head.ServerSideEncryption ? { algorithm: head.ServerSideEncryption } : {}),
        ...(head.SSEKMSKeyId ? { kmsKeyId: head.SSEKMSKeyId } : {}),
      };
    } catch (err) {
      throw failure(`could not be read back after an encrypted write (${errorMessage(err)})`, err);
    } finally {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key })).catch(() => undefined);
    }
    if (reported.algorithm !== expected.algorithm) {
      throw failure(
        `reports ${reported.algorithm ? `server-side encryption ${reported.algorithm}` : "no server-side encryption"} ` +
          "for an object written with it (the endpoint ignores or overrides the request)",
      );
    }
    if (expected.algorithm === "aws:kms" && !kmsKeyMatches(expected.kmsKeyId, reported.kmsKeyId)) {
      throw failure(`encrypted the probe object with KMS key ${reported.kmsKeyId ?? "(none reported)"}`);
    }
  }

  private fullKey(key: string): string {
    validateObjectKey(key);
    return this.prefix + key;
  }

  put(key: string, body: Uint8Array, opts: PutOptions = {}): Promise<void> {
    return this.putBody(key, () => body, body.byteLength, opts);
  }

  async putFile(key: string, path: string, opts: PutOptions = {}): Promise<void> {
    const { size } = await stat(path);
    // Streamed from the file with its length known: one PUT, the file never in memory whole.
    return this.putBody(key, () => createReadStream(path), size, opts);
  }

  private async putBody(
    key: string,
    body: () => Uint8Array | Readable,
    length: number,
    opts: PutOptions,
  ): Promise<void> {
    const Key = this.fullKey(key);
    if (opts.ifAbsent) {
      // S3 (since 2024) and MinIO honour If-None-Match on PUT; s3rver ignores it, so the HEAD
      // check is what stops a second writer there (not atomic against a concurrent writer).
      if (await this.head(key)) {
        throw new InletError("OBJECT_EXISTS", `object already exists: ${key}`, { key });
      }
    }
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key,
          Body: body(),
          ContentLength: length,
          ...(opts.contentType ? { ContentType: opts.contentType } : {}),
          ...(opts.ifAbsent ? { IfNoneMatch: "*" } : {}),
          ...this.writeEncryption(),
        }),
      );
    } catch (err) {
      const status = httpStatus(err);
      if (opts.ifAbsent && (status === 412 || status === 409)) {
        throw new InletError("OBJECT_EXISTS", `object already exists: ${key}`, { key });
      }
      throw err;
    }
  }

  async copy(from: string, to: string): Promise<boolean> {
    const source = this.fullKey(from);
    const encoded = `${this.bucket}/${source.split("/").map(encodeURIComponent).join("/")}`;
    const raw = `${this.bucket}/${source}`;
    // S3 and MinIO read CopySource URL-encoded; s3rver reads it as is. The second form is tried only
    // for a key that encoding changes, when the first found nothing although the object is there.
    for (const copySource of encoded === raw ? [encoded] : [encoded, raw]) {
      try {
        // Server-side: up to 5 GB in one request.
        await this.client.send(
          new CopyObjectCommand({
            Bucket: this.bucket,
            Key: this.fullKey(to),
            CopySource: copySource,
            // A copy is a new object: without these S3 encrypts it with the bucket's default.
            ...this.writeEncryption(),
          }),
        );
        return true;
      } catch (err) {
        if (!isNotFound(err) && (err as { name?: unknown }).name !== "NoSuchKey") throw err;
        if (!(await this.head(from))) return false;
      }
    }
    throw new InletError("NOT_FOUND", `the store could not copy ${from}, although it holds it`, {
      key: from,
    });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const Key = this.fullKey(key);
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      if (!res.Body) return new Uint8Array();
      return await res.Body.transformToByteArray();
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const info = await this.headWithEtag(key);
    return info ? { key: info.key, size: info.size, lastModified: info.lastModified } : undefined;
  }

  private async headWithEtag(key: string): Promise<(ObjectInfo & { etag: string }) | undefined> {
    const Key = this.fullKey(key);
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return {
        key,
        size: res.ContentLength ?? 0,
        lastModified: res.LastModified ?? new Date(0),
        etag: res.ETag ?? "",
      };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    validateObjectPrefix(prefix);
    let token: string | undefined;
    do {
      const res = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.prefix + prefix,
          MaxKeys: this.listPageSize,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const obj of res.Contents ?? []) {
        if (!obj.Key) continue;
        yield {
          key: obj.Key.slice(this.prefix.length),
          size: obj.Size ?? 0,
          lastModified: obj.LastModified ?? new Date(0),
        };
      }
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(keys: string[]): Promise<void> {
    const fullKeys = keys.map((key) => this.fullKey(key));
    for (let i = 0; i < fullKeys.length; i += DELETE_BATCH) {
      const batch = fullKeys.slice(i, i + DELETE_BATCH);
      const res = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = (res.Errors ?? []).filter((e) => e.Code !== "NoSuchKey");
      if (failed.length > 0) {
        throw new InletError("INTERNAL", `failed to delete ${failed.length} object(s) from ${this.url}`, {
          errors: failed.slice(0, 10).map((e) => ({ key: e.Key, code: e.Code, message: e.Message })),
        });
      }
    }
  }

  /**
   * Downloads to cacheDir once per object version: the file name carries a hash of the key and the
   * ETag, and keeps the key's base name so engines can still sniff the extension (.parquet, .zst).
   * The cache is bounded by cacheMaxBytes: least recently used files are deleted, never one handed
   * out (by this or, going by its modification time, another store on the same directory) less than
   * cacheGraceMs ago.
   */
  async localPath(key: string): Promise<string> {
    const info = await this.headWithEtag(key);
    if (!info) throw new InletError("NOT_FOUND", `object not found: ${key}`, { key });
    await this.loadCacheIndex();
    const target = this.cachePath(key, info.etag, info.size);
    // Under the cache lock, so an eviction cannot delete the file between this check and its use.
    const hit = await this.withCacheLock(async () => {
      const cached = await stat(target).catch(() => undefined);
      if (!cached?.isFile() || cached.size !== info.size) return false;
      // The modification time marks the hand-out for other processes sharing the directory.
      const now = new Date();
      await utimes(target, now, now).catch(() => undefined);
      this.noteCached(target, cached.size, now.getTime());
      return true;
    });
    if (hit) {
      await this.evict();
      return target;
    }

    const res = await this.client.send(
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: this.fullKey(key),
        ...(info.etag ? { IfMatch: info.etag } : {}),
      }),
    );
    // If the object changed between HEAD and GET, name the file after what was actually read.
    const actual = this.cachePath(key, res.ETag ?? info.etag, res.ContentLength ?? info.size);
    await mkdir(this.cacheDir, { recursive: true });
    const tmp = join(this.cacheDir, `${TEMP_FILE_PREFIX}${randomUUID()}`);
    try {
      const body = res.Body;
      if (!(body instanceof Readable))
        throw new InletError("INTERNAL", "S3 GetObject returned no stream body");
      await pipeline(body, createWriteStream(tmp, { flags: "wx" }));
      await this.withCacheLock(async () => {
        await rename(tmp, actual);
        this.noteCached(actual, (await stat(actual)).size, Date.now());
      });
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    await this.evict();
    return actual;
  }

  /** Seeds the cache index once with the files already in cacheDir (from earlier runs), oldest first. */
  private loadCacheIndex(): Promise<void> {
    this.cacheLoaded ??= (async () => {
      const names = await readdir(this.cacheDir).catch(() => [] as string[]);
      const found: { path: string; size: number; usedAt: number }[] = [];
      for (const name of names) {
        if (name.startsWith(TEMP_FILE_PREFIX)) continue;
        const path = join(this.cacheDir, name);
        const st = await stat(path).catch(() => undefined);
        if (st?.isFile()) found.push({ path, size: st.size, usedAt: st.mtimeMs });
      }
      found.sort((a, b) => a.usedAt - b.usedAt);
      for (const f of found) if (!this.cacheIndex.has(f.path)) this.noteCached(f.path, f.size, f.usedAt);
    })();
    return this.cacheLoaded;
  }

  private withCacheLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.cacheLock.then(fn);
    this.cacheLock = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private noteCached(path: string, size: number, usedAt: number): void {
    const previous = this.cacheIndex.get(path);
    if (previous) {
      this.cacheBytes -= previous.size;
      this.cacheIndex.delete(path);
    }
    // Re-inserted at the end: Map order is least recently used first.
    this.cacheIndex.set(path, { size, usedAt: Math.max(usedAt, previous?.usedAt ?? 0) });
    this.cacheBytes += size;
  }

  /** Deletes least recently used cached files until the cache fits cacheMaxBytes (grace permitting). */
  private async evict(): Promise<void> {
    if (this.evicting || this.cacheBytes <= this.cacheMaxBytes) return;
    this.evicting = true;
    try {
      for (const [path, entry] of [...this.cacheIndex]) {
        if (this.cacheBytes <= this.cacheMaxBytes) break;
        const cutoff = Date.now() - this.cacheGraceMs;
        if (entry.usedAt > cutoff) continue;
        await this.withCacheLock(async () => {
          // Handed out again meanwhile: the entry was replaced.
          if (this.cacheIndex.get(path) !== entry) return;
          // Another store on the same directory may have handed it out since (it touches the file).
          const st = await stat(path).catch(() => undefined);
          if (st && st.mtimeMs > cutoff) {
            entry.usedAt = st.mtimeMs;
            return;
          }
          await unlink(path).catch(() => undefined);
          this.cacheIndex.delete(path);
          this.cacheBytes -= entry.size;
        });
      }
    } finally {
      this.evicting = false;
    }
  }

  private cachePath(key: string, etag: string, size: number): string {
    const digest = createHash("sha256")
      .update(`${this.bucket}\0${this.prefix}${key}\0${etag}\0${size}`)
      .digest("hex")
      .slice(0, 32);
    const base = (key.split("/").at(-1) ?? "object").replace(/[^A-Za-z0-9._=-]/g, "_");
    return join(this.cacheDir, `${digest}-${base}`);
  }
}
