// The Catalog contract's analytics-table behaviours: registering one over existing inputs, refresh
// dueness, refresh commits (whole or by partition) and failures, definition changes and dropping.
import { expect, it } from "vitest";
import { InletError } from "../errors";
import type { Catalog, NewDataFile } from "../ports/catalog";

export interface AnalyticsCatalogUnderTest {
  catalog: Catalog;
  /** A curated table (with its source) the analytics tables can read. */
  curatedTable(): Promise<{ id: string; name: string }>;
}

function dataFile(path: string, partition: string, rows = 1): NewDataFile {
  return { path, partition, rowCount: rows, bytes: 10 };
}

async function refused(work: Promise<unknown>): Promise<InletError> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof InletError)) throw new Error(`expected an InletError, got ${String(err)}`);
  return err;
}

let counter = 0;
function uniqueName(): string {
  counter += 1;
  return `analytics.t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}_${counter}`;
}

export function analyticsCatalogContract(setup: () => AnalyticsCatalogUnderTest): void {
  async function appendTo(catalog: Catalog, tableId: string, files: NewDataFile[]): Promise<number> {
    return catalog.transaction((tx) => tx.commitAppend({ tableId, files, batchIds: [], counts: new Map() }));
  }

  it("registers an analytics table over tables that exist, refusing unknown ones by name, itself and a taken name", async () => {
    const { catalog, curatedTable } = setup();
    const input = await curatedTable();
    const name = uniqueName();
    const created = await catalog.transaction((tx) =>
      tx.createAnalyticsTable({
        name,
        definition: `SELECT dt, count(*) AS n FROM ${input.name} GROUP BY dt`,
        inputs: [input.name.toUpperCase()],
        columns: [
          { name: "dt", type: "DATE" },
          { name: "n", type: "BIGINT" },
        ],
        partitionBy: ["dt"],
        refreshMode: "on_commit",
        createdById: undefined,
      }),
    );
    expect(created).toMatchObject({
      name,
      inputs: { [input.name]: 0 },
      refreshMode: "on_commit",
      scheduleMinutes: undefined,
      lastRefreshAt: undefined,
      lastRefreshError: undefined,
      partitionBy: ["dt"],
      currentSeq: 0,
    });
    expect(await catalog.getAnalyticsTable(name)).toEqual(created);
    expect((await catalog.listAnalyticsTables()).map((t) => t.name)).toContain(name);
    expect((await catalog.describeTable(name))?.zone).toBe("analytics");
    expect(await catalog.getAnalyticsTable(input.name)).toBeUndefined();

    const base = {
      definition: "SELECT 1",
      columns: [{ name: "x", type: "INTEGER" }],
      partitionBy: [],
      refreshMode: "on_commit" as const,
      createdById: undefined,
    };
    const unknown = await refused(
      catalog.transaction((tx) =>
        tx.createAnalyticsTable({
          ...base,
          name: uniqueName(),
          inputs: [input.name, "curated.nope", "analytics.gone"],
        }),
      ),
    );
    expect([unknown.code, unknown.details?.field]).toEqual(["BAD_REQUEST", "definition"]);
    expect(unknown.message).toContain("analytics.gone, curated.nope");
    const other = uniqueName();
    const itself = await refused(
      catalog.transaction((tx) => tx.createAnalyticsTable({ ...base, name: other, inputs: [other] })),
    );
    expect([itself.code, itself.details?.field]).toEqual(["BAD_REQUEST", "definition"]);
    expect(itself.message).toContain("itself");
    const clash = await refused(
      catalog.transaction((tx) => tx.createAnalyticsTable({ ...base, name, inputs: [input.name] })),
    );
    expect([clash.code, clash.details?.field]).toEqual(["CONFLICT", "name"]);
    const badName = await refused(
      catalog.transaction((tx) => tx.createAnalyticsTable({ ...base, name: "curated.x", inputs: [] })),
    );
    expect(badName.details?.field).toBe("name");
    const noMinutes = await refused(
      catalog.transaction((tx) =>
        tx.createAnalyticsTable({ ...base, name: uniqueName(), inputs: [], refreshMode: "schedule" }),
      ),
    );
    expect(noMinutes.details?.field).toBe("scheduleMinutes");
    expect(await catalog.getAnalyticsTable(other)).toBeUndefined();
  });

  it("commits a refresh replacing every file, or only some partitions', and records a failure without touching the snapshot", async () => {
    const { catalog, curatedTable } = setup();
    const input = await curatedTable();
    const inputSeq = await appendTo(catalog, input.id, [
      dataFile(`${input.name}/a.parquet`, "dt=2024-05-01"),
      dataFile(`${input.name}/b.parquet`, "dt=2024-05-02"),
    ]);
    const name = uniqueName();
    const definition = `SELECT * FROM ${input.name}`;
    const table = await catalog.transaction((tx) =>
      tx.createAnalyticsTable({
        name,
        definition,
        inputs: [input.name],
        columns: [{ name: "dt", type: "DATE" }],
        partitionBy: ["dt"],
        refreshMode: "on_commit",
        createdById: undefined,
      }),
    );
    const columns = [
      { name: "dt", type: "DATE" },
      { name: "id", type: "VARCHAR" },
    ];
    const first = await catalog.transaction((tx) =>
      tx.commitRefresh({
        tableId: table.id,
        definition,
        baseSeq: 0,
        files: [
          dataFile(`${name}/1.parquet`, "dt=2024-05-01", 2),
          dataFile(`${name}/2.parquet`, "dt=2024-05-02", 3),
        ],
        inputs: { [input.name]: inputSeq },
        columns,
        partitionBy: ["dt"],
      }),
    );
    expect(first).toEqual({ seq: 1, addedFiles: 2, removedFiles: 0, rows: 5 });
    const afterFirst = await catalog.getAnalyticsTable(name);
    expect(afterFirst).toMatchObject({ inputs: { [input.name]: inputSeq }, columns, currentSeq: 1 });
    expect(afterFirst?.lastRefreshAt).toBeInstanceOf(Date);

    // Incremental: only dt=2024-05-02's file is replaced.
    const second = await catalog.transaction((tx) =>
      tx.commitRefresh({
        tableId: table.id,
        definition,
        baseSeq: 1,
        files: [dataFile(`${name}/3.parquet`, "dt=2024-05-02", 4)],
        partitions: ["dt=2024-05-02"],
        inputs: { [input.name]: inputSeq },
        columns,
        partitionBy: ["dt"],
      }),
    );
    expect(second).toEqual({ seq: 2, addedFiles: 1, removedFiles: 1, rows: 4 });
    expect((await catalog.tableSnapshot(name))?.files.map((f) => f.path).sort()).toEqual([
      `${name}/1.parquet`,
      `${name}/3.parquet`,
    ]);
    const snapshots = await catalog.listSnapshots(table.id, { limit: 5 });
    expect(snapshots.items.map((s) => [s.seq, s.operation, s.partitions])).toEqual([
      [2, "refresh", ["dt=2024-05-02"]],
      [1, "refresh", []],
    ]);

    // A refresh computed from an older snapshot, or from a definition since replaced, commits nothing.
    const stale = { tableId: table.id, definition, files: [], inputs: {}, columns, partitionBy: ["dt"] };
    expect(await catalog.transaction((tx) => tx.commitRefresh({ ...stale, baseSeq: 1 }))).toBeUndefined();
    expect(
      await catalog.transaction((tx) => tx.commitRefresh({ ...stale, baseSeq: 2, definition: "SELECT 2" })),
    ).toBeUndefined();

    await catalog.recordRefreshFailure(table.id, "Conversion Error: division by zero");
    const failed = await catalog.getAnalyticsTable(name);
    expect(failed).toMatchObject({
      currentSeq: 2,
      lastRefreshError: "Conversion Error: division by zero",
      inputs: { [input.name]: inputSeq },
    });
    expect((await catalog.tableSnapshot(name))?.files).toHaveLength(2);

    // A whole refresh replaces every current file; a good refresh clears the error.
    const whole = await catalog.transaction((tx) =>
      tx.commitRefresh({ ...stale, baseSeq: 2, files: [dataFile(`${name}/4.parquet`, "dt=2024-05-01")] }),
    );
    expect(whole).toEqual({ seq: 3, addedFiles: 1, removedFiles: 2, rows: 1 });
    expect((await catalog.getAnalyticsTable(name))?.lastRefreshError).toBeUndefined();
    expect(await catalog.changedPartitions(table.id, 1, 3)).toEqual(["dt=2024-05-01", "dt=2024-05-02"]);
    expect(await catalog.changedPartitions(table.id, 2, 3)).toEqual(["dt=2024-05-01", "dt=2024-05-02"]);
    expect(await catalog.changedPartitions(table.id, 3, 3)).toEqual([]);
    // A refresh that changes no file makes no snapshot but still records its inputs.
    const idle = await catalog.transaction((tx) =>
      tx.commitRefresh({ ...stale, baseSeq: 3, files: [], partitions: [], inputs: { [input.name]: 7 } }),
    );
    expect(idle).toEqual({ seq: 3, addedFiles: 0, removedFiles: 0, rows: 0 });
    expect((await catalog.getAnalyticsTable(name))?.inputs).toEqual({ [input.name]: 7 });
  });

  it("lists tables due for a refresh: an input committed since, or the schedule passed; a failure waits", async () => {
    const { catalog, curatedTable } = setup();
    const input = await curatedTable();
    const onCommit = uniqueName();
    const scheduled = uniqueName();
    const definition = `SELECT count(*) AS n FROM ${input.name}`;
    const common = {
      definition,
      inputs: [input.name],
      columns: [{ name: "n", type: "BIGINT" }],
      partitionBy: [],
      createdById: undefined,
    };
    const a = await catalog.transaction((tx) =>
      tx.createAnalyticsTable({ ...common, name: onCommit, refreshMode: "on_commit" }),
    );
    const b = await catalog.transaction((tx) =>
      tx.createAnalyticsTable({ ...common, name: scheduled, refreshMode: "schedule", scheduleMinutes: 30 }),
    );
    const opts = { now: new Date(), retryFailedAfterMs: 60_000 };
    const dueNames = async (o = opts) =>
      (await catalog.dueAnalyticsTables(o)).filter((d) => d.name === onCommit || d.name === scheduled);
    // Nothing committed to the input yet: only the never-refreshed schedule is due.
    expect(await dueNames()).toEqual([{ name: scheduled, reason: "schedule" }]);
    const seq = await appendTo(catalog, input.id, [dataFile(`${input.name}/d.parquet`, "dt=2024-05-01")]);
    expect((await dueNames()).map((d) => [d.name, d.reason]).sort()).toEqual(
      [
        [onCommit, "input_changed"],
        [scheduled, "schedule"],
      ].sort(),
    );
    const refresh = (tableId: string) =>
      catalog.transaction((tx) =>
        tx.commitRefresh({
          tableId,
          definition,
          baseSeq: 0,
          files: [],
          inputs: { [input.name]: seq },
          columns: common.columns,
          partitionBy: [],
        }),
      );
    await refresh(a.id);
    await refresh(b.id);
    expect(await dueNames()).toEqual([]);
    // Half an hour later the schedule is due again; the on-commit table only after the next commit.
    const later = { ...opts, now: new Date(Date.now() + 31 * 60_000) };
    expect(await dueNames(later)).toEqual([{ name: scheduled, reason: "schedule" }]);
    await appendTo(catalog, input.id, [dataFile(`${input.name}/e.parquet`, "dt=2024-05-02")]);
    expect(await dueNames()).toEqual([{ name: onCommit, reason: "input_changed" }]);
    // A failed refresh is retried once retryFailedAfterMs has passed, not at once.
    await catalog.recordRefreshFailure(a.id, "boom");
    expect(await dueNames()).toEqual([]);
    const soon = { now: new Date(Date.now() + 1000), retryFailedAfterMs: 0 };
    expect(await dueNames(soon)).toEqual([{ name: onCommit, reason: "input_changed" }]);
  });

  it("changes a definition (its inputs read again from the start), refusing a cycle, and drops a table no other reads", async () => {
    const { catalog, curatedTable } = setup();
    const input = await curatedTable();
    const base = uniqueName();
    const top = uniqueName();
    const common = {
      columns: [{ name: "n", type: "BIGINT" }],
      partitionBy: [],
      refreshMode: "on_commit" as const,
      createdById: undefined,
    };
    const b = await catalog.transaction((tx) =>
      tx.createAnalyticsTable({
        ...common,
        name: base,
        definition: `SELECT 1 FROM ${input.name}`,
        inputs: [input.name],
      }),
    );
    await catalog.transaction((tx) =>
      tx.createAnalyticsTable({ ...common, name: top, definition: `SELECT 1 FROM ${base}`, inputs: [base] }),
    );
    await catalog.transaction((tx) =>
      tx.commitRefresh({
        tableId: b.id,
        definition: b.definition,
        baseSeq: 0,
        files: [dataFile(`${base}/1.parquet`, "")],
        inputs: { [input.name]: 3 },
        columns: common.columns,
        partitionBy: [],
      }),
    );
    const cycle = await refused(
      catalog.transaction((tx) =>
        tx.updateAnalyticsTable(base, {
          definition: {
            sql: `SELECT 1 FROM ${top}`,
            inputs: [top],
            columns: common.columns,
            partitionBy: [],
          },
        }),
      ),
    );
    expect([cycle.code, cycle.details?.field]).toEqual(["BAD_REQUEST", "definition"]);
    expect(cycle.message).toContain(top);

    const changed = await catalog.transaction((tx) =>
      tx.updateAnalyticsTable(base, {
        definition: {
          sql: `SELECT 2 AS two FROM ${input.name}`,
          inputs: [input.name],
          columns: [{ name: "two", type: "INTEGER" }],
          partitionBy: [],
        },
        refreshMode: "schedule",
        scheduleMinutes: 15,
      }),
    );
    expect(changed?.before).toMatchObject({
      definition: `SELECT 1 FROM ${input.name}`,
      inputs: { [input.name]: 3 },
    });
    expect(changed?.after).toMatchObject({
      definition: `SELECT 2 AS two FROM ${input.name}`,
      inputs: { [input.name]: 0 },
      columns: [{ name: "two", type: "INTEGER" }],
      refreshMode: "schedule",
      scheduleMinutes: 15,
      currentSeq: 1,
    });
    expect(await catalog.transaction((tx) => tx.updateAnalyticsTable("analytics.none", {}))).toBeUndefined();

    const inUse = await refused(catalog.transaction((tx) => tx.dropAnalyticsTable(base)));
    expect([inUse.code, inUse.details?.field]).toEqual(["CONFLICT", "name"]);
    expect(inUse.message).toContain(top);
    expect(await catalog.transaction((tx) => tx.dropAnalyticsTable(top))).toEqual({ name: top, paths: [] });
    expect(await catalog.transaction((tx) => tx.dropAnalyticsTable(base))).toEqual({
      name: base,
      paths: [`${base}/1.parquet`],
    });
    expect(await catalog.getAnalyticsTable(base)).toBeUndefined();
    expect(await catalog.describeTable(base)).toBeUndefined();
    expect(await catalog.transaction((tx) => tx.dropAnalyticsTable(base))).toBeUndefined();
  });
}
