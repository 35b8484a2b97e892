// The Tables page's filter box: a table matches when every word typed is in its name or its source.
export function matchesFilter(filter: string, ...fields: (string | null | undefined)[]): boolean {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const text = fields
    .filter((f): f is string => typeof f === "string")
    .join(" ")
    .toLowerCase();
  return words.every((w) => text.includes(w));
}
