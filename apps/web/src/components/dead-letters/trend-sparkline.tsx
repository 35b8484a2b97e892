"use client";
// A group's letters per hour as a small area chart (recharts) with a tooltip per bucket; what it shows is
// said in its accessible name, so the chart itself is no Tab stop.
import { Area, AreaChart, Tooltip, YAxis } from "recharts";
import { TimeSpanTooltip } from "@/components/ui/chart-parts";
import { formatCount } from "@/lib/format";
import { type SparkPoint, sparkPoints, trendSummary } from "@/lib/sparkline";

const STROKE = "#dc2626";

function PointTooltip({
  active,
  payload,
}: {
  active?: boolean;
  payload?: ReadonlyArray<{ payload?: SparkPoint }>;
}) {
  const point = payload?.[0]?.payload;
  if (!active || !point) return null;
  return (
    <TimeSpanTooltip at={point.at} spanMs={point.spanMs}>
      <p className="mt-0.5 font-semibold text-gray-900 tabular-nums">
        {formatCount(point.count)} {point.count === 1 ? "letter" : "letters"}
      </p>
    </TimeSpanTooltip>
  );
}

export function TrendSparkline({
  trend,
  from,
  width = 128,
  height = 32,
}: {
  /** Letters per hour, oldest first. */
  trend: readonly number[];
  from: Date;
  width?: number;
  height?: number;
}) {
  const points = sparkPoints(trend, from.getTime(), Math.floor(width / 1.5));
  return (
    <div
      role="img"
      aria-label={trendSummary(points)}
      data-testid="dead-letter-group-trend"
      style={{ width, height }}
    >
      <AreaChart
        width={width}
        height={height}
        data={points}
        margin={{ top: 2, right: 1, bottom: 1, left: 1 }}
        accessibilityLayer={false}
      >
        <YAxis hide domain={[0, "dataMax"]} />
        <Tooltip content={<PointTooltip />} cursor={{ stroke: "#d1d5db" }} wrapperStyle={{ zIndex: 20 }} />
        <Area
          type="monotone"
          dataKey="count"
          stroke={STROKE}
          strokeWidth={1.5}
          fill={STROKE}
          fillOpacity={0.12}
          isAnimationActive={false}
          dot={false}
        />
      </AreaChart>
    </div>
  );
}
