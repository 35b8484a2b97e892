// Counters and gauges with labels, and their rendering in the Prometheus text format for /metrics.
// Self-contained on purpose: no registry, each module owns its metrics and /metrics renders the list.

export type Labels = Readonly<Record<string, string>>;

interface Series {
  labels: Labels;
  value: number;
}

function seriesKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join("\u0000");
}

abstract class Metric {
  abstract readonly type: "counter" | "gauge";
  readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
  ) {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`invalid metric name ${name}`);
  }

  protected add(labels: Labels, delta: number): void {
    const key = seriesKey(labels);
    const s = this.series.get(key);
    if (s) s.value += delta;
    else this.series.set(key, { labels: { ...labels }, value: delta });
  }

  /** Current value for exactly these labels (0 when never touched). */
  get(labels: Labels = {}): number {
    return this.series.get(seriesKey(labels))?.value ?? 0;
  }

  reset(): void {
    this.series.clear();
  }
}

export class Counter extends Metric {
  readonly type = "counter";

  inc(labels: Labels = {}, by = 1): void {
    if (by < 0) throw new Error(`counter ${this.name} cannot decrease`);
    this.add(labels, by);
  }
}

export class Gauge extends Metric {
  readonly type = "gauge";

  set(labels: Labels, value: number): void {
    const key = seriesKey(labels);
    this.series.set(key, { labels: { ...labels }, value });
  }

  inc(labels: Labels = {}, by = 1): void {
    this.add(labels, by);
  }

  dec(labels: Labels = {}, by = 1): void {
    this.add(labels, -by);
  }
}

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}

/** The Prometheus text exposition (version 0.0.4) of the given metrics, HELP and TYPE included. */
export function renderPrometheus(metrics: Iterable<Counter | Gauge>): string {
  const lines: string[] = [];
  for (const m of metrics) {
    lines.push(`# HELP ${m.name} ${m.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`);
    lines.push(`# TYPE ${m.name} ${m.type}`);
    for (const { labels, value } of m.series.values()) {
      const keys = Object.keys(labels).sort();
      const rendered = keys.length
        ? `{${keys.map((k) => `${k}="${escapeLabelValue(labels[k] ?? "")}"`).join(",")}}`
        : "";
      lines.push(`${m.name}${rendered} ${formatValue(value)}`);
    }
  }
  return lines.length ? `${lines.join("\n")}\n` : "";
}

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
