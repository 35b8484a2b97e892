// createObjectStore: picks the ObjectStore adapter from INLET_LAKE_URL (file:// or s3://).

import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TransitionStorageClass } from "@aws-sdk/client-s3";
import { InletError } from "../errors";
import type { ObjectStore } from "../ports/object-store";
import { LocalFsObjectStore } from "./local-fs-store";
import { type S3Credentials, type S3Encryption, S3ObjectStore } from "./s3-store";

export interface ObjectStoreFactoryOptions {
  s3Endpoint?: string;
  s3ForcePathStyle?: boolean;
  s3Region?: string;
  /** Omit to use the AWS SDK's default credential chain. */
  s3Credentials?: S3Credentials;
  /** Download cache for s3:// stores (localPath). */
  cacheDir?: string;
  /** Directory that file://./relative URLs are resolved against; default process.cwd(). */
  baseDir?: string;
  /** fsync on put for file:// stores; default true. */
  fsync?: boolean;
  /** Storage class raw objects are archived to on s3:// stores (default GLACIER_IR). */
  s3ArchiveStorageClass?: TransitionStorageClass;
  /** Server-side encryption of every object an s3:// store writes; unset asks for none. */
  s3Encryption?: S3Encryption;
}

const ACCEPTED = "INLET_LAKE_URL must be file://./relative/dir, file:///absolute/dir or s3://bucket[/prefix]";

function invalid(url: string, why?: string): InletError {
  return new InletError("INVALID_CONFIG", `${ACCEPTED}; got "${url}"${why ? ` (${why})` : ""}`, {
    env: "INLET_LAKE_URL",
  });
}

function localDirectory(url: string, baseDir: string): string {
  const rest = url.slice("file://".length);
  if (rest.startsWith("/")) {
    try {
      return fileURLToPath(url);
    } catch (err) {
      throw invalid(url, err instanceof Error ? err.message : undefined);
    }
  }
  // new URL() would read "file://./x" as host ".", so relative forms are parsed by hand.
  if (rest === "." || rest === ".." || rest.startsWith("./") || rest.startsWith("../")) {
    return resolve(baseDir, decodeURIComponent(rest));
  }
  throw invalid(url, "a file URL with a host is not supported");
}

export function createObjectStore(url: string, opts: ObjectStoreFactoryOptions = {}): ObjectStore {
  const trimmed = url.trim();
  if (trimmed.startsWith("file://")) {
    const dir = localDirectory(trimmed, opts.baseDir ?? process.cwd());
    return new LocalFsObjectStore(dir, opts.fsync === undefined ? {} : { fsync: opts.fsync });
  }
  if (trimmed.startsWith("s3://")) {
    try {
      return new S3ObjectStore(trimmed, {
        ...(opts.s3Endpoint ? { endpoint: opts.s3Endpoint } : {}),
        ...(opts.s3Region ? { region: opts.s3Region } : {}),
        ...(opts.s3ForcePathStyle !== undefined ? { forcePathStyle: opts.s3ForcePathStyle } : {}),
        ...(opts.s3Credentials ? { credentials: opts.s3Credentials } : {}),
        ...(opts.s3ArchiveStorageClass ? { archiveStorageClass: opts.s3ArchiveStorageClass } : {}),
        ...(opts.s3Encryption ? { encryption: opts.s3Encryption } : {}),
        ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}),
      });
    } catch (err) {
      if (err instanceof InletError) throw invalid(url, err.message);
      throw err;
    }
  }
  throw invalid(url);
}
