// The ObjectStore port: where raw batches, curated Parquet and landing files live.

export interface ObjectInfo {
  key: string;
  size: number;
  lastModified: Date;
}

export interface PutOptions {
  /** Fail with OBJECT_EXISTS instead of overwriting an existing object. */
  ifAbsent?: boolean;
  contentType?: string;
}

/** Objects under `prefix` move to a colder storage class once `days` old. */
export interface ArchiveRule {
  /** Stable name of the rule, e.g. "raw/orders"; rules are matched to what the store holds by it. */
  name: string;
  prefix: string;
  days: number;
}

export interface ObjectStore {
  /** A URL naming the store, e.g. file:///abs/dir or s3://bucket/prefix (for logs and the console). */
  readonly url: string;
  /** Durable when the promise resolves; readers never see a partial object. */
  put(key: string, body: Uint8Array, opts?: PutOptions): Promise<void>;
  /**
   * Like put, with the bytes of a local file, read as they are written: a large file (a merged
   * Parquet file) is never held in this process's memory whole.
   */
  putFile(key: string, path: string, opts?: PutOptions): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Every object whose key starts with prefix, in key order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  delete(keys: string[]): Promise<void>;
  /**
   * Copies an object to another key (replacing what is there) without passing its bytes through this
   * process; false when there is no object at `from`. Durable and whole when the promise resolves.
   */
  copy(from: string, to: string): Promise<boolean>;
  /**
   * A local file path holding the object's bytes, for engines that read files (DuckDB).
   * The local store returns its own path; remote stores download to a cache directory.
   */
  localPath(key: string): Promise<string>;
  /**
   * Makes Inlet's archive rules exactly these (other rules on the store stay as they are); returns
   * whether anything changed. Absent on stores without storage classes (a local folder).
   */
  setArchiveRules?(rules: ArchiveRule[]): Promise<{ changed: boolean }>;
}
