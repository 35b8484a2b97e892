"use client";
// The CodeMirror view behind JsonSchemaEditor, loaded in the browser only: JSON highlighting, folding,
// bracket matching, and syntax errors underlined where they are (the same finder as the text below).
import { json } from "@codemirror/lang-json";
import { type Diagnostic, linter, lintGutter } from "@codemirror/lint";
import CodeMirror, { EditorView } from "@uiw/react-codemirror";
import { useMemo } from "react";
import { describeJsonSyntaxError, findJsonSyntaxError } from "@/lib/json-syntax";

export interface JsonCodeMirrorProps {
  value: string;
  onChange?: (value: string) => void;
  readOnly: boolean;
  ariaLabel: string;
  /** Ids of the texts that describe the editor's errors and how to leave it. */
  describedBy: string;
  invalid: boolean;
  height: string;
}

const syntaxLinter = linter(
  (view): Diagnostic[] => {
    const text = view.state.doc.toString();
    if (text.trim() === "") return [];
    const error = findJsonSyntaxError(text);
    return error
      ? [{ from: error.from, to: error.to, severity: "error", message: describeJsonSyntaxError(error) }]
      : [];
  },
  { delay: 250 },
);

const theme = EditorView.theme({
  "&": { fontSize: "12px", backgroundColor: "white" },
  ".cm-content": { fontFamily: "var(--font-mono, ui-monospace, SFMono-Regular, Menlo, monospace)" },
  ".cm-gutters": { backgroundColor: "rgb(249 250 251)", borderRight: "1px solid rgb(229 231 235)" },
  "&.cm-focused": { outline: "none" },
});

export default function JsonCodeMirror({
  value,
  onChange,
  readOnly,
  ariaLabel,
  describedBy,
  invalid,
  height,
}: JsonCodeMirrorProps) {
  const extensions = useMemo(
    () => [
      json(),
      syntaxLinter,
      lintGutter(),
      theme,
      EditorView.lineWrapping,
      // The editable element is what assistive technology and tests find by its name.
      EditorView.contentAttributes.of({
        "aria-label": ariaLabel,
        "aria-describedby": describedBy,
        "aria-invalid": invalid ? "true" : "false",
        ...(readOnly ? { "aria-readonly": "true" } : {}),
      }),
    ],
    [ariaLabel, describedBy, invalid, readOnly],
  );
  return (
    <CodeMirror
      value={value}
      onChange={onChange}
      readOnly={readOnly}
      editable={!readOnly}
      height={height}
      extensions={extensions}
      // Tab indents while editing; Escape then Tab moves focus on (CodeMirror's tab-focus mode). A
      // read-only editor has nothing to indent, so Tab leaves it at once.
      indentWithTab={!readOnly}
      basicSetup={{ autocompletion: false, highlightActiveLine: !readOnly, searchKeymap: true }}
      className="overflow-hidden rounded-md"
    />
  );
}
