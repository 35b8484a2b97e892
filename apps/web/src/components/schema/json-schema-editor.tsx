"use client";
// A JSON (Schema) editor for forms: CodeMirror with highlighting and inline syntax errors, and below
// it the same errors as text ("Line 3, column 14: Expected ',' or '}'") plus any the server sent.
// CodeMirror touches the DOM as it loads, so it is loaded in the browser only.
import { clsx } from "clsx";
import dynamic from "next/dynamic";
import { useId, useMemo } from "react";
import { Skeleton } from "@/components/ui/skeleton";
import { describeJsonSyntaxError, findJsonSyntaxError } from "@/lib/json-syntax";

const JsonCodeMirror = dynamic(() => import("./json-code-mirror"), {
  ssr: false,
  loading: () => <Skeleton className="h-full min-h-24 w-full" />,
});

export interface JsonSchemaEditorProps {
  value: string;
  onChange?: (value: string) => void;
  readOnly?: boolean;
  /** The editor's accessible name (it has no visible label of its own). */
  ariaLabel: string;
  /** Messages from the server about this value (e.g. "schema does not compile: …"). */
  errors?: readonly string[];
  /** CSS height of the editing area; default 20rem. */
  height?: string | number;
  className?: string;
}

export function JsonSchemaEditor({
  value,
  onChange,
  readOnly = false,
  ariaLabel,
  errors = [],
  height = "20rem",
  className,
}: JsonSchemaEditorProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorsId = `${id}-errors`;
  const syntaxError = useMemo(() => (value.trim() === "" ? undefined : findJsonSyntaxError(value)), [value]);
  const messages = [...(syntaxError ? [describeJsonSyntaxError(syntaxError)] : []), ...errors];
  const cssHeight = typeof height === "number" ? `${height}px` : height;
  return (
    <div className={clsx("space-y-1.5", className)}>
      <div
        className={clsx(
          "rounded-md border bg-white shadow-xs focus-within:ring-3",
          messages.length > 0
            ? "border-red-400 focus-within:ring-red-500/20"
            : "border-gray-300 focus-within:border-accent-500 focus-within:ring-accent-500/20",
        )}
        style={{ height: cssHeight }}
      >
        <JsonCodeMirror
          value={value}
          onChange={onChange}
          readOnly={readOnly}
          ariaLabel={ariaLabel}
          describedBy={`${errorsId} ${hintId}`}
          invalid={messages.length > 0}
          height={cssHeight}
        />
      </div>
      <div id={errorsId} aria-live="polite">
        {messages.length > 0 ? (
          <ul className="space-y-0.5 text-red-700 text-xs">
            {messages.map((message) => (
              <li key={message}>{message}</li>
            ))}
          </ul>
        ) : null}
      </div>
      {readOnly ? (
        <p id={hintId} className="sr-only">
          Read only.
        </p>
      ) : (
        <p id={hintId} className="text-gray-500 text-xs">
          Tab indents; press Escape, then Tab, to move on.
        </p>
      )}
    </div>
  );
}
