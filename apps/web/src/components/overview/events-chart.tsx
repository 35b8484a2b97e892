"use client";
// Events accepted per hour over the last day, as an area chart.
import { Area, AreaChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatCompact, formatCount, formatHour } from "@/lib/format";

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
  const start = new Date(point.at);
  const end = new Date(point.at + 3_600_000);
  return (
    <div className="rounded-md border border-gray-200 bg-white px-3 py-2 text-xs shadow-lg">
      <p className="text-gray-500">
        {formatHour(start)}–{formatHour(end)}
      </p>
      <p className="mt-0.5 font-semibold text-gray-900 tabular-nums">{formatCount(point.events)} events</p>
    </div>
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
          <CartesianGrid vertical={false} stroke="#f0f1f3" />
          <XAxis
            dataKey="at"
            type="number"
            scale="time"
            domain={["dataMin", "dataMax"]}
            tickFormatter={(value: number) => formatHour(new Date(value))}
            tick={{ fontSize: 11, fill: "#6b7280" }}
            tickLine={false}
            axisLine={{ stroke: "#e5e7eb" }}
            minTickGap={24}
          />
          <YAxis
            allowDecimals={false}
            tickFormatter={(value: number) => formatCompact(value)}
            tick={{ fontSize: 11, fill: "#6b7280" }}
            tickLine={false}
            axisLine={false}
            width={44}
          />
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
