"use client";
// Events accepted per hour over the last day, as an area chart.
import { Area, AreaChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis } from "recharts";
import { AXIS_LINE, AXIS_TICK, countYAxis, GRID_STROKE, TimeSpanTooltip } from "@/components/ui/chart-parts";
import { formatCount, formatHour } from "@/lib/format";

const ACCENT = "#4f39f6";

export interface HourlyEvents {
  hour: string;
  events: number;
}

interface ChartPoint {
  at: number;
  events: number;
}

function HourTooltip({
  active,
  payload,
}: {
  active?: boolean;
  payload?: ReadonlyArray<{ payload?: ChartPoint }>;
}) {
  const point = payload?.[0]?.payload;
  if (!active || !point) return null;
  return (
    <TimeSpanTooltip at={point.at} spanMs={3_600_000}>
      <p className="mt-0.5 font-semibold text-gray-900 tabular-nums">{formatCount(point.events)} events</p>
    </TimeSpanTooltip>
  );
}

export function EventsChart({ data }: { data: HourlyEvents[] }) {
  const points: ChartPoint[] = data.map((row) => ({ at: new Date(row.hour).getTime(), events: row.events }));
  const total = points.reduce((n, p) => n + p.events, 0);
  const busiest = points.reduce<ChartPoint | undefined>(
    (b, p) => (b && b.events >= p.events ? b : p),
    undefined,
  );
  const summary =
    total === 0 || !busiest
      ? "Events per hour over the last 24 hours: none"
      : `Events per hour over the last 24 hours: ${formatCount(total)} in all, most (${formatCount(busiest.events)}) from ${formatHour(new Date(busiest.at))}`;
  return (
    <div className="h-64 w-full" role="img" aria-label={summary}>
      <ResponsiveContainer width="100%" height="100%">
        {/* The picture is summed up in the label above; the chart itself is no Tab stop. */}
        <AreaChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} accessibilityLayer={false}>
          <defs>
            <linearGradient id="events-fill" x1="0" y1="0" x2="0" y2="1">
              <stop offset="0%" stopColor={ACCENT} stopOpacity={0.22} />
              <stop offset="100%" stopColor={ACCENT} stopOpacity={0.02} />
            </linearGradient>
          </defs>
          <CartesianGrid vertical={false} stroke={GRID_STROKE} />
          <XAxis
            dataKey="at"
            type="number"
            scale="time"
            domain={["dataMin", "dataMax"]}
            tickFormatter={(value: number) => formatHour(new Date(value))}
            tick={AXIS_TICK}
            tickLine={false}
            axisLine={AXIS_LINE}
            minTickGap={24}
          />
          {countYAxis()}
          <Tooltip content={<HourTooltip />} cursor={{ stroke: "#d1d5db" }} />
          <Area
            type="monotone"
            dataKey="events"
            stroke={ACCENT}
            strokeWidth={2}
            fill="url(#events-fill)"
            isAnimationActive={false}
          />
        </AreaChart>
      </ResponsiveContainer>
    </div>
  );
}
