"use client";
// The SQL editor of an analytics table's definition: CodeMirror with highlighting and completion of the
// tables a definition may read, the server's refusal underlined where it points and written below.
// CodeMirror touches the DOM as it loads, so it is loaded in the browser only.
import { clsx } from "clsx";
import dynamic from "next/dynamic";
import { useId } from "react";
import { Skeleton } from "@/components/ui/skeleton";
import type { SqlErrorMark } from "./analytics-sql-code-mirror";

const AnalyticsSqlCodeMirror = dynamic(() => import("./analytics-sql-code-mirror"), {
  ssr: false,
  loading: () => <Skeleton className="h-full min-h-24 w-full" />,
});

export type { SqlErrorMark };

export interface AnalyticsSqlEditorProps {
  value: string;
  onChange: (value: string) => void;
  /** The editor's accessible name. */
  ariaLabel: string;
  /** The server's message about the SQL, placed in it when it carries a line and column. */
  error?: { message: string; line?: number | undefined; column?: number | undefined } | undefined;
  schema: Record<string, string[]>;
  height?: string;
}

export function AnalyticsSqlEditor({
  value,
  onChange,
  ariaLabel,
  error,
  schema,
  height = "14rem",
}: AnalyticsSqlEditorProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const mark: SqlErrorMark | undefined =
    error && error.line !== undefined && error.column !== undefined
      ? { line: error.line, column: error.column, message: error.message }
      : undefined;
  return (
    <div className="space-y-1.5">
      <div
        className={clsx(
          "rounded-md border bg-white shadow-xs focus-within:ring-3",
          error
            ? "border-red-400 focus-within:ring-red-500/20"
            : "border-gray-300 focus-within:border-accent-500 focus-within:ring-accent-500/20",
        )}
        style={{ height }}
      >
        <AnalyticsSqlCodeMirror
          value={value}
          onChange={onChange}
          readOnly={false}
          ariaLabel={ariaLabel}
          describedBy={`${errorId} ${hintId}`}
          invalid={error !== undefined}
          height={height}
          schema={schema}
          errorMark={mark}
        />
      </div>
      <div id={errorId} aria-live="polite">
        {error ? (
          <p role="alert" className="text-red-700 text-xs">
            {error.message}
          </p>
        ) : null}
      </div>
      <p id={hintId} className="text-gray-500 text-xs">
        One SELECT over curated and analytics tables (curated.orders). Tab indents; press Escape, then Tab, to
        move on.
      </p>
    </div>
  );
}
