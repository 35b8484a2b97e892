import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InletError } from "../errors";
import { type S3rverHandle, startS3rver } from "../testing/s3rver";
import { createObjectStore } from "./object-store-factory";
import { ENCRYPTION_PROBE_PREFIX, type S3Encryption, S3ObjectStore } from "./s3-store";

const KMS_KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
const KMS_KEY_ARN = `arn:aws:kms:us-east-1:111122223333:key/${KMS_KEY_ID}`;

interface SentRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
}

/** Records every request the store's client puts on the wire, headers as signed and sent. */
function captureRequests(store: S3ObjectStore): SentRequest[] {
  const sent: SentRequest[] = [];
  store.client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as Partial<SentRequest> | undefined;
      if (request?.method && request.path && request.headers) {
        sent.push({ method: request.method, path: request.path, headers: { ...request.headers } });
      }
      return next(args);
    },
    { step: "finalizeRequest", name: "inletCaptureRequests", priority: "low" },
  );
  return sent;
}

let s3: S3rverHandle;

beforeAll(async () => {
  s3 = await startS3rver();
});

afterAll(async () => {
  await s3?.stop();
});

function s3rverStore(prefix: string, encryption?: S3Encryption): S3ObjectStore {
  return new S3ObjectStore(s3.storeUrl(prefix), s3.storeOptions(encryption ? { encryption } : {}));
}

describe("S3ObjectStore server-side encryption", () => {
  it("sends SSE-S3 with every PutObject and CopyObject", async () => {
    const store = s3rverStore("sse-s3", { algorithm: "AES256" });
    const sent = captureRequests(store);
    await store.put("raw/a.ndjson", new TextEncoder().encode("{}\n"));
    await store.put("raw/b.ndjson", new TextEncoder().encode("{}\n"), { ifAbsent: true });
    expect(await store.copy("raw/a.ndjson", "landing-done/a.ndjson")).toBe(true);
    const dir = await mkdtemp(join(tmpdir(), "inlet-sse-"));
    await writeFile(join(dir, "merged.parquet"), new Uint8Array([1, 2, 3]));
    await store.putFile("curated/t/merged.parquet", join(dir, "merged.parquet"));
    await rm(dir, { recursive: true, force: true });

    const writes = sent.filter((r) => r.method === "PUT");
    expect(writes.map((r) => r.path)).toEqual([
      `/${s3.bucket}/sse-s3/raw/a.ndjson`,
      `/${s3.bucket}/sse-s3/raw/b.ndjson`,
      `/${s3.bucket}/sse-s3/landing-done/a.ndjson`,
      `/${s3.bucket}/sse-s3/curated/t/merged.parquet`,
    ]);
    expect(writes[2]?.headers["x-amz-copy-source"]).toBeDefined();
    for (const w of writes) {
      expect(w.headers["x-amz-server-side-encryption"]).toBe("AES256");
      expect(w.headers["x-amz-server-side-encryption-aws-kms-key-id"]).toBeUndefined();
    }
    // Reads carry no encryption header (S3 refuses one on GET/HEAD of an SSE-S3 object).
    expect(await store.get("landing-done/a.ndjson")).toEqual(new TextEncoder().encode("{}\n"));
    for (const r of sent.filter((x) => x.method !== "PUT")) {
      expect(r.headers["x-amz-server-side-encryption"]).toBeUndefined();
    }
  });

  it("sends SSE-KMS and the key id with every PutObject and CopyObject, via the factory", async () => {
    const store = createObjectStore(s3.storeUrl("sse-kms"), {
      s3Endpoint: s3.endpoint,
      s3ForcePathStyle: true,
      s3Credentials: s3.credentials,
      s3Encryption: { algorithm: "aws:kms", kmsKeyId: KMS_KEY_ID },
    });
    if (!(store instanceof S3ObjectStore)) throw new Error("expected an S3ObjectStore");
    const sent = captureRequests(store);
    await store.put("curated/t/f.parquet", new Uint8Array([1, 2, 3]));
    await store.copy("curated/t/f.parquet", "curated/t/g.parquet");
    const writes = sent.filter((r) => r.method === "PUT");
    expect(writes).toHaveLength(2);
    for (const w of writes) {
      expect(w.headers["x-amz-server-side-encryption"]).toBe("aws:kms");
      expect(w.headers["x-amz-server-side-encryption-aws-kms-key-id"]).toBe(KMS_KEY_ID);
    }
  });

  it("sends no encryption header when none is configured (the bucket's default applies)", async () => {
    const store = s3rverStore("sse-none");
    const sent = captureRequests(store);
    await store.put("x.ndjson", new Uint8Array([1]));
    await store.copy("x.ndjson", "y.ndjson");
    expect(sent.filter((r) => r.method === "PUT")).toHaveLength(2);
    for (const r of sent) expect(r.headers["x-amz-server-side-encryption"]).toBeUndefined();
    await expect(store.verifyEncryption()).resolves.toBeUndefined();
  });

  it("fails the start check on s3rver, which drops the encryption header", async () => {
    // s3rver 3.7 keeps only a fixed list of metadata headers (S3Object.ALLOWED_METADATA in
    // node_modules/s3rver/lib/models/object.js): x-amz-server-side-encryption is accepted on PUT,
    // not stored and never reported by HEAD — exactly an endpoint that ignores the request.
    const store = s3rverStore("sse-check", { algorithm: "AES256" });
    const caught = await store.verifyEncryption().catch((e: unknown) => e);
    expect(caught).toBeInstanceOf(InletError);
    expect((caught as InletError).code).toBe("INVALID_CONFIG");
    expect((caught as InletError).message).toContain("INLET_S3_SSE");
    expect((caught as InletError).message).toContain("reports no server-side encryption");
    expect((caught as InletError).message).toContain("INLET_S3_SSE=none");
    // The probe does not stay behind.
    const left: string[] = [];
    for await (const o of store.list(ENCRYPTION_PROBE_PREFIX)) left.push(o.key);
    expect(left).toEqual([]);
  });
});

