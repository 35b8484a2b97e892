"use client";
// The CodeMirror view behind AnalyticsSqlEditor, loaded in the browser only: SQL highlighting, completion
// of the lake's tables and their columns, and the server's refusal underlined where it points.
import { PostgreSQL, sql } from "@codemirror/lang-sql";
import { type Diagnostic, linter } from "@codemirror/lint";
import { useMemo } from "react";
import { type CodeMirrorFieldProps, CodeMirrorView } from "@/components/ui/code-mirror-view";

/** Where the server placed an error in the SQL (1-based), and what it said. */
export interface SqlErrorMark {
  line: number;
  column: number;
  message: string;
}

export interface AnalyticsSqlCodeMirrorProps extends CodeMirrorFieldProps {
  /** Tables (zone.name) and their columns, for completion. */
  schema: Record<string, string[]>;
  errorMark: SqlErrorMark | undefined;
}

/** The server's error as a diagnostic over the rest of the word it points at. */
function markLinter(mark: SqlErrorMark | undefined) {
  return linter(
    (view): Diagnostic[] => {
      if (!mark) return [];
      const doc = view.state.doc;
      if (mark.line < 1 || mark.line > doc.lines) return [];
      const line = doc.line(mark.line);
      const from = Math.min(line.from + Math.max(0, mark.column - 1), line.to);
      const word = /^\w+/.exec(doc.sliceString(from, line.to))?.[0].length ?? 1;
      return [{ from, to: Math.min(from + word, doc.length), severity: "error", message: mark.message }];
    },
    { delay: 0 },
  );
}

export default function AnalyticsSqlCodeMirror({
  schema,
  errorMark,
  ...editor
}: AnalyticsSqlCodeMirrorProps) {
  const extensions = useMemo(
    () => [sql({ dialect: PostgreSQL, schema, upperCaseKeywords: true }), markLinter(errorMark)],
    [schema, errorMark],
  );
  return <CodeMirrorView {...editor} extensions={extensions} fontSize="12px" autocompletion />;
}
