/// <reference path="./s3rver-module.d.ts" />
// startS3rver: an in-process S3-compatible server on 127.0.0.1 for tests, with its event notifications.

import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver, { type S3rverContext, type S3rverMiddleware, type S3rverStore } from "s3rver";
import { compareKeys } from "../adapters/object-key";
import type { S3StoreOptions } from "../adapters/s3-store";

/** The S3 event-notification document s3rver emits (same shape as AWS; keys are not URL-encoded). */
export interface S3EventNotification {
  Records: {
    eventVersion: string;
    eventSource: "aws:s3";
    awsRegion: string;
    eventTime: string;
    eventName: string;
    s3: {
      bucket: { name: string; arn: string };
      object: { key: string; size?: number; eTag?: string; sequencer: string };
    };
  }[];
}

export interface S3rverHandle {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  /** A bucket created at start with a random name. */
  bucket: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Temporary directory holding the server's data; removed by stop(). */
  directory: string;
  /** Emits "event" with an S3EventNotification for every put, copy, post and delete. */
  events: EventEmitter;
  /** Subscribes to event notifications; returns the unsubscribe function. */
  onEvent(listener: (event: S3EventNotification) => void): () => void;
  /** Options for S3ObjectStore (or an S3Client) reaching this server. */
  storeOptions(extra?: Partial<S3StoreOptions>): S3StoreOptions;
  /** s3://<bucket>/<prefix> */
  storeUrl(prefix?: string): string;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface StartS3rverOptions {
  /** Name of the bucket to create; default inlet-test-<random>. */
  bucket?: string;
}

function queryString(ctx: S3rverContext, name: string): string | undefined {
  const value = ctx.query[name];
  return Array.isArray(value) ? value[0] : value;
}

function encodeToken(after: string): string {
  return Buffer.from(after, "utf8").toString("base64url");
}

function decodeToken(token: string): string {
  return Buffer.from(token, "base64url").toString("utf8");
}

/** True if key belongs after the previous page, whose last entry may be a common prefix. */
function comesAfter(key: string, after: string, delimiter: string): boolean {
  if (compareKeys(key, after) <= 0) return false;
  return !(delimiter !== "" && after.endsWith(delimiter) && key.startsWith(after));
}

/**
 * s3rver 3.7 cannot serve ListObjectsV2 past its first page on Node >= 17: it builds continuation
 * tokens with DES, which OpenSSL 3 disables ("digital envelope routines::unsupported" → HTTP 500),
 * and it lists in directory-walk order, not S3's byte order ("a-b" before "a"). This middleware
 * answers list-type=2 requests itself from s3rver's store, sorted, with plain base64url tokens.
 */
function listObjectsV2Middleware(store: S3rverStore): S3rverMiddleware {
  return async (ctx, next) => {
    const bucketMatch = /^\/([^/]+)\/?$/.exec(ctx.path);
    const bucket = bucketMatch?.[1];
    if (ctx.method !== "GET" || queryString(ctx, "list-type") !== "2" || !bucket) return next();
    if (!(await store.getBucket(bucket))) return next();

    const prefix = queryString(ctx, "prefix") ?? "";
    const delimiter = queryString(ctx, "delimiter") ?? "";
    const maxKeysRaw = Number(queryString(ctx, "max-keys") ?? "1000");
    const maxKeys = Number.isInteger(maxKeysRaw) && maxKeysRaw >= 0 ? Math.min(maxKeysRaw, 1000) : 1000;
    const token = queryString(ctx, "continuation-token");
    const after = token ? decodeToken(token) : (queryString(ctx, "start-after") ?? "");

    const { objects } = await store.listObjects(bucket, { prefix });
    objects.sort((a, b) => compareKeys(a.key, b.key));

    const contents: typeof objects = [];
    const commonPrefixes: string[] = [];
    let last = "";
    let truncated = false;
    for (const object of objects) {
      if (after && !comesAfter(object.key, after, delimiter)) continue;
      const cut = delimiter ? object.key.indexOf(delimiter, prefix.length) : -1;
      const entry = cut >= 0 ? object.key.slice(0, cut + delimiter.length) : object.key;
      if (cut >= 0 && commonPrefixes.at(-1) === entry) continue;
      if (contents.length + commonPrefixes.length >= maxKeys) {
        truncated = true;
        break;
      }
      if (cut >= 0) commonPrefixes.push(entry);
      else contents.push(object);
      last = entry;
    }

    ctx.status = 200;
    ctx.body = {
      ListBucketResult: {
        "@": { xmlns: "http://doc.s3.amazonaws.com/2006-03-01/" },
        Name: bucket,
        Prefix: prefix,
        ...(token ? { ContinuationToken: token } : {}),
        ...(truncated ? { NextContinuationToken: encodeToken(last) } : {}),
        KeyCount: contents.length + commonPrefixes.length,
        MaxKeys: maxKeys,
        ...(delimiter ? { Delimiter: delimiter } : {}),
        IsTruncated: truncated,
        Contents: contents.map((object) => ({
          Key: object.key,
          LastModified: object.lastModifiedDate.toISOString(),
          ETag: object.metadata.etag,
          Size: object.size,
          StorageClass: "STANDARD",
        })),
        CommonPrefixes: commonPrefixes.map((p) => ({ Prefix: p })),
      },
    };
  };
}

/**
 * s3rver answers NotImplemented to a bucket's lifecycle configuration. This middleware keeps one per
 * bucket as S3 does (PUT replaces it whole, GET returns it or NoSuchLifecycleConfiguration, DELETE
 * removes it), so the S3 adapter's archive rules are tested against the API's contract; it does not
 * move objects between storage classes.
 */
function lifecycleMiddleware(store: S3rverStore): S3rverMiddleware {
  const configurations = new Map<string, string>();
  return async (ctx, next) => {
    const bucket = /^\/([^/]+)\/?$/.exec(ctx.path)?.[1];
    if (!bucket || !("lifecycle" in ctx.query) || !(await store.getBucket(bucket))) return next();
    if (ctx.method === "PUT") {
      const chunks: Buffer[] = [];
      for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
      configurations.set(bucket, Buffer.concat(chunks).toString("utf8"));
      ctx.status = 200;
      ctx.body = "";
      return;
    }
    if (ctx.method === "DELETE") {
      configurations.delete(bucket);
      ctx.status = 204;
      ctx.body = "";
      return;
    }
    const xml = configurations.get(bucket);
    if (ctx.method !== "GET") return next();
    if (xml === undefined) {
      ctx.status = 404;
      ctx.type = "application/xml";
      ctx.body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchLifecycleConfiguration</Code><Message>The lifecycle configuration does not exist</Message><BucketName>${bucket}</BucketName></Error>`;
      return;
    }
    ctx.status = 200;
    ctx.type = "application/xml";
    ctx.body = xml;
  };
}

export async function startS3rver(opts: StartS3rverOptions = {}): Promise<S3rverHandle> {
  const bucket = opts.bucket ?? `inlet-test-${randomBytes(6).toString("hex")}`;
  const directory = await mkdtemp(join(tmpdir(), "inlet-s3rver-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  // Before the router (last in the stack) and inside the XML encoder that wraps it.
  server.middleware.splice(server.middleware.length - 1, 0, listObjectsV2Middleware(server.store));
  server.middleware.splice(server.middleware.length - 1, 0, lifecycleMiddleware(server.store));

  const events = new EventEmitter();
  server.on("event", (event: S3EventNotification) => events.emit("event", event));

  let address: Awaited<ReturnType<S3rver["run"]>>;
  try {
    address = await server.run();
  } catch (err) {
    await rm(directory, { recursive: true, force: true });
    throw err;
  }
  const endpoint = `http://127.0.0.1:${address.port}`;
  const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
  let stopped = false;

  return {
    endpoint,
    bucket,
    region: "us-east-1",
    credentials,
    directory,
    events,
    onEvent(listener) {
      events.on("event", listener);
      return () => events.off("event", listener);
    },
    storeOptions(extra = {}) {
      return { endpoint, region: "us-east-1", forcePathStyle: true, credentials, ...extra };
    },
    storeUrl(prefix = "") {
      return `s3://${bucket}${prefix ? `/${prefix.replace(/^\/+/, "")}` : ""}`;
    },
    async createBucket(name) {
      await server.store.putBucket(name);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      events.removeAllListeners();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
