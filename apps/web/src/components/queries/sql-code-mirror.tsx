"use client";
// The CodeMirror view behind SqlEditor, loaded in the browser only: DuckDB highlighting, completion of
// the tables and columns the person may read, `{{name}}` parameters marked, Ctrl/Cmd+Enter to run, and
// the API's error underlined at the line and column it names.
import { closeCompletion } from "@codemirror/autocomplete";
import { sql } from "@codemirror/lang-sql";
import { type Diagnostic, setDiagnostics } from "@codemirror/lint";
import {
  Decoration,
  EditorView,
  keymap,
  MatchDecorator,
  Prec,
  type ReactCodeMirrorRef,
  ViewPlugin,
  type ViewUpdate,
} from "@uiw/react-codemirror";
import { useEffect, useMemo, useRef } from "react";
import { CodeMirrorView } from "@/components/ui/code-mirror-view";
import type { CompletionSchema } from "./completion-schema";
import { DuckDB } from "./duckdb-dialect";

export interface SqlEditorMark {
  from: number;
  to: number;
  message: string;
}

export interface SqlCodeMirrorProps {
  value: string;
  onChange: (value: string) => void;
  onRun: () => void;
  schema: CompletionSchema;
  mark: SqlEditorMark | undefined;
  ariaLabel: string;
  describedBy: string;
  height: string;
}

const parameterMarks = new MatchDecorator({
  regexp: /\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\}/g,
  decoration: Decoration.mark({ class: "cm-sql-parameter" }),
});

const highlightParameters = ViewPlugin.fromClass(
  class {
    decorations;
    constructor(view: EditorView) {
      this.decorations = parameterMarks.createDeco(view);
    }
    update(update: ViewUpdate) {
      this.decorations = parameterMarks.updateDeco(update, this.decorations);
    }
  },
  { decorations: (plugin) => plugin.decorations },
);

const parameterTheme = EditorView.theme({
  ".cm-sql-parameter": {
    backgroundColor: "rgb(237 233 254)",
    color: "rgb(91 33 182)",
    borderRadius: "3px",
  },
});

export default function SqlCodeMirror({ onRun, schema, mark, ...editor }: SqlCodeMirrorProps) {
  const ref = useRef<ReactCodeMirrorRef>(null);
  // The key binding is made once; it calls whatever onRun is current.
  const run = useRef(onRun);
  run.current = onRun;

  const extensions = useMemo(
    () => [
      sql({ dialect: DuckDB, schema, upperCaseKeywords: true }),
      Prec.highest(
        keymap.of([
          {
            key: "Mod-Enter",
            preventDefault: true,
            run: (view) => {
              // The completion list would stay open over the results.
              closeCompletion(view);
              run.current();
              return true;
            },
          },
        ]),
      ),
      highlightParameters,
      parameterTheme,
    ],
    [schema],
  );

  // The API's verdict on the SQL is shown where it points, and cleared when there is none.
  useEffect(() => {
    const view = ref.current?.view;
    if (!view) return;
    const length = view.state.doc.length;
    const diagnostics: Diagnostic[] = mark
      ? [
          {
            from: Math.min(mark.from, length),
            to: Math.min(Math.max(mark.to, mark.from), length),
            severity: "error",
            message: mark.message,
          },
        ]
      : [];
    view.dispatch(setDiagnostics(view.state, diagnostics));
  }, [mark]);

  return (
    <CodeMirrorView {...editor} ref={ref} extensions={extensions} multiline fontSize="13px" autocompletion />
  );
}
