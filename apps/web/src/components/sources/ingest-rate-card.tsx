"use client";
// A source's ingest rate: events accepted and dead-lettered per minute over the last hour or day,
// refreshed every 10 seconds.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { clsx } from "clsx";
import { Activity } from "lucide-react";
import { type ReactNode, useId, useState } from "react";
import { Area, AreaChart, Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis } from "recharts";
import { QueryError } from "@/components/query-error";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { AXIS_LINE, AXIS_TICK, countYAxis, GRID_STROKE, TimeSpanTooltip } from "@/components/ui/chart-parts";
import { EmptyState } from "@/components/ui/empty-state";
import { Skeleton } from "@/components/ui/skeleton";
import { formatCount, formatHour } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";

/** How often the source's live figures are read again. */
export const LIVE_REFRESH_MS = 10_000;

const ACCEPTED = "#4f39f6";
const DEAD_LETTERED = "#dc2626";

type Window = "1h" | "24h";

const WINDOWS: { value: Window; label: string; phrase: string }[] = [
  { value: "1h", label: "1h", phrase: "the last hour" },
  { value: "24h", label: "24h", phrase: "the last 24 hours" },
];

interface Point {
  at: number;
  accepted: number;
  deadLettered: number;
}

function MinuteTooltip({
  active,
  payload,
}: {
  active?: boolean;
  payload?: ReadonlyArray<{ payload?: Point }>;
}) {
  const point = payload?.[0]?.payload;
  if (!active || !point) return null;
  return (
    <TimeSpanTooltip at={point.at} spanMs={60_000}>
      <p className="mt-0.5 font-semibold text-gray-900 tabular-nums">
        {formatCount(point.accepted)} accepted
      </p>
      <p className="font-semibold text-red-700 tabular-nums">
        {formatCount(point.deadLettered)} dead-lettered
      </p>
    </TimeSpanTooltip>
  );
}

/** The stacked series, bottom first, in their colours, as the key above the chart names them. */
const SERIES = [
  { key: "accepted", color: ACCEPTED, label: "Accepted" },
  { key: "deadLettered", color: DEAD_LETTERED, label: "Dead-lettered" },
] as const;

const CHART_MARGIN = { top: 8, right: 8, bottom: 0, left: 0 };

/** Grid, axes and tooltip shared by the hour's bars and the day's areas (children of either chart). */
const axes = [
  <CartesianGrid key="grid" vertical={false} stroke={GRID_STROKE} />,
  <XAxis
    key="x"
    dataKey="at"
    tickFormatter={(value: number) => formatHour(new Date(value))}
    tick={AXIS_TICK}
    tickLine={false}
    axisLine={AXIS_LINE}
    minTickGap={32}
  />,
  countYAxis("y"),
  <Tooltip key="tooltip" content={<MinuteTooltip />} cursor={{ fill: "#f3f4f6", stroke: "#d1d5db" }} />,
];

export function IngestRateCard({ slug }: { slug: string }) {
  const trpc = useTRPC();
  const titleId = useId();
  const summaryId = useId();
  const [range, setRange] = useState<Window>("1h");
  const activity = useQuery({
    ...trpc.sources.activity.queryOptions({ slug, window: range }),
    refetchInterval: LIVE_REFRESH_MS,
    placeholderData: keepPreviousData,
  });
  const phrase = WINDOWS.find((w) => w.value === range)?.phrase ?? "";

  const toggle = (
    <fieldset className="inline-flex rounded-md border border-gray-300 p-0.5 shadow-xs">
      <legend className="sr-only">Time window</legend>
      {WINDOWS.map((w) => (
        <button
          key={w.value}
          type="button"
          aria-pressed={range === w.value}
          onClick={() => setRange(w.value)}
          className={clsx(
            "h-7 rounded px-2.5 font-medium text-xs focus-visible:outline-2 focus-visible:outline-accent-500",
            range === w.value ? "bg-accent-600 text-white" : "text-gray-700 hover:bg-gray-100",
          )}
        >
          {w.label}
        </button>
      ))}
    </fieldset>
  );

  let body: ReactNode;
  if (activity.isPending) {
    body = (
      <div role="status" aria-busy="true" aria-label="Loading ingest rate">
        <Skeleton className="h-56 w-full" />
      </div>
    );
  } else if (activity.isError) {
    body = (
      <QueryError
        error={activity.error}
        sectionLabel="Ingest rate"
        onRetry={() => void activity.refetch()}
        retrying={activity.isFetching}
      />
    );
  } else {
    const { totals, buckets } = activity.data;
    const points: Point[] = buckets.map((b) => ({
      at: new Date(b.minute).getTime(),
      accepted: b.accepted,
      deadLettered: b.deadLettered,
    }));
    const summary = `${formatCount(totals.accepted)} accepted and ${formatCount(totals.deadLettered)} dead-lettered in ${phrase}, per minute`;
    body = (
      <>
        <dl className="mb-3 flex flex-wrap gap-x-6 gap-y-1 text-sm">
          {SERIES.map(({ key, color, label }) => (
            <div key={key} className="flex items-baseline gap-2">
              <dt className="inline-flex items-center gap-1.5 text-gray-500 text-xs">
                <span aria-hidden="true" className="size-2 rounded-full" style={{ background: color }} />
                {label}
              </dt>
              <dd className="font-semibold text-gray-900 tabular-nums">{formatCount(totals[key])}</dd>
            </div>
          ))}
        </dl>
        {totals.accepted + totals.deadLettered === 0 ? (
          <EmptyState
            className="py-10"
            icon={Activity}
            title={`No events in ${phrase}`}
            description="Events accepted and dead-lettered per minute show here as they are committed; this refreshes every 10 seconds."
          />
        ) : (
          <div className="h-56 w-full" role="img" aria-labelledby={titleId} aria-describedby={summaryId}>
            <p id={summaryId} className="sr-only">
              {summary}
            </p>
            <ResponsiveContainer width="100%" height="100%">
              {/* The picture is summed up in its description; the chart itself is no Tab stop. */}
              {range === "1h" ? (
                <BarChart data={points} margin={CHART_MARGIN} barCategoryGap="15%" accessibilityLayer={false}>
                  {axes}
                  {SERIES.map(({ key, color }) => (
                    <Bar key={key} dataKey={key} stackId="events" fill={color} isAnimationActive={false} />
                  ))}
                </BarChart>
              ) : (
                // 1,440 minutes are too many bars to see: a day is drawn as stacked areas of the same counts.
                <AreaChart data={points} margin={CHART_MARGIN} accessibilityLayer={false}>
                  {axes}
                  {SERIES.map(({ key, color }) => (
                    <Area
                      key={key}
                      type="linear"
                      dataKey={key}
                      stackId="events"
                      stroke={color}
                      fill={color}
                      fillOpacity={0.25}
                      isAnimationActive={false}
                    />
                  ))}
                </AreaChart>
              )}
            </ResponsiveContainer>
          </div>
        )}
      </>
    );
  }

  return (
    <Card role="region" aria-labelledby={titleId}>
      <CardHeader
        title={<span id={titleId}>Ingest rate</span>}
        description={`Events per minute over ${phrase} (UTC minutes), refreshed every 10 seconds.`}
        actions={toggle}
      />
      <CardBody>{body}</CardBody>
    </Card>
  );
}
