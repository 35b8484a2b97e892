// Curated files hold their payload columns in the table's order (the order the source was registered
// with), not in the order the catalog's jsonb gives the schema's properties back (sorted by length).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BATCHES_QUEUE } from "../ingest/raw-batch";
import { evolveColumns, payloadLayout } from "../schema/schema-columns";
import { loadSource } from "../schema/source-schema";
import { createTestSource, enqueueRawBatch, readCommittedRows } from "../testing/pipeline-fixtures";
import { usePipelineTestBed } from "../testing/pipeline-test-bed";
import { processBatches } from "./process-batches";

// Registered in this order; jsonb sorts keys by length: id, note, amount, created_at, customer_email.
const schema = {
  type: "object",
  required: ["id", "created_at"],
  properties: {
    customer_email: { type: "string" },
    created_at: { type: "string", format: "date-time" },
    amount: { type: "number" },
    note: { type: "string" },
    id: { type: "string" },
  },
};
const registered = ["customer_email", "created_at", "amount", "note", "id"];

describe("curated column order", () => {
  const bed = usePipelineTestBed("column-order");

  it("writes and reads a source's columns in the order it was registered with", async () => {
    const source = await createTestSource(bed.t.db, { schema });
    // The table as registration creates it: its columns in the order the schema was written.
    const loaded = await loadSource(bed.catalog, source.id);
    const columns = payloadLayout(schema).columns;
    expect(columns.map((c) => c.name)).toEqual(registered);
    await bed.catalog.ensureCuratedTable(loaded, evolveColumns([...columns, ...loaded.schema.columns]));
    expect((await bed.catalog.getSource(source.id))?.columnOrder?.slice(0, 5)).toEqual(registered);
    const reloaded = await loadSource(bed.catalog, source.id);
    expect(reloaded.schema.payloadColumns.map((c) => c.name)).toEqual(registered);

    await enqueueRawBatch(bed, source, [
      JSON.stringify({
        id: "a",
        created_at: "2024-05-01T10:00:00Z",
        amount: 1,
        note: "x",
        customer_email: "a@x",
      }),
    ]);
    const { catalog, store, queue, duck, dir } = bed;
    await processBatches(
      { catalog, store, queue, duck, tmpDir: join(dir, "tmp") },
      await queue.receive(BATCHES_QUEUE, { max: 10 }),
    );
    const [row] = await readCommittedRows(bed, `curated.${source.slug}`);
    expect(Object.keys(row ?? {}).slice(0, 5)).toEqual(registered);
  });
});
