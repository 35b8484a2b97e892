// A line-by-line diff of two texts (a saved query's SQL in two versions): the longest common
// subsequence of lines, each line kept, removed or added, with its line numbers on either side.

export interface DiffLine {
  kind: "same" | "removed" | "added";
  text: string;
  /** Its line number in the older text (kept and removed lines). */
  fromLine?: number;
  /** Its line number in the newer text (kept and added lines). */
  toLine?: number;
}

/** Above this many cells the middle part is shown as removed then added, rather than matched. */
const MAX_CELLS = 4_000_000;

export function diffLines(fromText: string, toText: string): DiffLine[] {
  const a = fromText.split("\n");
  const b = toText.split("\n");
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA -= 1;
    endB -= 1;
  }
  const out: DiffLine[] = [];
  for (let i = 0; i < start; i += 1) out.push({ kind: "same", text: a[i]!, fromLine: i + 1, toLine: i + 1 });
  out.push(...diffMiddle(a, b, start, endA, start, endB));
  for (let k = 0; endA + k < a.length; k += 1) {
    out.push({ kind: "same", text: a[endA + k]!, fromLine: endA + k + 1, toLine: endB + k + 1 });
  }
  return out;
}

function diffMiddle(a: string[], b: string[], a0: number, a1: number, b0: number, b1: number): DiffLine[] {
  const n = a1 - a0;
  const m = b1 - b0;
  const removedThenAdded = (): DiffLine[] => [
    ...a.slice(a0, a1).map((text, i) => ({ kind: "removed" as const, text, fromLine: a0 + i + 1 })),
    ...b.slice(b0, b1).map((text, j) => ({ kind: "added" as const, text, toLine: b0 + j + 1 })),
  ];
  if (n === 0 || m === 0 || (n + 1) * (m + 1) > MAX_CELLS) return removedThenAdded();
  // lcs[i][j]: the longest common subsequence of a[a0+i..a1) and b[b0+j..b1).
  const width = m + 1;
  const lcs = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      lcs[i * width + j] =
        a[a0 + i] === b[b0 + j]
          ? lcs[(i + 1) * width + j + 1]! + 1
          : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[a0 + i] === b[b0 + j]) {
      out.push({ kind: "same", text: a[a0 + i]!, fromLine: a0 + i + 1, toLine: b0 + j + 1 });
      i += 1;
      j += 1;
    } else if (i < n && (j === m || lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!)) {
      // Removed lines come before the lines added in their place.
      out.push({ kind: "removed", text: a[a0 + i]!, fromLine: a0 + i + 1 });
      i += 1;
    } else {
      out.push({ kind: "added", text: b[b0 + j]!, toLine: b0 + j + 1 });
      j += 1;
    }
  }
  return out;
}
