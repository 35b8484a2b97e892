"use client";
// The CodeMirror view behind SqlEditor, loaded in the browser only: DuckDB highlighting, completion of
// the tables and columns the person may read, `{{name}}` parameters marked, Ctrl/Cmd+Enter to run, and
// the API's error underlined at the line and column it names.
import { sql } from "@codemirror/lang-sql";
import { type Diagnostic, lintGutter, setDiagnostics } from "@codemirror/lint";
import CodeMirror, {
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

const theme = EditorView.theme({
  "&": { fontSize: "13px", backgroundColor: "white" },
  ".cm-content": { fontFamily: "var(--font-mono, ui-monospace, SFMono-Regular, Menlo, monospace)" },
  ".cm-gutters": { backgroundColor: "rgb(249 250 251)", borderRight: "1px solid rgb(229 231 235)" },
  ".cm-sql-parameter": {
    backgroundColor: "rgb(237 233 254)",
    color: "rgb(91 33 182)",
    borderRadius: "3px",
  },
  "&.cm-focused": { outline: "none" },
});

export default function SqlCodeMirror({
  value,
  onChange,
  onRun,
  schema,
  mark,
  ariaLabel,
  describedBy,
  height,
}: SqlCodeMirrorProps) {
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
            run: () => {
              run.current();
              return true;
            },
          },
        ]),
      ),
      highlightParameters,
      lintGutter(),
      theme,
      EditorView.lineWrapping,
      EditorView.contentAttributes.of({
        "aria-label": ariaLabel,
        "aria-describedby": describedBy,
        "aria-multiline": "true",
      }),
    ],
    [schema, ariaLabel, describedBy],
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
    <CodeMirror
      ref={ref}
      value={value}
      onChange={onChange}
      height={height}
      extensions={extensions}
      // Tab indents; Escape then Tab moves focus on (CodeMirror's tab-focus mode).
      indentWithTab
      basicSetup={{ autocompletion: true, highlightActiveLine: true, searchKeymap: true }}
      className="overflow-hidden rounded-md"
    />
  );
}
