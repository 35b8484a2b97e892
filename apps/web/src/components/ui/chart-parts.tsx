"use client";
// Pieces the console's time charts share (recharts): the axis and grid colours, the count axis, and the
// tooltip frame that names the time span a point covers.
import type { ReactNode } from "react";
import { YAxis } from "recharts";
import { formatCompact, formatHour } from "@/lib/format";

export const AXIS_TICK = { fontSize: 11, fill: "#6b7280" };
export const AXIS_LINE = { stroke: "#e5e7eb" };
export const GRID_STROKE = "#f0f1f3";

/**
 * A y axis of whole counts written compactly. A function, not a component, so the chart receives the
 * YAxis element itself.
 */
export function countYAxis(key?: string) {
  return (
    <YAxis
      key={key}
      allowDecimals={false}
      tickFormatter={(value: number) => formatCompact(value)}
      tick={AXIS_TICK}
      tickLine={false}
      axisLine={false}
      width={44}
    />
  );
}

/** A chart tooltip: the span from `at` for `spanMs`, then the point's figures. */
export function TimeSpanTooltip({
  at,
  spanMs,
  children,
}: {
  at: number;
  spanMs: number;
  children: ReactNode;
}) {
  return (
    <div className="rounded-md border border-gray-200 bg-white px-3 py-2 text-xs shadow-lg">
      <p className="text-gray-500">
        {formatHour(new Date(at))}–{formatHour(new Date(at + spanMs))}
      </p>
      {children}
    </div>
  );
}
