// Lake tables as people see them: a table's first rows at its current snapshot, read through the
// LakeReader with the person reading.
import type { LakeReader } from "@inlet/lake-core";
import type { Actor } from "../auth/session";

export class TablesService {
  constructor(private readonly lake: LakeReader) {}

  async preview(actor: Actor, table: string) {
    const result = await this.lake.previewTable({ userId: actor.id, roles: actor.roles }, table);
    return {
      table,
      snapshot: result.snapshotSeq,
      columns: result.columns,
      rows: result.rows,
      truncated: result.truncated,
      bytesScanned: result.bytesScanned,
    };
  }
}
