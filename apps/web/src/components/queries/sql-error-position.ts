// Where in the SQL an error points: the API writes a syntax error's place as "(line 3, column 14)";
// this reads it back and turns it into an offset in the editor's text.

export interface SqlErrorPosition {
  line: number;
  column: number;
}

/** The last "line N, column M" a message names, if any. */
export function sqlErrorPosition(message: string): SqlErrorPosition | undefined {
  const all = [...message.matchAll(/line (\d+),? column (\d+)/gi)];
  const last = all[all.length - 1];
  if (!last?.[1] || !last[2]) return undefined;
  return { line: Number(last[1]), column: Number(last[2]) };
}

/** The 0-based offset of a 1-based line and column in the text, kept inside the text. */
export function offsetOf(text: string, position: SqlErrorPosition): number {
  const lines = text.split("\n");
  const line = Math.min(Math.max(position.line, 1), lines.length);
  let offset = 0;
  for (let i = 0; i < line - 1; i += 1) offset += lines[i]!.length + 1;
  const length = lines[line - 1]?.length ?? 0;
  return offset + Math.min(Math.max(position.column - 1, 0), length);
}

/** The message without its position, to show beside the place it marks. */
export function withoutPosition(message: string): string {
  return message.replace(/\s*\(?line \d+,? column \d+\)?/gi, "").trim();
}
