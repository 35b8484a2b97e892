"use client";
// A line chart of several sampled series over the dashboard's range (recharts), one line per series.
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { AXIS_LINE, AXIS_TICK, GRID_STROKE } from "@/components/ui/chart-parts";
import { formatDateTime, formatHour } from "@/lib/format";

const COLOURS = ["#4f39f6", "#e11d48", "#0891b2", "#ca8a04", "#16a34a", "#9333ea", "#ea580c", "#475569"];

export interface ChartSeries {
  key: string;
  label: string;
  points: [number, number][];
  dashed?: boolean;
}

export function SeriesChart({
  series,
  format,
  label,
  height = 200,
}: {
  series: ChartSeries[];
  format: (value: number) => string;
  /** What the chart shows, for screen readers. */
  label: string;
  height?: number;
}) {
  const rows = new Map<number, Record<string, number>>();
  for (const s of series) {
    for (const [at, value] of s.points) {
      const row = rows.get(at) ?? { at };
      row[s.key] = value;
      rows.set(at, row);
    }
  }
  const data = [...rows.values()].sort((a, b) => (a.at ?? 0) - (b.at ?? 0));
  const max = Math.max(0, ...series.flatMap((s) => s.points.map(([, v]) => v)));
  const ticks = distinctTicks(max, format);
  return (
    <div className="w-full" style={{ height }} role="img" aria-label={label}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} accessibilityLayer={false}>
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
          <YAxis
            ticks={ticks}
            domain={ticks ? [0, ticks[ticks.length - 1]!] : undefined}
            tickFormatter={(value: number) => format(value)}
            tick={AXIS_TICK}
            tickLine={false}
            axisLine={false}
            width={56}
          />
          <Tooltip
            labelFormatter={(value) => formatDateTime(new Date(Number(value)))}
            formatter={(value) => format(Number(value))}
            contentStyle={{ fontSize: 12 }}
          />
          <Legend wrapperStyle={{ fontSize: 11 }} />
          {series.map((s, i) => (
            <Line
              key={s.key}
              dataKey={s.key}
              name={s.label}
              stroke={COLOURS[i % COLOURS.length]}
              strokeDasharray={s.dashed ? "4 3" : undefined}
              strokeWidth={1.75}
              dot={false}
              connectNulls
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

/** 1, 2, 2.5 or 5 times a power of ten: the smallest such step at least `rough`. */
function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  return (power * ([1, 2, 2.5, 5, 10].find((m) => m * power >= rough) ?? 10)) as number;
}

/**
 * Y-axis ticks from 0 past `max` whose labels all differ as `format` writes them (a small rate rounded
 * to "0.1/s" twice reads as a broken axis): five if they can, fewer otherwise. A series that is all
 * zero gets 0 and 1 (recharts would draw 0 to 4: "400 %" busy for workers that did nothing).
 */
export function distinctTicks(max: number, format: (value: number) => string): number[] | undefined {
  if (max === 0) return [0, 1];
  if (!(max > 0) || !Number.isFinite(max)) return undefined;
  for (const count of [4, 3, 2, 1]) {
    const step = niceStep(max / count);
    const ticks = Array.from({ length: Math.ceil(max / step - 1e-9) + 1 }, (_, i) =>
      Number((i * step).toPrecision(12)),
    );
    const labels = ticks.map(format);
    if (new Set(labels).size === labels.length) return ticks;
  }
  return [0];
}
