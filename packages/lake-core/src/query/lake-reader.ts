// LakeReader: every read of lake data for a person — the SQL runner, saved queries, CSV downloads,
// table previews, a source's latest events, dead letters and their payloads — goes through here with
// the caller, so access policies (column rules, row filters) have exactly one place to apply, and
// every read is recorded in query history.
import { sqlIdent, sqlString } from "../adapters/duckdb-sql";
import { curatedTableName } from "../catalog";
import { InletError } from "../errors";
import type { TableAccess, TablePolicies } from "../ports/access-policy";
import type {
  DeadLetterFilter,
  DeadLetterGroupOptions,
  DeadLetterGroupPage,
  DeadLetterRecord,
  DeadLetterSummary,
  TableSnapshotView,
  VisibleFile,
} from "../ports/catalog";
import type { QueryResult, TableBinding } from "../ports/query-engine";
import type { QueryRunPath } from "../ports/query-history";
import { hiddenColumns } from "./access-rules";
import { readableSample, SAMPLE_READ_CHARS, searchRefused } from "./dead-letter-reads";
import { maskPayload, readableReason } from "./mask-record";
import {
  type CsvRunResult,
  type EstimateResult,
  policySummary,
  QueryRuns,
  type QueryRunsDeps,
  type Reader,
  type RunQueryInput,
  type RunQueryResult,
} from "./query-runs";
import type { QueryParameterInput } from "./sql-parameters";

export type { Reader } from "./query-runs";

/** What a LakeReader needs: its QueryRuns' own (every run of every read path is recorded in `history`). */
export type LakeReaderDeps = QueryRunsDeps & {
  /** The key hash rules use on payloads (the engine holds the same one for SQL); kept out of the database. */
  policyHashKey?: Uint8Array | undefined;
};

export const PREVIEW_MAX_ROWS = 100;

/** The most latest events one call returns. */
export const LATEST_EVENTS_MAX_ROWS = 50;

/** How many of a table's newest files recentEvent looks in. */
export const EVENT_LOOKUP_FILES = 32;

/** Files newest first: by the snapshot that added them, then by partition, latest first. */
function newestFirst(files: readonly VisibleFile[]): VisibleFile[] {
  return [...files].sort(
    (a, b) => b.addedSeq - a.addedSeq || (a.partition < b.partition ? 1 : a.partition > b.partition ? -1 : 0),
  );
}

/** The newest files that together hold at least `rows` rows (at least one file, when there is any). */
function newestFiles(files: readonly VisibleFile[], rows: number): VisibleFile[] {
  const chosen: VisibleFile[] = [];
  let held = 0;
  for (const f of newestFirst(files)) {
    if (held >= rows && chosen.length > 0) break;
    chosen.push(f);
    held += f.rowCount;
  }
  return chosen;
}

/** The letter with its payload cut at `max` characters (code points), when given. */
function cutPayload(letter: DeadLetterRecord, max: number | undefined): DeadLetterRecord {
  if (max === undefined) return { ...letter, payloadTruncated: false };
  const chars = Array.from(letter.payload);
  if (chars.length <= max) return { ...letter, payloadTruncated: false };
  return { ...letter, payload: chars.slice(0, max).join(""), payloadTruncated: true };
}

/** A table bound at its current committed snapshot (read under `access` when given). */
export function bindingOf(view: TableSnapshotView, access?: TableAccess): TableBinding {
  return {
    ...(access ? { access } : {}),
    name: view.name,
    tableId: view.tableId,
    snapshotSeq: view.seq,
    files: view.files.map((f) => ({
      key: f.path,
      bytes: f.bytes,
      rowCount: f.rowCount,
      columnStats: f.columnStats,
    })),
    columns: view.columns,
  };
}

export class LakeReader {
  private readonly runs: QueryRuns;

  constructor(private readonly deps: LakeReaderDeps) {
    this.runs = new QueryRuns(deps);
  }

  private note(reader: Reader, what: string, details: Record<string, unknown>): void {
    this.deps.logger?.debug({ userId: reader.userId, roles: reader.roles, ...details }, what);
  }

  /**
   * Runs a person's SQL ({{name}} parameters bound as typed values) over the tables it names at their
   * current snapshot: guarded, estimated, held to the person's budgets, time limit and concurrency
   * bound, and recorded in query history however it ends.
   */
  runQuery(reader: Reader, input: RunQueryInput): Promise<RunQueryResult> {
    return this.runs.run(reader, input);
  }

  /** runQuery's whole result as a CSV stream (path "csv"): the same guard, budgets and history. */
  exportCsv(reader: Reader, input: Omit<RunQueryInput, "maxRows" | "path">): Promise<CsvRunResult> {
    return this.runs.exportCsv(reader, input);
  }

