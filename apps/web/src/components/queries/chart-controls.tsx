"use client";
// The chart's settings: its type, the column along x and the number columns plotted.
import { Select } from "@/components/ui/select";
import {
  CHART_TYPE_LABELS,
  CHART_TYPES,
  type ChartSettings,
  type ChartType,
  columnKind,
  type ResultColumn,
} from "./chart-defaults";

export function ChartControls({
  chart,
  columns,
  onChange,
}: {
  chart: ChartSettings;
  columns: readonly ResultColumn[];
  onChange: (chart: ChartSettings) => void;
}) {
  const numbers = columns.filter((c) => columnKind(c.type) === "number");
  const setY = (name: string, on: boolean) => {
    const y = on ? [...chart.y, name] : chart.y.filter((v) => v !== name);
    if (y.length > 0)
      onChange({ ...chart, y: chart.type === "pie" || chart.type === "scatter" ? [name] : y });
  };
  const single = chart.type === "pie" || chart.type === "scatter";
  return (
    <div className="flex flex-wrap items-end gap-4">
      <Select
        label="Chart type"
        value={chart.type}
        onChange={(event) => {
          const type = event.target.value as ChartType;
          const single = type === "pie" || type === "scatter";
          onChange({ ...chart, type, y: single ? chart.y.slice(0, 1) : chart.y });
        }}
        className="w-36"
      >
        {CHART_TYPES.map((t) => (
          <option key={t} value={t}>
            {CHART_TYPE_LABELS[t]}
          </option>
        ))}
      </Select>
      <Select
        label={chart.type === "pie" ? "Slices by" : "X axis"}
        value={chart.x}
        onChange={(event) => onChange({ ...chart, x: event.target.value })}
        className="w-48"
      >
        {columns.map((c) => (
          <option key={c.name} value={c.name}>
            {c.name}
          </option>
        ))}
      </Select>
      <fieldset className="min-w-0">
        <legend className="font-medium text-gray-700 text-sm">{single ? "Value" : "Values"}</legend>
        <div className="mt-1.5 flex flex-wrap gap-x-3 gap-y-1">
          {numbers.map((c) => (
            <label key={c.name} className="inline-flex items-center gap-1.5 text-sm">
              <input
                type={single ? "radio" : "checkbox"}
                name="chart-values"
                checked={chart.y.includes(c.name)}
                onChange={(event) => setY(c.name, event.target.checked)}
              />
              <span className="font-mono text-xs">{c.name}</span>
            </label>
          ))}
        </div>
      </fieldset>
    </div>
  );
}
