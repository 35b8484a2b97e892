// Type declarations for s3rver 3.7 (it ships none): only the surface the test helpers use.

declare module "s3rver" {
  import type { EventEmitter } from "node:events";
  import type { AddressInfo } from "node:net";

  export interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    vhostBuckets?: boolean;
    allowMismatchedSignatures?: boolean;
    serviceEndpoint?: string;
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
  }

  export interface S3rverStoredObject {
    key: string;
    size: number;
    lastModifiedDate: Date;
    metadata: Record<string, string>;
  }

  export interface S3rverStore {
    getBucket(name: string): Promise<unknown>;
    putBucket(name: string): Promise<unknown>;
    listObjects(
      bucket: string,
      options: { prefix?: string; delimiter?: string; startAfter?: string; maxKeys?: number },
    ): Promise<{ objects: S3rverStoredObject[]; commonPrefixes: string[]; isTruncated: boolean }>;
  }

  export interface S3rverContext {
    req: import("node:http").IncomingMessage;
    /** The response's content type. */
    type: string;
    method: string;
    path: string;
    query: Record<string, string | string[] | undefined>;
    body: unknown;
    status: number;
  }

  export type S3rverMiddleware = (ctx: S3rverContext, next: () => Promise<void>) => unknown;

  export default class S3rver extends EventEmitter {
    constructor(options?: S3rverOptions);
    readonly store: S3rverStore;
    /** Koa's middleware stack, composed when run() starts listening. */
    middleware: S3rverMiddleware[];
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    reset(): void;
  }
}
