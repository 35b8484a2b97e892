"use client";
// The SQL editor of the Queries page: CodeMirror (loaded in the browser only, as it touches the DOM as it
// loads) in a frame that turns red on an error, the error below it as text, and how to use the keyboard.
import { clsx } from "clsx";
import dynamic from "next/dynamic";
import { useId } from "react";
import { Skeleton } from "@/components/ui/skeleton";
import type { CompletionSchema } from "./completion-schema";
import type { SqlEditorMark } from "./sql-code-mirror";

const SqlCodeMirror = dynamic(() => import("./sql-code-mirror"), {
  ssr: false,
  loading: () => <Skeleton className="h-full min-h-24 w-full" />,
});

export function SqlEditor({
  value,
  onChange,
  onRun,
  schema,
  mark,
  height = "16rem",
}: {
  value: string;
  onChange: (value: string) => void;
  onRun: () => void;
  schema: CompletionSchema;
  /** The API's complaint about the SQL, underlined where it points. */
  mark: SqlEditorMark | undefined;
  height?: string;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  return (
    <div className="space-y-1.5">
      <div
        className={clsx(
          "rounded-md border bg-white shadow-xs focus-within:ring-3",
          mark
            ? "border-red-400 focus-within:ring-red-500/20"
            : "border-gray-300 focus-within:border-accent-500 focus-within:ring-accent-500/20",
        )}
        style={{ height }}
      >
        <SqlCodeMirror
          value={value}
          onChange={onChange}
          onRun={onRun}
          schema={schema}
          mark={mark}
          ariaLabel="SQL"
          describedBy={`${errorId} ${hintId}`}
          height={height}
        />
      </div>
      <p id={hintId} className="text-gray-500 text-xs">
        Ctrl+Enter (⌘+Enter on a Mac) runs. Ctrl+Space completes tables and columns. Tab indents; press
        Escape, then Tab, to move on. Write <span className="font-mono">{"{{name}}"}</span> for a parameter.
      </p>
      <p id={errorId} className="sr-only">
        {mark ? `Error in the SQL: ${mark.message}` : ""}
      </p>
    </div>
  );
}
