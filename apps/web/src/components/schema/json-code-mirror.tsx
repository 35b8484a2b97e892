"use client";
// The CodeMirror view behind JsonSchemaEditor, loaded in the browser only: JSON highlighting, folding,
// bracket matching, and syntax errors underlined where they are (the same finder as the text below).
import { json } from "@codemirror/lang-json";
import { type Diagnostic, linter } from "@codemirror/lint";
import { type CodeMirrorFieldProps, CodeMirrorView } from "@/components/ui/code-mirror-view";
import { describeJsonSyntaxError, findJsonSyntaxError } from "@/lib/json-syntax";

export type JsonCodeMirrorProps = CodeMirrorFieldProps;

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

const extensions = [json(), syntaxLinter];

export default function JsonCodeMirror(props: JsonCodeMirrorProps) {
  return <CodeMirrorView {...props} extensions={extensions} fontSize="12px" autocompletion={false} />;
}
