import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BATCHES_QUEUE } from "../ingest/raw-batch";
import {
  createTestSource,
  enqueueRawBatch,
  readCommittedRows,
  TEST_ORDER_SCHEMA,
} from "../testing/pipeline-fixtures";
import { usePipelineTestBed } from "../testing/pipeline-test-bed";
import { processBatches } from "./process-batches";

const schema = {
  ...TEST_ORDER_SCHEMA,
  properties: { ...TEST_ORDER_SCHEMA.properties, region: { type: ["string", "null"] } },
};

describe("a source partitioned by event date and one property", () => {
  const bed = usePipelineTestBed("partition-property");

  it("writes one file per date and value, NULL and awkward values included, and reads them back whole", async () => {
    const source = await createTestSource(bed.t.db, { schema, partitionProperty: "region" });
    const lines = [
      { id: "a", amount: 1, created_at: "2024-05-01T10:00:00Z", region: "eu" },
      { id: "b", amount: 2, created_at: "2024-05-01T11:00:00Z", region: "us/east" },
      { id: "c", amount: 3, created_at: "2024-05-02T10:00:00Z", region: "eu" },
      { id: "d", amount: 4, created_at: "2024-05-02T10:00:00Z", region: null },
    ].map((e) => JSON.stringify(e));
    await enqueueRawBatch(bed, source, lines);
    const { catalog, store, queue, duck, dir } = bed;
    await processBatches(
      { catalog, store, queue, duck, tmpDir: join(dir, "tmp") },
      await queue.receive(BATCHES_QUEUE, { max: 10 }),
    );

    const view = await catalog.tableSnapshot(`curated.${source.slug}`);
    expect(view?.files.map((f) => f.partition).sort()).toEqual([
      "dt=2024-05-01/region=eu",
      "dt=2024-05-01/region=us%2Feast",
      "dt=2024-05-02/region=__HIVE_DEFAULT_PARTITION__",
      "dt=2024-05-02/region=eu",
    ]);
    for (const f of view?.files ?? [])
      expect(f.path).toBe(`curated/${source.slug}/${f.partition}/${f.path.split("/").pop()}`);
    const rows = await readCommittedRows(bed, `curated.${source.slug}`, "_event_id, region, dt::text AS dt");
    expect(rows).toEqual([
      { _event_id: "a", region: "eu", dt: "2024-05-01" },
      { _event_id: "b", region: "us/east", dt: "2024-05-01" },
      { _event_id: "c", region: "eu", dt: "2024-05-02" },
      { _event_id: "d", region: null, dt: "2024-05-02" },
    ]);
  });
});
