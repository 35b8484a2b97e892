"use client";
// The CodeMirror setup the console's editors share (loaded in the browser only, by the editors that use
// it): the house theme, line wrapping, the lint gutter, the accessible name and description on the
// editable element, and Tab indenting while editing (Escape then Tab moves focus on).
import { lintGutter } from "@codemirror/lint";
import CodeMirror, { EditorView, type Extension, type ReactCodeMirrorRef } from "@uiw/react-codemirror";
import { type Ref, useMemo } from "react";

export type CodeMirrorFontSize = "12px" | "13px";

/** What a form's editor is given: its text, its name and description, and whether it is invalid or read-only. */
export interface CodeMirrorFieldProps {
  value: string;
  onChange?: (value: string) => void;
  readOnly: boolean;
  ariaLabel: string;
  /** Ids of the texts that describe the editor's errors and how to leave it. */
  describedBy: string;
  invalid: boolean;
  height: string;
}

export interface CodeMirrorViewProps {
  value: string;
  onChange?: ((value: string) => void) | undefined;
  /** The language and the editor's own behaviour, placed before the shared setup. */
  extensions: Extension[];
  ariaLabel: string;
  /** Ids of the texts that describe the editor's errors and how to leave it. */
  describedBy: string;
  height: string;
  fontSize: CodeMirrorFontSize;
  autocompletion: boolean;
  readOnly?: boolean;
  /** Sets aria-invalid when given. */
  invalid?: boolean | undefined;
  /** Sets aria-multiline. */
  multiline?: boolean;
  ref?: Ref<ReactCodeMirrorRef>;
}

function houseTheme(fontSize: CodeMirrorFontSize) {
  return EditorView.theme({
    "&": { fontSize, backgroundColor: "white" },
    ".cm-content": { fontFamily: "var(--font-mono, ui-monospace, SFMono-Regular, Menlo, monospace)" },
    ".cm-gutters": { backgroundColor: "rgb(249 250 251)", borderRight: "1px solid rgb(229 231 235)" },
    "&.cm-focused": { outline: "none" },
  });
}

const themes: Record<CodeMirrorFontSize, Extension> = {
  "12px": houseTheme("12px"),
  "13px": houseTheme("13px"),
};

export function CodeMirrorView({
  value,
  onChange,
  extensions,
  ariaLabel,
  describedBy,
  height,
  fontSize,
  autocompletion,
  readOnly = false,
  invalid,
  multiline = false,
  ref,
}: CodeMirrorViewProps) {
  const all = useMemo(
    () => [
      ...extensions,
      lintGutter(),
      themes[fontSize],
      EditorView.lineWrapping,
      // The editable element is what assistive technology and tests find by its name.
      EditorView.contentAttributes.of({
        "aria-label": ariaLabel,
        "aria-describedby": describedBy,
        ...(invalid !== undefined ? { "aria-invalid": invalid ? "true" : "false" } : {}),
        ...(readOnly ? { "aria-readonly": "true" } : {}),
        ...(multiline ? { "aria-multiline": "true" } : {}),
      }),
    ],
    [extensions, fontSize, ariaLabel, describedBy, invalid, readOnly, multiline],
  );
  return (
    <CodeMirror
      ref={ref}
      value={value}
      onChange={onChange}
      readOnly={readOnly}
      editable={!readOnly}
      height={height}
      extensions={all}
      // Tab indents while editing; Escape then Tab moves focus on (CodeMirror's tab-focus mode). A
      // read-only editor has nothing to indent, so Tab leaves it at once.
      indentWithTab={!readOnly}
      basicSetup={{ autocompletion, highlightActiveLine: !readOnly, searchKeymap: true }}
      className="overflow-hidden rounded-md"
    />
  );
}
