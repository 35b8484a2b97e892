"use client";
// The CodeMirror view behind AnalyticsSqlEditor, loaded in the browser only: SQL highlighting, completion
// of the lake's tables and their columns, and the server's refusal underlined where it points.
import { PostgreSQL, sql } from "@codemirror/lang-sql";
import { type Diagnostic, linter, lintGutter } from "@codemirror/lint";
import CodeMirror, { EditorView } from "@uiw/react-codemirror";
import { useMemo } from "react";

/** Where the server placed an error in the SQL (1-based), and what it said. */
export interface SqlErrorMark {
  line: number;
  column: number;
  message: string;
}

export interface AnalyticsSqlCodeMirrorProps {
  value: string;
  onChange?: (value: string) => void;
  readOnly: boolean;
  ariaLabel: string;
  describedBy: string;
  invalid: boolean;
  height: string;
  /** Tables (zone.name) and their columns, for completion. */
  schema: Record<string, string[]>;
  errorMark: SqlErrorMark | undefined;
}

const theme = EditorView.theme({
  "&": { fontSize: "12px", backgroundColor: "white" },
  ".cm-content": { fontFamily: "var(--font-mono, ui-monospace, SFMono-Regular, Menlo, monospace)" },
  ".cm-gutters": { backgroundColor: "rgb(249 250 251)", borderRight: "1px solid rgb(229 231 235)" },
  "&.cm-focused": { outline: "none" },
});

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
  value,
  onChange,
  readOnly,
  ariaLabel,
  describedBy,
  invalid,
  height,
  schema,
  errorMark,
}: AnalyticsSqlCodeMirrorProps) {
  const extensions = useMemo(
    () => [
      sql({ dialect: PostgreSQL, schema, upperCaseKeywords: true }),
      markLinter(errorMark),
      lintGutter(),
      theme,
      EditorView.lineWrapping,
      EditorView.contentAttributes.of({
        "aria-label": ariaLabel,
        "aria-describedby": describedBy,
        "aria-invalid": invalid ? "true" : "false",
        ...(readOnly ? { "aria-readonly": "true" } : {}),
      }),
    ],
    [ariaLabel, describedBy, invalid, readOnly, schema, errorMark],
  );
  return (
    <CodeMirror
      value={value}
      onChange={onChange}
      readOnly={readOnly}
      editable={!readOnly}
      height={height}
      extensions={extensions}
      // Tab indents while editing; Escape then Tab moves focus on (CodeMirror's tab-focus mode).
      indentWithTab={!readOnly}
      basicSetup={{ autocompletion: true, highlightActiveLine: !readOnly, searchKeymap: true }}
      className="overflow-hidden rounded-md"
    />
  );
}
