// The editor's underline for an error message that names a line and column: from that place to the end
// of the word there (at least one character).
import type { SqlEditorMark } from "./sql-code-mirror";
import { offsetOf, type SqlErrorPosition, sqlErrorPosition, withoutPosition } from "./sql-error-position";

/** The mark for a message, at `at` when the API placed it, else where the message says. */
export function editorMark(
  sql: string,
  message: string | undefined,
  at?: SqlErrorPosition,
): SqlEditorMark | undefined {
  if (!message) return undefined;
  const position = at ?? sqlErrorPosition(message);
  if (!position) return undefined;
  const from = offsetOf(sql, position);
  const word = /^[\w.$"]+/.exec(sql.slice(from))?.[0].length ?? 1;
  return {
    from,
    to: Math.min(sql.length, from + Math.max(1, word)),
    message: withoutPosition(message) || message,
  };
}
