"use client";
// The audit log: newest first, filterable by action, paged with "Load more".
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { clsx } from "clsx";
import { ChevronRight, ScrollText, Search } from "lucide-react";
import { useEffect, useId, useState } from "react";
import { Card } from "@/components/ui/card";
import { DataTable } from "@/components/ui/data-table";
import { Input, Label } from "@/components/ui/input";
import { PageHeader } from "@/components/ui/page-header";
import { formatDateTime } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";

const PAGE_SIZE = 50;
const FILTER_DELAY_MS = 300;

function useDebounced(value: string, delayMs: number): string {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return debounced;
}

function detailsText(details: unknown): string | undefined {
  if (details === null || details === undefined) return undefined;
  if (typeof details === "object" && Object.keys(details).length === 0) return undefined;
  return JSON.stringify(details, null, 2);
}

export function AuditView() {
  const trpc = useTRPC();
  const filterId = useId();
  const [actionInput, setActionInput] = useState("");
  const action = useDebounced(actionInput.trim(), FILTER_DELAY_MS);

  const log = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(
      { limit: PAGE_SIZE, ...(action ? { action } : {}) },
      { getNextPageParam: (page) => page.nextCursor ?? undefined, placeholderData: keepPreviousData },
    ),
  );
  const rows = log.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <>
      <PageHeader
        title="Audit"
        description="Every change made through the console and the API, newest first."
      />
      <Card>
        <div className="flex flex-col gap-2 border-gray-100 border-b px-5 py-3 sm:flex-row sm:items-center sm:gap-3">
          <Label htmlFor={filterId} className="shrink-0">
            Action
          </Label>
          <div className="relative w-full sm:max-w-xs">
            <Search
              aria-hidden="true"
              className="-translate-y-1/2 pointer-events-none absolute top-1/2 left-3 size-4 text-gray-400"
            />
            <Input
              id={filterId}
              type="search"
              value={actionInput}
              onChange={(event) => setActionInput(event.target.value)}
              placeholder="Filter by action, e.g. source.create"
              maxLength={100}
              className="pl-9"
              autoComplete="off"
              spellCheck={false}
            />
          </div>
          {log.isFetching && !log.isFetchingNextPage && !log.isPending ? (
            <span className="text-gray-400 text-xs" aria-live="polite">
              Updating…
            </span>
          ) : null}
        </div>
        <DataTable
          label="Audit log"
          loadingLabel="Loading audit log"
          sectionLabel="Audit"
          query={log}
          rows={rows}
          rowKey={(entry) => entry.id}
          rowClassName={() => "align-top"}
          empty={{
            icon: ScrollText,
            title: action ? "No entries match this action" : "No audit entries yet",
            description: action
              ? `Nothing has been recorded with the action "${action}".`
              : "Changes to sources, schemas, policies and users are recorded here as they happen.",
          }}
          paging={{
            summary: `${rows.length} ${rows.length === 1 ? "entry" : "entries"}${log.hasNextPage ? " shown" : ""}`,
            failedMessage: "Couldn't load more entries.",
          }}
          columns={[
            {
              header: "Time",
              cellClassName: "whitespace-nowrap text-gray-500 tabular-nums",
              cell: (entry) => (
                <time dateTime={entry.at.toISOString()} title={entry.at.toISOString()}>
                  {formatDateTime(entry.at)}
                </time>
              ),
            },
            {
              header: "Actor",
              cellClassName: "max-w-32 truncate sm:max-w-56",
              cell: (entry) => entry.actorEmail,
            },
            {
              header: "Action",
              cell: (entry) => (
                <code className="rounded bg-gray-100 px-1.5 py-0.5 font-mono text-gray-800 text-xs">
                  {entry.action}
                </code>
              ),
            },
            {
              header: "Target",
              className: "hidden md:table-cell",
              cell: (entry) => (
                <>
                  <span className="text-gray-900">{entry.targetType}</span>
                  {entry.targetId ? (
                    <span className="ml-1.5 font-mono text-gray-500 text-xs">{entry.targetId}</span>
                  ) : null}
                </>
              ),
            },
            {
              header: "Details",
              cellClassName: "max-w-xs",
              cell: (entry) => {
                const details = detailsText(entry.details);
                return details ? <DetailsToggle text={details} /> : <span className="text-gray-400">—</span>;
              },
            },
          ]}
        />
      </Card>
    </>
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
