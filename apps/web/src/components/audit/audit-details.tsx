"use client";
// An audit entry's details in its row: a change's values before → after and its reason when the
// details carry them, and the whole details as JSON behind "Show details".
import { clsx } from "clsx";
import { ChevronRight } from "lucide-react";
import { useId, useState } from "react";
import { type AuditChange, summarizeChange, valueText } from "./audit-changes";

function Value({ value, tone }: { value: unknown; tone: "before" | "after" }) {
  const text = valueText(value);
  if (value === null || value === undefined) return <span className="text-gray-400 italic">none</span>;
  return (
    <span
      className={clsx(
        "rounded px-1 font-mono text-[11px] wrap-anywhere",
        tone === "before" ? "bg-red-50 text-red-800" : "bg-green-50 text-green-800",
      )}
      title={text.endsWith("…") ? valueText(value, Number.POSITIVE_INFINITY) : undefined}
    >
      {text}
    </span>
  );
}

function ChangeLine({ change }: { change: AuditChange }) {
  return (
    <li className="leading-relaxed">
      {change.field !== undefined ? (
        <span className="font-medium text-gray-700">{change.field}: </span>
      ) : null}
      <Value value={change.before} tone="before" />
      <span aria-hidden="true" className="mx-1 text-gray-400">
        →
      </span>
      <span className="sr-only"> changed to </span>
      <Value value={change.after} tone="after" />
    </li>
  );
}

function detailsText(details: unknown): string | undefined {
  if (details === null || details === undefined) return undefined;
  if (typeof details === "object" && Object.keys(details).length === 0) return undefined;
  return JSON.stringify(details, null, 2);
}

export function AuditDetails({ details }: { details: unknown }) {
  const summary = summarizeChange(details);
  const text = detailsText(details);
  if (!text) return <span className="text-gray-400">—</span>;
  return (
    <div className="space-y-1.5 text-xs">
      {summary.changes ? (
        summary.changes.length > 0 ? (
          <ul aria-label="Changes" className="space-y-0.5">
            {summary.changes.map((change, i) => (
              <ChangeLine key={change.field ?? i} change={change} />
            ))}
          </ul>
        ) : (
          <p className="text-gray-500">No values changed</p>
        )
      ) : null}
      {summary.reason ? (
        <p className="text-gray-700 wrap-anywhere">
          <span className="font-medium">Reason:</span> {summary.reason}
        </p>
      ) : null}
      <DetailsToggle text={text} />
    </div>
  );
}

function DetailsToggle({ text }: { text: string }) {
  const [open, setOpen] = useState(false);
  const panelId = useId();
  return (
    <div>
      <button
        type="button"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((value) => !value)}
        className="inline-flex items-center gap-1 rounded text-accent-700 text-xs hover:text-accent-800"
      >
        <ChevronRight
          aria-hidden="true"
          className={clsx("size-3.5 transition-transform", open && "rotate-90")}
        />
        {open ? "Hide details" : "Show details"}
      </button>
      {open ? (
        <pre
          id={panelId}
          className="mt-2 max-h-64 max-w-md overflow-auto whitespace-pre-wrap break-words rounded-md bg-gray-50 p-2 font-mono text-[11px] text-gray-700 leading-relaxed ring-1 ring-gray-200 ring-inset"
        >
          {text}
        </pre>
      ) : null}
    </div>
  );
}
