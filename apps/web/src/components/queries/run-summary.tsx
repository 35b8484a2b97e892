"use client";
// What a run did: rows returned, bytes scanned, what it cost and how long it took, beside the estimate.
import { formatCount, formatDuration } from "@/lib/format";
import { formatScanBytes, formatUsd } from "./byte-units";
import type { QueryRunResult } from "./query-run-types";

function Item({
  label,
  value,
  testId,
  note,
}: {
  label: string;
  value: string;
  testId: string;
  note?: string;
}) {
  return (
    <div className="min-w-24">
      <dt className="text-gray-500 text-xs">{label}</dt>
      <dd className="font-semibold text-gray-900 text-sm tabular-nums" data-testid={testId}>
        {value}
      </dd>
      {note ? <dd className="text-[11px] text-gray-500">{note}</dd> : null}
    </div>
  );
}

export function RunSummary({ result }: { result: QueryRunResult }) {
  const estimated = result.estimate ? `estimated ${formatScanBytes(result.estimate.bytes)}` : undefined;
  const estimatedCost = result.estimate ? `estimated ${formatUsd(result.estimate.costUsd)}` : undefined;
  return (
    <section aria-label="Run summary">
      <dl className="flex flex-wrap gap-x-8 gap-y-2">
        <Item
          label="Rows"
          value={formatCount(result.rowCount)}
          testId="run-rows"
          note={
            result.truncated
              ? `the first ${formatCount(result.rows.length)}; Download CSV has every row`
              : undefined
          }
        />
        <Item
          label="Bytes scanned"
          value={formatScanBytes(result.bytesScanned)}
          testId="run-bytes-scanned"
          note={estimated}
        />
        <Item label="Cost" value={formatUsd(result.costUsd)} testId="run-cost" note={estimatedCost} />
        <Item label="Duration" value={formatDuration(result.durationMs)} testId="run-duration" />
      </dl>
    </section>
  );
}