  /** What a query would read and cost, and whether the person's budgets allow it; runs nothing. */
  estimate(
    reader: Reader,
    input: { sql: string; params?: Record<string, QueryParameterInput> | undefined },
  ): Promise<EstimateResult> {
    return this.runs.estimate(reader, input);
  }

  /** Cancels a running query: the person's own, or anyone's with `any` (admins). */
  cancelRun(reader: Reader, runId: string, opts: { any: boolean }): "cancelled" | "not_found" | "pending" {
    return this.runs.cancel(reader, runId, opts);
  }

  /** A read of the engine, recorded as a run of its path with the SQL it ran. */
  private recordedQuery(
    reader: Reader,
    path: QueryRunPath,
    req: { sql: string; tables: TableBinding[]; maxRows: number },
  ): Promise<QueryResult> {
    return this.runs.record(
      reader,
      {
        path,
        sql: req.sql,
        tables: req.tables.map((t) => {
          const policy = policySummary(t.access);
          return { name: t.name, snapshotSeq: t.snapshotSeq, ...(policy ? { policy } : {}) };
        }),
      },
      async (signal) => {
        const result = await this.deps.engine.query({ ...req, signal });
        return { value: result, rowCount: result.rows.length, bytesScanned: result.bytesScanned };
      },
    );
  }

  /** A read of the catalog (dead letters), recorded as a run with what it read. */
  private recordedRead<T>(reader: Reader, sql: string, read: () => Promise<T>, rows: (value: T) => number) {
    return this.runs.record(reader, { path: "dead_letters", sql, engine: "catalog" }, async () => {
      const value = await read();
      return { value, rowCount: rows(value) };
    });
  }

  private async snapshot(tableName: string): Promise<TableSnapshotView> {
    const view = await this.deps.catalog.tableSnapshot(tableName);
    if (!view) throw new InletError("NOT_FOUND", `No table named '${tableName}'`);
    return view;
  }

  /** The table bound at its current snapshot, or NOT_FOUND. */
  async bind(tableName: string): Promise<TableBinding> {
    return bindingOf(await this.snapshot(tableName));
  }

  /**
   * The newest rows of a table's current snapshot (at most PREVIEW_MAX_ROWS): read from its newest
   * files only, enough of them to hold the rows asked for, so a preview of a large table stays cheap.
   */
  async previewTable(
    reader: Reader,
    tableName: string,
    limit = PREVIEW_MAX_ROWS,
    /** Policies to read the table under instead of its stored ones (a draft previewed before it is saved). */
    opts: { policies?: TablePolicies | undefined } = {},
  ): Promise<QueryResult & { snapshotSeq: number }> {
    const view = await this.snapshot(tableName);
    const rows = Math.max(0, Math.min(limit, PREVIEW_MAX_ROWS));
    this.note(reader, "table preview", { table: tableName, snapshot: view.seq });
    return this.readNewest(
      reader,
      "preview",
      view,
      newestFiles(view.files, rows),
      ["_event_time"],
      rows,
      opts.policies,
    );
  }

  /** What the reader may see of the table (undefined: nothing restricted), under `policies` when given. */
  async accessTo(
    reader: Reader,
    view: TableSnapshotView,
    policies?: TablePolicies,
  ): Promise<TableAccess | undefined> {
    const override = policies ? new Map([[view.tableId, policies]]) : undefined;
    return (await this.runs.accessOf(reader, [view], override)).get(view.tableId);
  }

  /** What the reader may see of the named table, or undefined when nothing restricts it (or it does not exist). */
  async accessToTable(reader: Reader, tableName: string): Promise<TableAccess | undefined> {
    const view = await this.deps.catalog.tableSnapshot(tableName);
    return view ? this.accessTo(reader, view) : undefined;
  }

  /**
   * A table's latest events as they landed (at most LATEST_EVENTS_MAX_ROWS), newest ingested first
   * (then newest event time), from its newest files as previewTable chooses them.
   */
  async latestEvents(
    reader: Reader,
    tableName: string,
    limit = LATEST_EVENTS_MAX_ROWS,
  ): Promise<QueryResult & { snapshotSeq: number }> {
    const view = await this.snapshot(tableName);
    const rows = Math.max(0, Math.min(limit, LATEST_EVENTS_MAX_ROWS));
    this.note(reader, "latest events", { table: tableName, snapshot: view.seq });
    return this.readNewest(
      reader,
      "latest_events",
      view,
      newestFiles(view.files, rows),
      ["_ingested_at", "_event_time"],
      rows,
    );
  }

