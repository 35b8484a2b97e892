"use client";
// A result drawn as a line, bar, area, scatter or pie chart (recharts) from the columns chosen in
// ChartControls; the picture's accessible name says what it plots.
import { memo, type ReactElement } from "react";
import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  Legend,
  Line,
  LineChart,
  Pie,
  PieChart,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { AXIS_LINE, AXIS_TICK, GRID_STROKE } from "@/components/ui/chart-parts";
import { formatCompact, formatCount } from "@/lib/format";
import {
  CHART_TYPE_LABELS,
  type ChartSettings,
  chartPoints,
  columnKind,
  integerColumn,
  type ResultColumn,
  timeAxisLabel,
} from "./chart-defaults";

const PALETTE = ["#4f39f6", "#0ea5e9", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#ec4899", "#64748b"];
/** A pie with more slices than this is unreadable: the rest are summed into "Other". */
const PIE_SLICES = 12;

/** The charts that plot each chosen column as its own series over the x axis. */
const CARTESIAN_CHARTS = { line: LineChart, area: AreaChart, bar: BarChart };

/** One column's series in a line, area or bar chart, in its colour. */
function series(type: keyof typeof CARTESIAN_CHARTS, y: string, color: string | undefined): ReactElement {
  if (type === "line") {
    return <Line key={y} dataKey={y} stroke={color} dot={false} strokeWidth={2} isAnimationActive={false} />;
  }
  if (type === "area") {
    return (
      <Area key={y} dataKey={y} stroke={color} fill={color} fillOpacity={0.15} isAnimationActive={false} />
    );
  }
  return <Bar key={y} dataKey={y} fill={color} radius={[3, 3, 0, 0]} isAnimationActive={false} />;
}

export function chartSummary(chart: ChartSettings, points: number, truncated: boolean): string {
  const what = chart.type === "pie" ? chart.y[0] : chart.y.join(", ");
  return `${CHART_TYPE_LABELS[chart.type]} chart of ${what} by ${chart.x}, ${formatCount(points)} ${
    points === 1 ? "point" : "points"
  }${truncated ? " (the first of the result)" : ""}`;
}

/** Memoized: a chart of thousands of points must not redraw when the grid beside it scrolls or sorts. */
export const ResultChart = memo(function ResultChart({
  chart,
  columns,
  rows,
}: {
  chart: ChartSettings;
  columns: readonly ResultColumn[];
  rows: readonly Record<string, unknown>[];
}) {
  const { points, truncated } = chartPoints(rows, chart, columns);
  const summary = chartSummary(chart, points.length, truncated);
  const margin = { top: 8, right: 16, bottom: 4, left: 4 };
  const typeOf = (name: string) => columns.find((c) => c.name === name)?.type ?? "";
  const timeX = columnKind(typeOf(chart.x)) === "time";
  const wholeY = chart.y.every((y) => integerColumn(typeOf(y)));
  const xAxis = (
    <XAxis
      dataKey={chart.x}
      tick={AXIS_TICK}
      tickLine={false}
      axisLine={AXIS_LINE}
      minTickGap={24}
      type={chart.type === "scatter" ? "number" : "category"}
      name={chart.x}
      tickFormatter={timeX ? timeAxisLabel : undefined}
    />
  );
  const yAxis = (
    <YAxis
      tick={AXIS_TICK}
      tickLine={false}
      axisLine={false}
      width={52}
      allowDecimals={!wholeY}
      tickFormatter={(value: number) => formatCompact(value)}
    />
  );
  const grid = <CartesianGrid vertical={false} stroke={GRID_STROKE} />;
  const tooltip = <Tooltip wrapperClassName="text-xs" labelFormatter={timeX ? timeAxisLabel : undefined} />;
  const legend = chart.y.length > 1 ? <Legend wrapperStyle={{ fontSize: 12 }} /> : null;

  let body: ReactElement;
  const type = chart.type;
  if (type === "line" || type === "area" || type === "bar") {
    const Chart = CARTESIAN_CHARTS[type];
    body = (
      <Chart data={points} margin={margin} accessibilityLayer={false}>
        {grid}
        {xAxis}
        {yAxis}
        {tooltip}
        {legend}
        {chart.y.map((y, i) => series(type, y, PALETTE[i % PALETTE.length]))}
      </Chart>
    );
  } else if (type === "scatter") {
    body = (
      <ScatterChart margin={margin} accessibilityLayer={false}>
        {grid}
        {xAxis}
        <YAxis
          dataKey={chart.y[0]}
          name={chart.y[0]}
          tick={AXIS_TICK}
          tickLine={false}
          axisLine={false}
          width={52}
        />
        {tooltip}
        <Scatter data={points} fill={PALETTE[0]} isAnimationActive={false} />
      </ScatterChart>
    );
  } else {
    const value = chart.y[0] ?? "";
    const slices = pieSlices(points, chart.x, value);
    body = (
      <PieChart margin={margin} accessibilityLayer={false}>
        {tooltip}
        <Legend wrapperStyle={{ fontSize: 12 }} />
        <Pie data={slices} dataKey="value" nameKey="name" outerRadius="80%" isAnimationActive={false}>
          {slices.map((slice, i) => (
            <Cell key={slice.name} fill={PALETTE[i % PALETTE.length]} />
          ))}
        </Pie>
      </PieChart>
    );
  }

  return (
    <figure>
      <div className="h-72 w-full" role="img" aria-label={summary}>
        <ResponsiveContainer width="100%" height="100%">
          {body}
        </ResponsiveContainer>
      </div>
      <figcaption className="mt-1 text-gray-500 text-xs">{summary}</figcaption>
    </figure>
  );
});

function pieSlices(points: readonly Record<string, unknown>[], x: string, y: string) {
  const all = points
    .map((p) => ({ name: String(p[x] ?? "NULL"), value: typeof p[y] === "number" ? (p[y] as number) : 0 }))
    .filter((s) => s.value > 0)
    .sort((a, b) => b.value - a.value);
  if (all.length <= PIE_SLICES) return all;
  const rest = all.slice(PIE_SLICES - 1).reduce((n, s) => n + s.value, 0);
  return [...all.slice(0, PIE_SLICES - 1), { name: "Other", value: rest }];
}
