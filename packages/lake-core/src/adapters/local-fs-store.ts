// LocalFsObjectStore: the embedded ObjectStore, one file per key under a root directory.

import { randomUUID } from "node:crypto";
import { constants as fsConstants } from "node:fs";
import {
  copyFile,
  type FileHandle,
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rmdir,
  stat,
  unlink,
} from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { InletError } from "../errors";
import type { ObjectInfo, ObjectStore, PutOptions } from "../ports/object-store";
import { compareKeys, TEMP_FILE_PREFIX, validateObjectKey, validateObjectPrefix } from "./object-key";

function errnoCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err ? String(err.code) : undefined;
}

const MISSING = new Set(["ENOENT", "ENOTDIR", "EISDIR"]);
/** The file system has no room (or the user's quota is spent): nothing is wrong with the object. */
const NO_SPACE = new Set(["ENOSPC", "EDQUOT"]);

/**
 * True for a write the lake's disk had no room for (ENOSPC, EDQUOT). It is UNAVAILABLE: the ingest
 * API answers 503 with Retry-After, and the worker waits for space rather than failing its batches.
 */
export function isDiskFull(err: unknown): boolean {
  return err instanceof InletError && err.code === "UNAVAILABLE" && err.details?.reason === "disk_full";
}

/** A write's error as the port reports it: out of space is UNAVAILABLE, anything else as it was. */
function writeError(err: unknown, key: string): unknown {
  const code = errnoCode(err);
  if (code === undefined || !NO_SPACE.has(code)) return err;
  const e = new InletError("UNAVAILABLE", `the lake's disk has no room left to write ${key} (${code})`, {
    part: "the object store",
    reason: "disk_full",
    errno: code,
    key,
  });
  e.cause = err;
  return e;
}

export interface LocalFsStoreOptions {
  /**
   * fsync file and directory on put (default true): the ingest API answers 202 only once the raw
   * object would survive a power cut. Tests of other stages may turn it off for speed.
   */
  fsync?: boolean;
}

export class LocalFsObjectStore implements ObjectStore {
  readonly url: string;
  readonly rootDir: string;
  private readonly fsync: boolean;

  constructor(rootDir: string, opts: LocalFsStoreOptions = {}) {
    this.rootDir = resolve(rootDir);
    this.url = pathToFileURL(this.rootDir).href;
    this.fsync = opts.fsync ?? true;
  }

  private pathOf(key: string): string {
    validateObjectKey(key);
    return join(this.rootDir, ...key.split("/"));
  }

  put(key: string, body: Uint8Array, opts: PutOptions = {}): Promise<void> {
    return this.putBytes(key, body, opts).catch((err: unknown) => {
      throw writeError(err, key);
    });
  }

  putFile(key: string, path: string, opts: PutOptions = {}): Promise<void> {
    return this.putBytes(key, { file: path }, opts).catch((err: unknown) => {
      throw writeError(err, key);
    });
  }