  /**
   * One event of a table by its id, as it landed; looked for in the table's EVENT_LOOKUP_FILES newest
   * files, where an event that was just committed is (an older one may be missed: this is no search).
   */
  async recentEvent(
    reader: Reader,
    tableName: string,
    eventId: string,
  ): Promise<{
    columns: QueryResult["columns"];
    row: Record<string, unknown> | undefined;
    snapshotSeq: number;
  }> {
    const view = await this.snapshot(tableName);
    const files = newestFirst(view.files).slice(0, EVENT_LOOKUP_FILES);
    const binding = bindingOf({ ...view, files }, await this.accessTo(reader, view));
    const name = binding.name.split(".").map(sqlIdent).join(".");
    this.note(reader, "event read", { table: tableName, snapshot: view.seq, eventId });
    const result = await this.recordedQuery(reader, "event", {
      sql: `SELECT * FROM ${name} WHERE _event_id = ${sqlString(eventId)} LIMIT 1`,
      tables: [binding],
      maxRows: 1,
    });
    return { columns: result.columns, row: result.rows[0], snapshotSeq: view.seq };
  }

  /** The rows of the chosen files, newest first by the first of `orderBy` the table has. */
  private async readNewest(
    reader: Reader,
    path: QueryRunPath,
    view: TableSnapshotView,
    files: VisibleFile[],
    orderBy: string[],
    rows: number,
    policies?: TablePolicies,
  ): Promise<QueryResult & { snapshotSeq: number }> {
    const binding = bindingOf({ ...view, files }, await this.accessTo(reader, view, policies));
    const total = view.files.reduce((n, f) => n + f.rowCount, 0);
    const hidden = hiddenColumns(binding.access);
    const present = orderBy.filter((c) => !hidden.has(c) && binding.columns?.some((col) => col.name === c));
    const order =
      present.length > 0 ? ` ORDER BY ${present.map((c) => `${sqlIdent(c)} DESC`).join(", ")}` : "";
    const name = binding.name.split(".").map(sqlIdent).join(".");
    const result = await this.recordedQuery(reader, path, {
      sql: `SELECT * FROM ${name}${order} LIMIT ${rows}`,
      tables: [binding],
      maxRows: rows,
    });
    return { ...result, truncated: total > result.rows.length, snapshotSeq: binding.snapshotSeq };
  }

  async listDeadLetters(
    reader: Reader,
    filter: DeadLetterFilter,
    page: { cursor?: string | undefined; limit: number },
  ): Promise<{ items: DeadLetterSummary[]; nextCursor: string | undefined; searchExcluded?: string[] }> {
    this.note(reader, "dead letters listed", { filter });
    const scope = await this.payloadSearchScope(reader, filter);
    const listed = await this.recordedRead(
      reader,
      `-- dead letters listed: ${JSON.stringify({ ...filter, cursor: page.cursor, limit: page.limit })}`,
      async () => {
        const found = await this.deps.catalog.listDeadLetters(scope.filter, page);
        // A reason quotes the value at its path: left out where the reader's column rules hide it.
        const slugs = [...new Set(found.items.flatMap((l) => (l.source === null ? [] : [l.source])))];
        const access = await this.accessBySource(reader, slugs);
        const items = found.items.map((l) => ({
          ...l,
          reason: readableReason(l.reason, l.path, l.source === null ? undefined : access.get(l.source)),
        }));
        return { ...found, items };
      },
      (p) => p.items.length,
    );
    return filter.search === undefined ? listed : { ...listed, searchExcluded: scope.excluded };
  }

  /**
   * The letters matching the filter grouped by cause, each group's sample payload under the reader's
   * column rules (as deadLetter shows a payload), cut for a preview; a payload search as
   * payloadSearchScope allows it, with the slugs of the sources it left out.
   */
  async deadLetterGroups(
    reader: Reader,
    filter: DeadLetterFilter,
    opts: Omit<DeadLetterGroupOptions, "maxSampleChars">,
  ): Promise<DeadLetterGroupPage & { searchExcluded: string[] }> {
    this.note(reader, "dead letters grouped", { filter });
    const scope = await this.payloadSearchScope(reader, filter);
    return this.recordedRead(
      reader,
      `-- dead letter groups: ${JSON.stringify({ ...filter, sort: opts.sort, limit: opts.limit })}`,
      async () => {
        const page = await this.deps.catalog.deadLetterGroups(scope.filter, {
          ...opts,
          maxSampleChars: SAMPLE_READ_CHARS,
        });
        const slugs = [...new Set(page.groups.flatMap((g) => (g.source === null ? [] : [g.source])))];
        const access = await this.accessBySource(reader, slugs);
        const groups = page.groups.map((g) => {
          const rules = g.source === null ? undefined : access.get(g.source);
          const sample = { ...g.sample, reason: readableReason(g.sample.reason, g.path, rules) };
          return { ...g, sample: readableSample(sample, rules, this.deps.policyHashKey) };
        });
        return { ...page, groups, searchExcluded: scope.excluded };
      },
      (p) => p.groups.length,
    );
  }

