// A preview or result cell as text: NULL said as such, a double without its binary noise, nested values as compact JSON, long values cut for the
// table (the whole value goes in the cell's title).
export const CELL_MAX_CHARS = 120;

export function cellText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  // A double's binary noise (0.1 + 0.2 = 0.30000000000000004) is cut at 15 significant digits, as a
  // spreadsheet shows it; whole numbers are written in full.
  if (typeof value === "number")
    return Number.isInteger(value) || !Number.isFinite(value)
      ? String(value)
      : String(Number(value.toPrecision(15)));
  if (typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

export function shortCellText(text: string): string {
  const chars = [...text];
  return chars.length > CELL_MAX_CHARS ? `${chars.slice(0, CELL_MAX_CHARS - 1).join("")}…` : text;
}