  private async putBytes(key: string, body: Uint8Array | { file: string }, opts: PutOptions): Promise<void> {
    const target = this.pathOf(key);
    const dir = dirname(target);
    const tmp = join(dir, `${TEMP_FILE_PREFIX}${randomUUID()}`);
    const created = await this.writeTemp(dir, tmp, body, key);
    try {
      if (opts.ifAbsent) {
        // link() never replaces an existing name, so of two racing writers exactly one wins.
        try {
          await link(tmp, target);
        } catch (err) {
          if (errnoCode(err) === "EEXIST") {
            throw new InletError("OBJECT_EXISTS", `object already exists: ${key}`, { key });
          }
          throw err;
        }
        await unlink(tmp);
      } else {
        await rename(tmp, target).catch((err: unknown) => {
          if (errnoCode(err) === "EISDIR") {
            throw new InletError("CONFLICT", `key names a directory of other objects: ${key}`, { key });
          }
          throw err;
        });
      }
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    if (this.fsync) {
      await this.syncDirectory(dir);
      // Directories mkdir created for this put (e.g. the first raw/<slug>/dt=YYYY-MM-DD/ of a day) are
      // entries of their parents, which must be durable too: sync each one up to the pre-existing parent.
      if (created !== undefined) {
        for (let d = dirname(dir); d.length >= created.length && d !== dirname(d); d = dirname(d)) {
          await this.syncDirectory(d);
        }
        await this.syncDirectory(dirname(created));
      }
    }
  }

  /** fsyncs a directory so the entries in it survive a power cut. */
  protected syncDirectory(dir: string): Promise<void> {
    return fsyncDirectory(dir);
  }

  /** Writes the temp file; returns the outermost directory mkdir had to create, if any. */
  private async writeTemp(
    dir: string,
    tmp: string,
    body: Uint8Array | { file: string },
    key: string,
  ): Promise<string | undefined> {
    let created: string | undefined;
    // A concurrent delete may remove an emptied parent directory between mkdir and open: retry.
    for (let attempt = 0; ; attempt++) {
      try {
        const first = await mkdir(dir, { recursive: true });
        if (first !== undefined && (created === undefined || first.length < created.length)) created = first;
      } catch (err) {
        const code = errnoCode(err);
        if (code === "EEXIST" || code === "ENOTDIR") {
          throw new InletError("CONFLICT", `a parent of key ${key} is an existing object`, { key });
        }
        throw err;
      }
      let handle: FileHandle;
      try {
        handle = await open(tmp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o644);
      } catch (err) {
        if (errnoCode(err) === "ENOENT" && attempt < 5) continue;
        throw err;
      }
      try {
        if (body instanceof Uint8Array) await handle.writeFile(body);
        else await copyInto(handle, body.file);
        if (this.fsync) await handle.sync();
      } catch (err) {
        await handle.close().catch(() => undefined);
        await unlink(tmp).catch(() => undefined);
        throw err;
      }
      await handle.close();
      return created;
    }
  }

  copy(from: string, to: string): Promise<boolean> {
    return this.copyObject(from, to).catch((err: unknown) => {
      throw writeError(err, to);
    });
  }

  private async copyObject(from: string, to: string): Promise<boolean> {
    const source = this.pathOf(from);
    const target = this.pathOf(to);
    const dir = dirname(target);
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `${TEMP_FILE_PREFIX}${randomUUID()}`);
    try {
      // A clone where the file system can (no bytes copied), else a kernel-side copy.
      await copyFile(source, tmp, fsConstants.COPYFILE_FICLONE);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      if (MISSING.has(errnoCode(err) ?? "")) return false;
      throw err;
    }
    try {
      if (this.fsync) {
        const handle = await open(tmp, "r");
        await handle.sync().finally(() => handle.close());
      }
      await rename(tmp, target);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    if (this.fsync) await this.syncDirectory(dir);
    return true;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const path = this.pathOf(key);
    try {
      return new Uint8Array(await readFile(path));
    } catch (err) {
      if (MISSING.has(errnoCode(err) ?? "")) return undefined;
      throw err;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const path = this.pathOf(key);
    try {
      const st = await stat(path);
      if (!st.isFile()) return undefined;
      return { key, size: st.size, lastModified: st.mtime };
    } catch (err) {
      if (MISSING.has(errnoCode(err) ?? "")) return undefined;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    validateObjectPrefix(prefix);
    // Start at the deepest directory the prefix fully names; filter the rest by string prefix.
    const slash = prefix.lastIndexOf("/");
    const dirKey = slash >= 0 ? prefix.slice(0, slash + 1) : "";
    yield* this.walk(dirKey, prefix);
  }

  private async *walk(dirKey: string, prefix: string): AsyncGenerator<ObjectInfo> {
    const dirPath = dirKey === "" ? this.rootDir : join(this.rootDir, ...dirKey.slice(0, -1).split("/"));
    let entries: { name: string; isDir: boolean; isFile: boolean }[];
    try {
      entries = (await readdir(dirPath, { withFileTypes: true })).map((e) => ({
        name: e.name,
        isDir: e.isDirectory(),
        isFile: e.isFile(),
      }));
    } catch (err) {
      if (MISSING.has(errnoCode(err) ?? "")) return;
      throw err;
    }
    // Sorting a directory as "name/" keeps global key order: "a-c" < "a/b" because "-" < "/".
    const sortable = entries
      .filter((e) => (e.isDir || e.isFile) && !e.name.startsWith(TEMP_FILE_PREFIX))
      .map((e) => ({ ...e, key: dirKey + e.name + (e.isDir ? "/" : "") }))
      .sort((a, b) => compareKeys(a.key, b.key));
    for (const entry of sortable) {
      if (entry.isDir) {
        if (entry.key.startsWith(prefix) || prefix.startsWith(entry.key)) yield* this.walk(entry.key, prefix);
        continue;
      }
      if (!entry.key.startsWith(prefix)) continue;
      try {
        const st = await stat(join(dirPath, entry.name));
        yield { key: entry.key, size: st.size, lastModified: st.mtime };
      } catch (err) {
        // Deleted between readdir and stat: it is simply no longer listed.
        if (!MISSING.has(errnoCode(err) ?? "")) throw err;
      }
    }
  }

  async delete(keys: string[]): Promise<void> {
    const paths = keys.map((key) => this.pathOf(key));
    for (const path of paths) {
      try {
        await unlink(path);
      } catch (err) {
        if (MISSING.has(errnoCode(err) ?? "")) continue;
        throw err;
      }
      await this.removeEmptyParents(dirname(path));
    }
  }

  /**
   * Retention deletes whole partitions; without this their empty directories would pile up. A zone's
   * directory and its per-source directories (`landing/orders/`) stay: people drop files into them.
   */
  private async removeEmptyParents(dir: string): Promise<void> {
    let current = dir;
    while (
      current.startsWith(this.rootDir + sep) &&
      current.slice(this.rootDir.length + 1).split(sep).length > 2
    ) {
      try {
        await rmdir(current);
      } catch {
        return;
      }
      current = dirname(current);
    }
  }

  async localPath(key: string): Promise<string> {
    const path = this.pathOf(key);
    if (!(await this.head(key))) throw new InletError("NOT_FOUND", `object not found: ${key}`, { key });
    return path;
  }
}

async function fsyncDirectory(dir: string): Promise<void> {
  // The rename is durable only once the directory entry is; some filesystems refuse, which is fine.
  const handle = await open(dir, fsConstants.O_RDONLY).catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // EINVAL/EBADF on filesystems without directory fsync: nothing more can be done.
  } finally {
    await handle.close();
  }
}

/** Appends a file's bytes to an open handle, 1 MiB at a time. */
async function copyInto(target: FileHandle, path: string): Promise<void> {
  const source = await open(path, "r");
  try {
    const chunk = Buffer.allocUnsafe(2 ** 20);
    for (;;) {
      const { bytesRead } = await source.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) return;
      let written = 0;
      while (written < bytesRead) {
        written += (await target.write(chunk, written, bytesRead - written)).bytesWritten;
      }
    }
  } finally {
    await source.close();
  }
}
