// How a result column sorts within the result: numbers by value (BIGINT and DECIMAL arrive as text),
// everything else as text in natural order; NULLs always last.
import { columnKind } from "./chart-defaults";

export type CellCompare = (a: unknown, b: unknown) => number;

const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

function asNumber(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  return Number(value);
}

function asText(value: unknown): string {
  if (typeof value === "string") return value;
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

export function isNullish(value: unknown): boolean {
  return value === null || value === undefined;
}

/** An ascending comparison of two non-null cells of a column of this engine type. */
export function compareCells(type: string): CellCompare {
  if (columnKind(type) === "number") {
    return (a, b) => {
      const x = asNumber(a);
      const y = asNumber(b);
      if (Number.isNaN(x) || Number.isNaN(y)) return collator.compare(asText(a), asText(b));
      return x < y ? -1 : x > y ? 1 : 0;
    };
  }
  if (type.toUpperCase().startsWith("BOOL")) {
    return (a, b) => Number(a === true || a === "true") - Number(b === true || b === "true");
  }
  // ISO dates and timestamps sort correctly as text.
  return (a, b) => collator.compare(asText(a), asText(b));
}

/** The rows' order when sorted by one column, NULLs last in either direction. */
export function sortedRowIndexes(
  rows: readonly Record<string, unknown>[],
  column: string,
  type: string,
  direction: "asc" | "desc",
): number[] {
  const compare = compareCells(type);
  const sign = direction === "asc" ? 1 : -1;
  return rows
    .map((_, i) => i)
    .sort((i, j) => {
      const a = rows[i]![column];
      const b = rows[j]![column];
      if (isNullish(a)) return isNullish(b) ? i - j : 1;
      if (isNullish(b)) return -1;
      return sign * compare(a, b) || i - j;
    });
}
