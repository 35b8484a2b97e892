// LakeReader: every read of lake data for a person — table previews, dead letters and their payloads,
// and the SQL runner to come — goes through here with the caller, so access policies (column rules,
// row filters) have exactly one place to apply.
import type { Logger } from "pino";
import { sqlIdent } from "../adapters/duckdb-sql";
import { InletError } from "../errors";
import type {
  Catalog,
  DeadLetterFilter,
  DeadLetterRecord,
  DeadLetterSummary,
  TableSnapshotView,
} from "../ports/catalog";
import type { QueryEngine, QueryResult, TableBinding } from "../ports/query-engine";

/** Who is reading: the signed-in person and the roles their policies are chosen by. */
export interface Reader {
  userId: string;
  roles: readonly string[];
}

export interface LakeReaderDeps {
  catalog: Catalog;
  engine: QueryEngine;
  logger?: Logger | undefined;
}

export const PREVIEW_MAX_ROWS = 100;

/** A table bound at its current committed snapshot. */
export function bindingOf(view: TableSnapshotView): TableBinding {
  return {
    name: view.name,
    tableId: view.tableId,
    snapshotSeq: view.seq,
    files: view.files.map((f) => ({ key: f.path, bytes: f.bytes, rowCount: f.rowCount })),
    columns: view.columns,
  };
}

export class LakeReader {
  constructor(private readonly deps: LakeReaderDeps) {}

  private note(reader: Reader, what: string, details: Record<string, unknown>): void {
    this.deps.logger?.debug({ userId: reader.userId, roles: reader.roles, ...details }, what);
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
  ): Promise<QueryResult & { snapshotSeq: number }> {
    const view = await this.snapshot(tableName);
    const rows = Math.max(0, Math.min(limit, PREVIEW_MAX_ROWS));
    const newestFirst = [...view.files].sort(
      (a, b) =>
        b.addedSeq - a.addedSeq || (a.partition < b.partition ? 1 : a.partition > b.partition ? -1 : 0),
    );
    const chosen: typeof view.files = [];
    let held = 0;
    for (const f of newestFirst) {
      if (held >= rows && chosen.length > 0) break;
      chosen.push(f);
      held += f.rowCount;
    }
    const binding = bindingOf({ ...view, files: chosen });
    const total = view.files.reduce((n, f) => n + f.rowCount, 0);
    const orderBy = binding.columns?.some((c) => c.name === "_event_time")
      ? " ORDER BY _event_time DESC"
      : "";
    const name = binding.name.split(".").map(sqlIdent).join(".");
    this.note(reader, "table preview", { table: tableName, snapshot: binding.snapshotSeq });
    const result = await this.deps.engine.query({
      sql: `SELECT * FROM ${name}${orderBy} LIMIT ${rows}`,
      tables: [binding],
      maxRows: rows,
    });
    return { ...result, truncated: total > result.rows.length, snapshotSeq: binding.snapshotSeq };
  }

  listDeadLetters(
    reader: Reader,
    filter: DeadLetterFilter,
    page: { cursor?: string | undefined; limit: number },
  ): Promise<{ items: DeadLetterSummary[]; nextCursor: string | undefined }> {
    this.note(reader, "dead letters listed", { filter });
    return this.deps.catalog.listDeadLetters(filter, page);
  }

  countDeadLettersByReason(
    reader: Reader,
    filter: Omit<DeadLetterFilter, "reasonCode">,
  ): Promise<{ reasonCode: string; count: number }[]> {
    this.note(reader, "dead letter reasons counted", { filter });
    return this.deps.catalog.countDeadLettersByReason(filter);
  }

  /** One letter with its payload (cut at maxPayloadChars when given), or NOT_FOUND. */
  async deadLetter(
    reader: Reader,
    id: string,
    opts: { maxPayloadChars?: number } = {},
  ): Promise<DeadLetterRecord> {
    const letter = await this.deps.catalog.getDeadLetter(id, opts);
    if (!letter) throw new InletError("NOT_FOUND", `No dead letter with id '${id}'`);
    this.note(reader, "dead letter read", { deadLetterId: id, source: letter.source });
    return letter;
  }
}