  /** What the reader may see of each source's curated table, by slug (undefined: nothing restricts it). */
  private async accessBySource(
    reader: Reader,
    slugs: readonly string[],
  ): Promise<Map<string, TableAccess | undefined>> {
    const byTable = await this.accessToTables(reader, slugs.map(curatedTableName));
    return new Map(slugs.map((s) => [s, byTable.get(curatedTableName(s))]));
  }

  /** What the reader may see of each named table (undefined: nothing restricts it), with one policy read. */
  async accessToTables(
    reader: Reader,
    tableNames: readonly string[],
  ): Promise<Map<string, TableAccess | undefined>> {
    const views = await Promise.all(tableNames.map((n) => this.deps.catalog.tableSnapshot(n)));
    const found = views.filter((v): v is TableSnapshotView => v !== undefined);
    const access = await this.runs.accessOf(reader, found);
    return new Map(tableNames.map((n, i) => [n, views[i] ? access.get(views[i].tableId) : undefined]));
  }

  /**
   * A payload search limited to letters the reader may search (see dead-letter-reads.ts for why): a
   * source whose table the reader's rules restrict is refused when the filter names it, and left out
   * (its slug in `excluded`) when the filter spans every source.
   */
  private async payloadSearchScope(
    reader: Reader,
    filter: DeadLetterFilter,
  ): Promise<{ filter: DeadLetterFilter; excluded: string[] }> {
    if (filter.search === undefined || filter.sourceId === null) return { filter, excluded: [] };
    if (filter.sourceId !== undefined) {
      const source = await this.deps.catalog.getSource(filter.sourceId);
      if (source && (await this.accessBySource(reader, [source.slug])).get(source.slug)) {
        throw searchRefused(source.slug);
      }
      return { filter, excluded: [] };
    }
    const sources = await this.deps.catalog.listSources();
    const access = await this.accessBySource(
      reader,
      sources.map((s) => s.slug),
    );
    const restricted = sources.filter((s) => access.get(s.slug) !== undefined);
    if (restricted.length === 0) return { filter, excluded: [] };
    return {
      filter: {
        ...filter,
        excludeSourceIds: [...(filter.excludeSourceIds ?? []), ...restricted.map((s) => s.id)],
      },
      excluded: restricted.map((s) => s.slug).sort(),
    };
  }

  /**
   * Counts per reason hold no event data (the source page polls them every few seconds), so unlike
   * every other read here they are not recorded in query history.
   */
  async countDeadLettersByReason(
    reader: Reader,
    filter: Omit<DeadLetterFilter, "reasonCode">,
  ): Promise<{ reasonCode: string; count: number }[]> {
    this.note(reader, "dead letter reasons counted", { filter });
    // Counts of a payload search tell what payloads hold: only where the reader may search.
    const scope = await this.payloadSearchScope(reader, filter);
    return this.deps.catalog.countDeadLettersByReason(scope.filter);
  }

  /** One letter with its payload (cut at maxPayloadChars when given), or NOT_FOUND. */
  async deadLetter(
    reader: Reader,
    id: string,
    opts: { maxPayloadChars?: number } = {},
  ): Promise<DeadLetterRecord> {
    const letter = await this.recordedRead(
      reader,
      `-- dead letter read: ${JSON.stringify(id)}`,
      async () => {
        // A letter's payload is matched to its source's table's columns; masking needs all of it.
        const found = await this.deps.catalog.getDeadLetter(id);
        if (!found) throw new InletError("NOT_FOUND", `No dead letter with id '${id}'`);
        const access = found.source
          ? await this.accessToTable(reader, curatedTableName(found.source))
          : undefined;
        const payload = access ? maskPayload(found.payload, access, this.deps.policyHashKey) : found.payload;
        return cutPayload(
          {
            ...found,
            reason: readableReason(found.reason, found.path, access),
            payload,
            payloadChars: Array.from(payload).length,
            payloadMasked: access !== undefined,
          },
          opts.maxPayloadChars,
        );
      },
      () => 1,
    );
    this.note(reader, "dead letter read", { deadLetterId: id, source: letter.source });
    return letter;
  }
}