type Reply =
  /** Stores the encryption asked for and reports it, as S3 does (a KMS key id reported as its ARN). */
  | { kind: "honour" }
  /** Accepts the write and reports this encryption whatever was asked. */
  | { kind: "report"; algorithm?: string; kmsKeyId?: string }
  /** Refuses the write with this S3 error. */
  | { kind: "refuse"; status: number; code: string; message: string };

/**
 * A local endpoint speaking just enough of S3's REST API for the start check (PutObject, HeadObject,
 * DeleteObject, path-style): s3rver never reports server-side encryption, so the passing case and
 * the ways S3 itself answers (the object's encryption and KMS key ARN on HEAD; InvalidArgument or
 * KMS.AccessDeniedException on PUT) need an endpoint that does.
 */
async function startSseEndpoint(reply: Reply) {
  const objects = new Map<string, { size: number; algorithm?: string; kmsKeyId?: string }>();
  const puts: IncomingHttpHeaders[] = [];
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const stored = objects.get(path);
    const encryptionHeaders = (o: { algorithm?: string; kmsKeyId?: string }) => ({
      ...(o.algorithm ? { "x-amz-server-side-encryption": o.algorithm } : {}),
      ...(o.kmsKeyId ? { "x-amz-server-side-encryption-aws-kms-key-id": o.kmsKeyId } : {}),
    });
    if (req.method === "PUT") {
      puts.push(req.headers);
      if (reply.kind === "refuse") {
        res.writeHead(reply.status, { "content-type": "application/xml" });
        res.end(
          `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${reply.code}</Code><Message>${reply.message}</Message></Error>`,
        );
        return;
      }
      const asked = req.headers["x-amz-server-side-encryption"];
      const askedKey = req.headers["x-amz-server-side-encryption-aws-kms-key-id"];
      const o =
        reply.kind === "honour"
          ? {
              ...(typeof asked === "string" ? { algorithm: asked } : {}),
              ...(typeof askedKey === "string"
                ? { kmsKeyId: `arn:aws:kms:us-east-1:111122223333:key/${askedKey}` }
                : {}),
            }
          : {
              ...(reply.algorithm ? { algorithm: reply.algorithm } : {}),
              ...(reply.kmsKeyId ? { kmsKeyId: reply.kmsKeyId } : {}),
            };
      objects.set(path, { size: Buffer.concat(chunks).length, ...o });
      res.writeHead(200, { etag: '"0"', ...encryptionHeaders(o) });
      res.end();
      return;
    }
    if (req.method === "HEAD") {
      if (!stored) {
        res.writeHead(404);
        res.end();
        return;
      }
      res.writeHead(200, {
        "content-length": String(stored.size),
        etag: '"0"',
        "last-modified": new Date().toUTCString(),
        ...encryptionHeaders(stored),
      });
      res.end();
      return;
    }
    if (req.method === "DELETE") {
      objects.delete(path);
      res.writeHead(204);
      res.end();
      return;
    }
    res.writeHead(501);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    objects,
    puts,
    store(encryption: S3Encryption) {
      return new S3ObjectStore("s3://lake/inlet", {
        endpoint: `http://127.0.0.1:${port}`,
        region: "us-east-1",
        forcePathStyle: true,
        credentials: { accessKeyId: "test", secretAccessKey: "test" },
        encryption,
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function checkFailure(store: S3ObjectStore): Promise<InletError> {
  const caught = await store.verifyEncryption().catch((e: unknown) => e);
  expect(caught).toBeInstanceOf(InletError);
  expect((caught as InletError).code).toBe("INVALID_CONFIG");
  expect((caught as InletError).message).toMatch(/^INLET_S3_SSE: s3:\/\/lake\/inlet /);
  return caught as InletError;
}

describe("the start check of server-side encryption", () => {
  it("passes when the store reports SSE-S3, and leaves no probe behind", async () => {
    const endpoint = await startSseEndpoint({ kind: "honour" });
    try {
      await endpoint.store({ algorithm: "AES256" }).verifyEncryption();
      expect(endpoint.puts).toHaveLength(1);
      expect(endpoint.puts[0]?.["x-amz-server-side-encryption"]).toBe("AES256");
      expect(endpoint.objects.size).toBe(0);
    } finally {
      await endpoint.close();
    }
  });

  it("passes when the store reports SSE-KMS with the configured key (as its ARN, or the ARN as configured)", async () => {
    const endpoint = await startSseEndpoint({ kind: "honour" });
    try {
      await endpoint.store({ algorithm: "aws:kms", kmsKeyId: KMS_KEY_ID }).verifyEncryption();
      expect(endpoint.puts[0]?.["x-amz-server-side-encryption"]).toBe("aws:kms");
      expect(endpoint.puts[0]?.["x-amz-server-side-encryption-aws-kms-key-id"]).toBe(KMS_KEY_ID);
    } finally {
      await endpoint.close();
    }
    const reporting = await startSseEndpoint({ kind: "report", algorithm: "aws:kms", kmsKeyId: KMS_KEY_ARN });
    try {
      await reporting.store({ algorithm: "aws:kms", kmsKeyId: KMS_KEY_ARN }).verifyEncryption();
      // An alias cannot be resolved to its key without KMS: any key S3 reports passes.
      await reporting.store({ algorithm: "aws:kms", kmsKeyId: "alias/inlet-lake" }).verifyEncryption();
      expect(reporting.objects.size).toBe(0);
    } finally {
      await reporting.close();
    }
  });

  it("fails when the store ignores the request and reports no encryption", async () => {
    const endpoint = await startSseEndpoint({ kind: "report" });
    try {
      const err = await checkFailure(endpoint.store({ algorithm: "AES256" }));
      expect(err.message).toContain("reports no server-side encryption");
      expect(err.message).toContain("server-side encryption AES256 is configured");
      expect(endpoint.objects.size).toBe(0);
    } finally {
      await endpoint.close();
    }
  });

  it("fails when the store reports another encryption or another KMS key", async () => {
    const endpoint = await startSseEndpoint({ kind: "report", algorithm: "AES256" });
    try {
      const err = await checkFailure(endpoint.store({ algorithm: "aws:kms", kmsKeyId: KMS_KEY_ID }));
      expect(err.message).toContain("reports server-side encryption AES256");
      expect(err.message).toContain(`aws:kms with key ${KMS_KEY_ID} is configured`);
    } finally {
      await endpoint.close();
    }
    const otherKey = "arn:aws:kms:us-east-1:111122223333:key/ffffffff-0000-0000-0000-000000000000";
    const other = await startSseEndpoint({ kind: "report", algorithm: "aws:kms", kmsKeyId: otherKey });
    try {
      const err = await checkFailure(other.store({ algorithm: "aws:kms", kmsKeyId: KMS_KEY_ID }));
      expect(err.message).toContain(`with KMS key ${otherKey}`);
    } finally {
      await other.close();
    }
  });

  it("fails with the store's reason when it refuses the encrypted write", async () => {
    const endpoint = await startSseEndpoint({
      kind: "refuse",
      status: 403,
      code: "AccessDenied",
      message: "User is not authorized to perform kms:GenerateDataKey",
    });
    try {
      const err = await checkFailure(endpoint.store({ algorithm: "aws:kms", kmsKeyId: KMS_KEY_ID }));
      expect(err.message).toContain("refused a write with server-side encryption");
      expect(err.message).toContain("kms:GenerateDataKey");
    } finally {
      await endpoint.close();
    }
  });
});
