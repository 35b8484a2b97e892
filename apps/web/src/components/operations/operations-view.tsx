"use client";
// The Operations dashboard (on-call's home): ingest, queues, dead letters, workers, freshness, storage
// and cost over 1 h / 24 h / 7 d, refreshed every 15 s; each card says how its figure is computed.
import type { AppRouter } from "@inlet/api/router";
import { useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { Activity } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { QueryError } from "@/components/query-error";
import { buttonClasses } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { formatBytes, formatCompact, formatDateTime } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";
import { type ChartSeries, SeriesChart } from "./series-chart";

type Dashboard = inferRouterOutputs<AppRouter>["operations"]["dashboard"];
type Figure = keyof Dashboard["figures"];
type Range = Dashboard["range"];

const REFRESH_MS = 15_000;
const RANGES: { id: Range; label: string }[] = [
  { id: "1h", label: "1 hour" },
  { id: "24h", label: "24 hours" },
  { id: "7d", label: "7 days" },
];

const rate = (v: number) => `${formatCompact(v)}/s`;
const seconds = (v: number) => (v < 10 ? `${v.toFixed(1)} s` : `${formatCompact(v)} s`);
const percent = (v: number) => `${(v * 100).toFixed(v < 0.1 ? 1 : 0)} %`;
/** Dollars, never in scientific notation: amounts under a hundredth of a cent read "< $0.0001". */
const usd = (v: number) =>
  v >= 1
    ? `$${v.toFixed(2)}`
    : v >= 0.01
      ? `$${v.toFixed(3)}`
      : v === 0
        ? "$0"
        : v < 0.0001
          ? "< $0.0001"
          : `$${v.toFixed(4)}`;

function labelText(labels: Record<string, string>, keys: string[]): string {
  const parts = keys.map((k) => labels[k]).filter(Boolean);
  return parts.length > 0 ? parts.join(" · ") : "all";
}

/** The chart lines of some figures, named by the given labels (and the figure, when several are shown). */
function linesOf(
  d: Dashboard,
  figures: { name: Figure; title?: string; dashed?: boolean }[],
  labelKeys: string[],
): ChartSeries[] {
  const out: ChartSeries[] = [];
  for (const f of figures) {
    for (const s of d.series.filter((x) => x.name === f.name)) {
      const who = labelText(s.labels, labelKeys);
      out.push({
        key: `${s.name}:${JSON.stringify(s.labels)}`,
        label: f.title ? (labelKeys.length > 0 ? `${who} ${f.title}` : f.title) : who,
        points: s.points,
        dashed: f.dashed,
      });
    }
  }
  return out;
}

function FigureCard({
  title,
  how,
  lines,
  format,
  empty,
  extra,
}: {
  title: string;
  how: string[];
  lines: ChartSeries[];
  format: (v: number) => string;
  empty: string;
  extra?: React.ReactNode;
}) {
  return (
    <Card>
      <CardHeader title={title} description={how.join(" ")} />
      <CardBody>
        {extra}
        {lines.length === 0 ? (
          <p className="py-10 text-center text-gray-500 text-sm">{empty}</p>
        ) : (
          <SeriesChart series={lines} format={format} label={`${title} over the chosen range`} />
        )}
      </CardBody>
    </Card>
  );
}

function Current({ items }: { items: { label: string; value: string }[] }) {
  if (items.length === 0) return null;
  return (
    <dl className="mb-3 flex flex-wrap gap-x-6 gap-y-1 text-xs">
      {items.map((i) => (
        <div key={i.label} className="flex gap-1.5">
          <dt className="text-gray-500">{i.label}</dt>
          <dd className="font-semibold text-gray-900 tabular-nums">{i.value}</dd>
        </div>
      ))}
    </dl>
  );
}

export function OperationsView() {
  const trpc = useTRPC();
  const [range, setRange] = useState<Range>("1h");
  const me = useQuery(trpc.me.queryOptions());
  const dashboard = useQuery(
    trpc.operations.dashboard.queryOptions(
      { range },
      { refetchInterval: REFRESH_MS, placeholderData: (p) => p },
    ),
  );
  const isAdmin = me.data?.roles.includes("admin") ?? false;

  const picker = (
    <div className="flex items-center gap-2">
      <fieldset className="inline-flex rounded-md border border-gray-200 bg-white p-0.5" aria-label="Range">
        {RANGES.map((r) => (
          <button
            key={r.id}
            type="button"
            aria-pressed={range === r.id}
            onClick={() => setRange(r.id)}
            className={`rounded px-3 py-1 text-sm ${range === r.id ? "bg-gray-900 text-white" : "text-gray-600 hover:bg-gray-100"}`}
          >
            {r.label}
          </button>
        ))}
      </fieldset>
      {isAdmin ? (
        <Link href="/operations/prices" className={buttonClasses("secondary", "md")}>
          Price sheet
        </Link>
      ) : null}
    </div>
  );

  return (
    <>
      <PageHeader
        title="Operations"
        description="What on-call watches: ingest, queues, dead letters, workers, freshness, storage and cost. Refreshed every 15 seconds."
        actions={picker}
      />
      {dashboard.isPending ? (
        <div className="grid gap-4 xl:grid-cols-2">
          {[0, 1, 2, 3].map((i) => (
            <Skeleton key={i} className="h-72" />
          ))}
        </div>
      ) : dashboard.isError ? (
        <Card>
          <QueryError
            error={dashboard.error}
            sectionLabel="Operations"
            onRetry={() => void dashboard.refetch()}
            retrying={dashboard.isFetching}
          />
        </Card>
      ) : dashboard.data.series.length === 0 && dashboard.data.current.values.length === 0 ? (
        <Card>
          <EmptyState
            icon={Activity}
            title="No samples yet"
            description="The API samples these figures every 15 seconds (INLET_OPS_SAMPLE_SECONDS); the first appear shortly after it starts."
          />
        </Card>
      ) : (
        <DashboardCards d={dashboard.data} />
      )}
    </>
  );
}

function DashboardCards({ d }: { d: Dashboard }) {
  const how = (...names: Figure[]) => names.map((n) => d.figures[n]);
  const current = (name: Figure, keys: string[], format: (v: number) => string) =>
    d.current.values
      .filter((v) => v.name === name)
      .map((v) => ({ label: labelText(v.labels, keys), value: format(v.value) }));
  const costTotal = d.cost.rows.reduce((n, r) => n + r.usd, 0);
  return (
    <div className="space-y-4">
      {d.current.at ? (
        <p className="text-gray-500 text-xs">Latest sample: {formatDateTime(new Date(d.current.at))}</p>
      ) : null}
      <div className="grid gap-4 xl:grid-cols-2">
        <FigureCard
          title="Ingest: accepted and refused events/s, per source"
          how={how("ingest_accepted_events_per_second", "ingest_refused_events_per_second")}
          lines={linesOf(
            d,
            [
              { name: "ingest_accepted_events_per_second", title: "accepted" },
              { name: "ingest_refused_events_per_second", title: "refused", dashed: true },
            ],
            ["source"],
          )}
          format={rate}
          empty="No source has sent events in this range."
        />
        <FigureCard
          title="Queues: depth, in flight, oldest message age"
          how={how("queue_depth_messages", "queue_in_flight_messages", "queue_oldest_age_seconds")}
          extra={
            <Current
              items={[
                ...current("queue_depth_messages", ["queue"], formatCompact).map((i) => ({
                  ...i,
                  label: `${i.label} depth`,
                })),
                ...current("queue_in_flight_messages", ["queue"], formatCompact).map((i) => ({
                  ...i,
                  label: `${i.label} in flight`,
                })),
                ...current("queue_oldest_age_seconds", ["queue"], seconds).map((i) => ({
                  ...i,
                  label: `${i.label} oldest`,
                })),
              ]}
            />
          }
          lines={linesOf(
            d,
            [
              { name: "queue_depth_messages", title: "depth" },
              { name: "queue_in_flight_messages", title: "in flight" },
              // The oldest message's age is in seconds, not messages: given above the chart, not on its axis.
            ],
            ["queue"],
          )}
          format={formatCompact}
          empty="The queue has not been sampled in this range."
        />
        <FigureCard
          title="Dead letters: open, per source and reason"
          how={how("dead_letters_open")}
          lines={linesOf(d, [{ name: "dead_letters_open" }], ["source", "reason"])}
          format={formatCompact}
          empty="No open dead letters."
        />
        <FigureCard
          title="Dead letters: inflow per minute, per source and reason"
          how={how("dead_letters_inflow_per_minute")}
          lines={linesOf(d, [{ name: "dead_letters_inflow_per_minute" }], ["source", "reason"])}
          format={(v) => `${formatCompact(v)}/min`}
          empty="No dead letters arrived in this range."
        />
        <FigureCard
          title="Workers: throughput"
          how={how("worker_events_per_second", "worker_batches_per_second")}
          lines={linesOf(
            d,
            [
              { name: "worker_events_per_second", title: "events/s" },
              { name: "worker_batches_per_second", title: "batches/s", dashed: true },
            ],
            [],
          )}
          format={rate}
          empty="No batch was committed in this range."
        />
        <FigureCard
          title="Workers: busy time and error rate"
          how={how("worker_busy_ratio", "worker_error_ratio")}
          lines={linesOf(
            d,
            [
              { name: "worker_busy_ratio", title: "busy" },
              { name: "worker_error_ratio", title: "errors", dashed: true },
            ],
            [],
          )}
          format={percent}
          empty="No worker has reported in this range (workers report to the API process that forked them)."
        />
        <FigureCard
          title="Freshness: accept → committed, p50 and p99 per source"
          how={how("freshness_p50_seconds", "freshness_p99_seconds")}
          lines={linesOf(
            d,
            [
              { name: "freshness_p50_seconds", title: "p50" },
              { name: "freshness_p99_seconds", title: "p99", dashed: true },
            ],
            ["source"],
          )}
          format={seconds}
          empty="No batch was committed in this range."
        />
        <FigureCard
          title="Storage by zone and source"
          how={how("storage_bytes")}
          extra={<Current items={current("storage_bytes", ["zone", "source"], formatBytes)} />}
          lines={linesOf(d, [{ name: "storage_bytes" }], ["zone", "source"])}
          format={formatBytes}
          empty="Nothing stored yet."
        />
      </div>
      <Card>
        <CardHeader
          title={`Cost per source, zone and day: ${usd(costTotal)} in all`}
          description="From the price sheet (Operations › Price sheet). Each line says how it is computed."
        />
        {d.cost.rows.length === 0 ? (
          <p className="py-10 text-center text-gray-500 text-sm">No cost recorded in this range yet.</p>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-sm">
              <thead className="bg-gray-50 text-left text-gray-500 text-xs">
                <tr>
                  <th className="px-5 py-2 font-medium">Day</th>
                  <th className="px-3 py-2 font-medium">Source</th>
                  <th className="px-3 py-2 font-medium">Zone</th>
                  <th className="px-3 py-2 font-medium">Item</th>
                  <th className="px-3 py-2 text-right font-medium">Quantity</th>
                  <th className="px-3 py-2 text-right font-medium">Cost</th>
                  <th className="px-5 py-2 font-medium">How</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-gray-100">
                {d.cost.rows.map((r) => (
                  <tr key={`${r.day}:${r.source}:${r.zone}:${r.item}`}>
                    <td className="whitespace-nowrap px-5 py-2 tabular-nums">{r.day}</td>
                    <td className="px-3 py-2">{r.source}</td>
                    <td className="px-3 py-2">{r.zone}</td>
                    <td className="px-3 py-2">{r.item}</td>
                    <td className="whitespace-nowrap px-3 py-2 text-right tabular-nums">
                      {quantityText(r.item, r.quantity)}
                    </td>
                    <td className="whitespace-nowrap px-3 py-2 text-right font-medium tabular-nums">
                      {usd(r.usd)}
                    </td>
                    <td className="px-5 py-2 text-gray-500 text-xs">{r.formula}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}

export function quantityText(item: string, q: number): string {
  switch (item) {
    // Priced per GB stored and per TB scanned; shown in the unit that reads best.
    case "storage":
      return formatBytes(q * 1e9);
    case "query":
      return `${formatBytes(q * 1e12)} scanned`;
    case "compute":
      return `${q.toFixed(1)} s`;
    default:
      return `${formatCompact(q)} ${q === 1 ? "request" : "requests"}`;
  }
}
