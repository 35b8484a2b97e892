"use client";
// The audit log: newest first, filterable by action, paged with "Load more".
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { clsx } from "clsx";
import { ChevronRight, ScrollText, Search } from "lucide-react";
import { useEffect, useId, useState } from "react";
import { QueryError } from "@/components/query-error";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Input, Label } from "@/components/ui/input";
import { LoadMoreFooter } from "@/components/ui/load-more-footer";
import { PageHeader } from "@/components/ui/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TBody, Td, THead, Th, Tr } from "@/components/ui/table";
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
        {log.isPending ? (
          <AuditSkeleton />
        ) : log.isError && rows.length === 0 ? (
          <QueryError
            error={log.error}
            sectionLabel="Audit"
            onRetry={() => void log.refetch()}
            retrying={log.isFetching}
          />
        ) : rows.length === 0 ? (
          <EmptyState
            icon={ScrollText}
            title={action ? "No entries match this action" : "No audit entries yet"}
            description={
              action
                ? `Nothing has been recorded with the action "${action}".`
                : "Changes to sources, schemas, policies and users are recorded here as they happen."
            }
          />
        ) : (
          <>
            <Table aria-label="Audit log">
              <THead>
                <tr>
                  <Th>Time</Th>
                  <Th>Actor</Th>
                  <Th>Action</Th>
                  <Th className="hidden md:table-cell">Target</Th>
                  <Th>Details</Th>
                </tr>
              </THead>
              <TBody>
                {rows.map((entry) => {
                  const details = detailsText(entry.details);
                  return (
                    <Tr key={entry.id} className="align-top">
                      <Td className="whitespace-nowrap text-gray-500 tabular-nums">
                        <time dateTime={entry.at.toISOString()} title={entry.at.toISOString()}>
                          {formatDateTime(entry.at)}
                        </time>
                      </Td>
                      <Td className="max-w-32 truncate sm:max-w-56">{entry.actorEmail}</Td>
                      <Td>
                        <code className="rounded bg-gray-100 px-1.5 py-0.5 font-mono text-gray-800 text-xs">
                          {entry.action}
                        </code>
                      </Td>
                      <Td className="hidden md:table-cell">
                        <span className="text-gray-900">{entry.targetType}</span>
                        {entry.targetId ? (
                          <span className="ml-1.5 font-mono text-gray-500 text-xs">{entry.targetId}</span>
                        ) : null}
                      </Td>
                      <Td className="max-w-xs">
                        {details ? (
                          <DetailsToggle text={details} />
                        ) : (
                          <span className="text-gray-400">—</span>
                        )}
                      </Td>
                    </Tr>
                  );
                })}
              </TBody>
            </Table>
            <LoadMoreFooter
              summary={`${rows.length} ${rows.length === 1 ? "entry" : "entries"}${log.hasNextPage ? " shown" : ""}`}
              hasMore={log.hasNextPage}
              loading={log.isFetchingNextPage}
              failed={log.isFetchNextPageError}
              failedMessage="Couldn't load more entries."
              onLoadMore={() => void log.fetchNextPage()}
            />
          </>
        )}
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

function AuditSkeleton() {
  return (
    <div role="status" aria-busy="true" aria-label="Loading audit log" className="divide-y divide-gray-100">
      {[0, 1, 2, 3, 4].map((row) => (
        <div key={row} className="flex items-center gap-6 px-5 py-3.5">
          <Skeleton className="h-3.5 w-28" />
          <Skeleton className="h-3.5 w-36" />
          <Skeleton className="h-5 w-24" />
          <Skeleton className="h-3.5 w-32" />
        </div>
      ))}
    </div>
  );
}
