// Which chart a result gets: each column read as time, number or category from its engine type, a
// sensible default (time and numbers → a line over time; a category and numbers → bars; two numbers →
// a scatter), whether a saved chart still fits the result, and the rows as points to plot.
import { formatDateTime } from "@/lib/format";

export const CHART_TYPES = ["line", "bar", "area", "scatter", "pie"] as const;
export type ChartType = (typeof CHART_TYPES)[number];

export const CHART_TYPE_LABELS: Record<ChartType, string> = {
  line: "Line",
  bar: "Bar",
  area: "Area",
  scatter: "Scatter",
  pie: "Pie",
};

export interface ChartSettings {
  type: ChartType;
  x: string;
  y: string[];
}

export interface ResultColumn {
  name: string;
  type: string;
}

export type ColumnKind = "time" | "number" | "category" | "other";

const NUMBER_TYPES =
  /^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|REAL|DOUBLE|DECIMAL|NUMERIC|INT[1248]|FLOAT[48])\b/;
const TIME_TYPES = /^(DATE|TIMESTAMP|TIMESTAMPTZ|DATETIME|TIME)\b/;
const CATEGORY_TYPES = /^(VARCHAR|TEXT|STRING|CHAR|BPCHAR|BOOLEAN|BOOL|ENUM|UUID)\b/;

const INTEGER_TYPES =
  /^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|INT[1248])\b/;

/** Whether a column holds whole numbers only, so its axis needs no fractional ticks (0.8 items). */
export function integerColumn(type: string): boolean {
  return INTEGER_TYPES.test(type.trim().toUpperCase());
}

export function columnKind(type: string): ColumnKind {
  const t = type.trim().toUpperCase();
  if (NUMBER_TYPES.test(t)) return "number";
  if (TIME_TYPES.test(t)) return "time";
  if (CATEGORY_TYPES.test(t)) return "category";
  return "other";
}

/** Series picked by default: one, since numbers of different scales on one axis flatten each other. */
const DEFAULT_SERIES = 1;

/** The chart a result opens with, or undefined when nothing in it can be plotted. */
export function defaultChart(columns: readonly ResultColumn[]): ChartSettings | undefined {
  const of = (kind: ColumnKind) => columns.filter((c) => columnKind(c.type) === kind).map((c) => c.name);
  const times = of("time");
  const numbers = of("number");
  const categories = of("category");
  if (times[0] && numbers.length > 0) {
    return { type: "line", x: times[0], y: numbers.slice(0, DEFAULT_SERIES) };
  }
  if (categories[0] && numbers.length > 0) {
    return { type: "bar", x: categories[0], y: numbers.slice(0, DEFAULT_SERIES) };
  }
  if (numbers[0] && numbers[1]) return { type: "scatter", x: numbers[0], y: [numbers[1]] };
  return undefined;
}

/** Whether a chart's columns are all in the result, and its series numbers (a pie plots one). */
export function chartFits(chart: ChartSettings, columns: readonly ResultColumn[]): boolean {
  const byName = new Map(columns.map((c) => [c.name, c]));
  if (!byName.has(chart.x) || chart.y.length === 0) return false;
  return chart.y.every((y) => {
    const c = byName.get(y);
    return c !== undefined && columnKind(c.type) === "number";
  });
}

/** The chart to show: the saved one when it fits the result, else the default for its columns. */
export function chartFor(
  saved: ChartSettings | null | undefined,
  columns: readonly ResultColumn[],
): ChartSettings | undefined {
  return saved && chartFits(saved, columns) ? saved : defaultChart(columns);
}

/** At most this many points are drawn, per chart type: beyond it a chart is unreadable and slow. */
export const MAX_CHART_POINTS: Record<ChartType, number> = {
  line: 2_000,
  area: 2_000,
  scatter: 2_000,
  bar: 200,
  pie: 200,
};

export type ChartPoint = Record<string, string | number | null>;

function toNumber(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  if (typeof value === "bigint") return Number(value);
  return null;
}

function toLabel(value: unknown): string | number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return value;
  if (value instanceof Date) return value.toISOString();
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/**
 * The rows as points: y values as numbers (BIGINT and DECIMAL arrive as strings), x as a label or a
 * number; a line, area or scatter sorted along x; at most MAX_CHART_POINTS of the chart's type.
 */
export function chartPoints(
  rows: readonly Record<string, unknown>[],
  chart: ChartSettings,
  columns: readonly ResultColumn[],
): { points: ChartPoint[]; truncated: boolean } {
  const xKind = columnKind(columns.find((c) => c.name === chart.x)?.type ?? "");
  const numericX = xKind === "number";
  const max = MAX_CHART_POINTS[chart.type];
  const points = rows.slice(0, max).map((row) => {
    const point: ChartPoint = { [chart.x]: numericX ? toNumber(row[chart.x]) : toLabel(row[chart.x]) };
    for (const y of chart.y) point[y] = toNumber(row[y]);
    return point;
  });
  if (chart.type !== "bar" && chart.type !== "pie" && (numericX || xKind === "time")) {
    points.sort((a, b) => {
      const ax = a[chart.x];
      const bx = b[chart.x];
      if (ax === null || ax === undefined) return 1;
      if (bx === null || bx === undefined) return -1;
      return ax < bx ? -1 : ax > bx ? 1 : 0;
    });
  }
  return { points, truncated: rows.length > max };
}

/**
 * A time axis label as people read it: a timestamp as "Dec 5, 09:12:52" in the reader's time zone (the
 * points keep the engine's ISO text, which sorts), a date, or text that is not a time, as it is.
 */
export function timeAxisLabel(value: unknown): string {
  if (typeof value !== "string") return value === null || value === undefined ? "" : String(value);
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const time = Date.parse(value);
  return Number.isNaN(time) ? value : formatDateTime(new Date(time));
}
