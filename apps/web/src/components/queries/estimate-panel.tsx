"use client";
// The estimate shown as the SQL is typed: the bytes the query will scan and what that costs, per table
// the partitions and columns it reads, how that stands against the person's budgets (and the refusal a
// run would meet) — or why it cannot be estimated (its place in the SQL is underlined in the editor).
import { clsx } from "clsx";
import { Gauge } from "lucide-react";
import { Spinner } from "@/components/ui/spinner";
import { formatCount } from "@/lib/format";
import { formatScanBytes, formatUsd } from "./byte-units";
import type { QueryEstimate } from "./query-run-types";
import { withoutPosition } from "./sql-error-position";

const SHOWN_PARTITIONS = 4;
const SHOWN_COLUMNS = 8;

function listed(items: readonly string[], max: number): string {
  return items.length <= max
    ? items.join(", ")
    : `${items.slice(0, max).join(", ")} and ${items.length - max} more`;
}

function BudgetLine({ budget }: { budget: QueryEstimate["budget"] }) {
  const parts: string[] = [];
  if (budget.perQuery) parts.push(`per query ${formatScanBytes(budget.perQuery.limitBytes)}`);
  if (budget.perDay) {
    parts.push(
      `today ${formatScanBytes(budget.perDay.usedBytes)} of ${formatScanBytes(budget.perDay.limitBytes)} used`,
    );
  }
  if (budget.refusal) {
    return (
      <p className="mt-1.5 font-medium text-red-700" data-testid="estimate-budget-refusal">
        {budget.refusal}
      </p>
    );
  }
  if (parts.length === 0) return null;
  return <p className="mt-1 text-gray-500">Within your budget: {parts.join("; ")}.</p>;
}

export function EstimatePanel({
  estimate,
  pending,
  error,
  empty,
  tooLong,
}: {
  estimate: QueryEstimate | undefined;
  /** An estimate of the SQL as it is now is on its way. */
  pending: boolean;
  error: string | undefined;
  /** No SQL typed yet. */
  empty: boolean;
  /** Too long to estimate as it is typed. */
  tooLong: boolean;
}) {
  const missing = estimate?.missingParameters ?? [];
  return (
    <section
      aria-label="Estimate"
      aria-live="polite"
      aria-busy={pending || undefined}
      className={clsx(
        "rounded-md border px-3 py-2 text-xs",
        estimate?.budget.refusal && !error ? "border-red-200 bg-red-50/50" : "border-gray-200 bg-gray-50/60",
      )}
    >
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <span className="inline-flex items-center gap-1.5 font-medium text-gray-700">
          <Gauge aria-hidden="true" className="size-3.5 text-gray-500" /> Estimate
        </span>
        {empty ? (
          <span className="text-gray-500">Type SQL to see what it will scan and cost before it runs.</span>
        ) : tooLong ? (
          <span className="text-gray-500">
            This SQL is too long to estimate as it is typed; Run still estimates it and checks your budgets
            first.
          </span>
        ) : error ? (
          <span className="text-red-700" data-testid="estimate-error">
            {withoutPosition(error) || error}
          </span>
        ) : estimate ? (
          <>
            <span className="text-gray-700">
              Will scan <strong data-testid="estimate-bytes">{formatScanBytes(estimate.bytes)}</strong>
            </span>
            <span className="text-gray-700">
              costing about <strong data-testid="estimate-cost">{formatUsd(estimate.costUsd)}</strong>
            </span>
          </>
        ) : pending ? null : (
          <span className="text-gray-500">No estimate yet.</span>
        )}
        {pending ? (
          <span className="inline-flex items-center gap-1 text-gray-400">
            <Spinner className="size-3" /> estimating…
          </span>
        ) : null}
      </div>
      {estimate && !error && !empty && !tooLong ? (
        <>
          {missing.length > 0 ? (
            <p className="mt-1 text-amber-800">
              {missing.join(", ")} {missing.length === 1 ? "has" : "have"} no value yet: estimated as if{" "}
              {missing.length === 1 ? "it matched" : "they matched"} everything.
            </p>
          ) : null}
          {estimate.tables.length > 0 ? (
            <ul className="mt-1.5 space-y-0.5 text-gray-600">
              {estimate.tables.map((t) => (
                <li key={t.name}>
                  <span className="font-medium font-mono text-gray-800">{t.name}</span>:{" "}
                  {formatScanBytes(t.bytes)} in {formatCount(t.filesRead)} of {formatCount(t.filesTotal)}{" "}
                  {t.filesTotal === 1 ? "file" : "files"}
                  {t.partitionsRead.length > 0 ? (
                    <>
                      ,{" "}
                      {t.partitionsRead.length === 1
                        ? "partition"
                        : `${formatCount(t.partitionsRead.length)} partitions`}{" "}
                      <span className="font-mono">{listed(t.partitionsRead, SHOWN_PARTITIONS)}</span>
                    </>
                  ) : null}
                  {t.columnsRead.length > 0 ? (
                    <>
                      ; columns <span className="font-mono">{listed(t.columnsRead, SHOWN_COLUMNS)}</span>
                    </>
                  ) : null}
                </li>
              ))}
            </ul>
          ) : null}
          <BudgetLine budget={estimate.budget} />
        </>
      ) : null}
    </section>
  );
}
