"use client";
// A run's answer: what it did (rows, bytes scanned, cost, duration), the CSV download of the whole
// result, a chart of it, and its rows in the virtualized grid.
import { BarChart3, Rows3 } from "lucide-react";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { ChartControls } from "./chart-controls";
import type { ChartSettings } from "./chart-defaults";
import type { QueryRunResult } from "./query-run-types";
import { ResultChart } from "./result-chart";
import { ResultGrid } from "./result-grid";
import { RunSummary } from "./run-summary";

export function ResultPanel({
  result,
  chart,
  onChartChange,
  download,
  stale,
}: {
  result: QueryRunResult;
  chart: ChartSettings | undefined;
  onChartChange: (chart: ChartSettings) => void;
  /** The Download CSV control for this result's SQL and parameters. */
  download: React.ReactNode;
  /** The SQL or parameters changed since this run. */
  stale: boolean;
}) {
  return (
    <div className="space-y-4">
      <Card>
        <CardHeader
          title="Result"
          description={stale ? "Of the SQL as it was when run; run again to see the edits." : undefined}
          actions={download}
        />
        <CardBody>
          <RunSummary result={result} />
        </CardBody>
      </Card>
      {result.columns.length > 0 && result.rows.length > 0 ? (
        <Card>
          <CardHeader
            title="Chart"
            description="Chosen from the column types; change it here and save it with the query."
          />
          <CardBody className="space-y-4">
            {chart ? (
              <>
                <ChartControls chart={chart} columns={result.columns} onChange={onChartChange} />
                <ResultChart chart={chart} columns={result.columns} rows={result.rows} />
              </>
            ) : (
              <EmptyState
                icon={BarChart3}
                title="Nothing to chart"
                description="A chart needs a number column, beside a date, a category or another number."
                className="py-6"
              />
            )}
          </CardBody>
        </Card>
      ) : null}
      <Card>
        <CardHeader title="Rows" />
        {result.columns.length === 0 || result.rows.length === 0 ? (
          <EmptyState icon={Rows3} title="No rows" description="The query ran and matched nothing." />
        ) : (
          <ResultGrid columns={result.columns} rows={result.rows} />
        )}
      </Card>
    </div>
  );
}
