// Query history and budgets held in memory, for tests of the read path and of what it records.
import { randomUUID } from "node:crypto";
import type {
  QueryBudgetSource,
  QueryRunOutcome,
  QueryRunRecorder,
  QueryRunStart,
  RoleBudget,
} from "../ports/query-history";

export type RecordedRun = QueryRunStart & { id: string } & (
    | { status: "running" }
    | ({ status: QueryRunOutcome["status"] } & Omit<QueryRunOutcome, "status">)
  );

export class MemoryQueryHistory implements QueryRunRecorder, QueryBudgetSource {
  readonly runs: RecordedRun[] = [];
  readonly budgets = new Map<string, RoleBudget>();

  async start(run: QueryRunStart): Promise<string> {
    const id = run.id ?? randomUUID();
    if (this.runs.some((r) => r.id === id)) throw new Error(`run ${id} recorded twice`);
    this.runs.push({ ...run, id, status: "running" });
    return id;
  }

  async finish(id: string, outcome: QueryRunOutcome): Promise<void> {
    const index = this.runs.findIndex((r) => r.id === id);
    const run = this.runs[index];
    if (!run) throw new Error(`no run ${id}`);
    if (run.status !== "running") throw new Error(`run ${id} finished twice`);
    const known = Object.fromEntries(Object.entries(outcome).filter(([, v]) => v !== undefined));
    this.runs[index] = { ...run, ...known } as RecordedRun;
  }

  async bytesScannedSince(userId: string, since: Date): Promise<number> {
    return this.runs
      .filter((r) => r.userId === userId && r.startedAt >= since)
      .reduce((n, r) => n + (("bytesScanned" in r ? r.bytesScanned : undefined) ?? 0), 0);
  }

  async budgetsFor(roles: readonly string[]): Promise<RoleBudget[]> {
    return roles.flatMap((r) => {
      const b = this.budgets.get(r);
      return b ? [b] : [];
    });
  }

  setBudget(role: string, limits: { perQueryBytes?: number | null; perDayBytes?: number | null }): void {
    this.budgets.set(role, {
      role,
      perQueryBytes: limits.perQueryBytes ?? null,
      perDayBytes: limits.perDayBytes ?? null,
    });
  }

  /** The newest run recorded. */
  last(): RecordedRun | undefined {
    return this.runs[this.runs.length - 1];
  }
}
