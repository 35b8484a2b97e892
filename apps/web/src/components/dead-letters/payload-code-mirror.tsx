"use client";
// The CodeMirror view behind the dead-letter payload editor, loaded in the browser only: JSON
// highlighting, folding and bracket matching. Problems are listed under the editor, as the API finds
// them (an NDJSON letter of several events is not one JSON value, so no local JSON linter here).
import { json } from "@codemirror/lang-json";
import { type CodeMirrorFieldProps, CodeMirrorView } from "@/components/ui/code-mirror-view";

const extensions = [json()];

export default function PayloadCodeMirror(props: CodeMirrorFieldProps) {
  return (
    <CodeMirrorView {...props} extensions={extensions} fontSize="12px" autocompletion={false} multiline />
  );
}
