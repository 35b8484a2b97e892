"use client";
// Dead letters one by one, newest first, keyset-paged ("Load more"): every letter the filters match,
// or one group's. Each opens with its reason, JSON pointer and payload.
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { Inbox } from "lucide-react";
import { useEffect, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { DataTable } from "@/components/ui/data-table";
import { letterCopiesText } from "@/lib/dead-letter-copies";
import type { apiFilter } from "@/lib/dead-letter-filters";
import { formatCount, formatDateTime } from "@/lib/format";
import { EMPTY_SELECTION, isSelected, type LetterSelection, toggleLetter } from "@/lib/replay-selection";
import { useTRPC } from "@/lib/trpc";
import { ReplayToolbar } from "./replay-toolbar";
import { SearchExcludedNote } from "./search-excluded-note";
import { SearchProblem, searchProblem } from "./search-problem";

const PAGE_SIZE = 50;

export function DeadLetterList({
  filter,
  openId,
  onOpen,
  filtered,
  onClearSearch,
  onReasons,
  label = "Dead letters",
  replay,
}: {
  filter: ReturnType<typeof apiFilter>;
  openId: string | undefined;
  onOpen: (id: string) => void;
  /** Whether filters narrow the list (the empty state says so). */
  filtered: boolean;
  onClearSearch: () => void;
  /** Hears the letters matching the filters but the reason, per reason code. */
  onReasons?: (reasons: readonly { reasonCode: string; count: number }[]) => void;
  label?: string;
  /** Letters can be selected for a dry run and a replay (discard and replay for those who may). */
  replay?: { canReplay: boolean; onJobStarted: (jobId: string) => void } | undefined;
}) {
  const trpc = useTRPC();
  const letters = useInfiniteQuery(
    trpc.deadLetters.list.infiniteQueryOptions(
      { ...filter, limit: PAGE_SIZE },
      { getNextPageParam: (page) => page.nextCursor ?? undefined, placeholderData: keepPreviousData },
    ),
  );
  const rows = letters.data?.pages.flatMap((page) => page.items) ?? [];
  const first = letters.data?.pages[0];
  const reasons = first?.reasons ?? [];
  const heard = first?.reasons;
  const failed = letters.isError && !letters.isFetchNextPageError;
  useEffect(() => {
    // A failed read (a refused search) counts nothing: no stale counts beside the reasons.
    if (failed) onReasons?.([]);
    else if (heard) onReasons?.(heard);
  }, [heard, failed, onReasons]);
  const total = filter.reasonCode
    ? (reasons.find((r) => r.reasonCode === filter.reasonCode)?.count ?? rows.length)
    : reasons.reduce((n, r) => n + r.count, 0);
  // A selection belongs to the filter it was made under.
  const filterKey = JSON.stringify(filter);
  const [selection, setSelection] = useState<{ key: string; value: LetterSelection }>({
    key: filterKey,
    value: EMPTY_SELECTION,
  });
  const selected = selection.key === filterKey ? selection.value : EMPTY_SELECTION;
  const select = (value: LetterSelection) => setSelection({ key: filterKey, value });
  const problem = searchProblem(letters.error, filter.search !== undefined);
  if (problem && rows.length === 0) return <SearchProblem message={problem} onClear={onClearSearch} />;
  return (
    <>
      <SearchExcludedNote sources={first?.searchExcluded ?? []} />
      {replay ? (
        <ReplayToolbar
          selection={selected}
          onChange={select}
          pageIds={rows.map((d) => d.id)}
          matching={total}
          filter={filter}
          canReplay={replay.canReplay}
          onJobStarted={replay.onJobStarted}
        />
      ) : null}
      <DataTable
        label={label}
        loadingLabel={`Loading ${label.toLowerCase()}`}
        sectionLabel="Dead letters"
        query={letters}
        rows={rows}
        rowKey={(d) => d.id}
        rowClassName={(d) => (d.id === openId ? "bg-accent-50/60" : undefined)}
        empty={{
          icon: Inbox,
          title: `No ${filter.status} dead letters`,
          description: filtered
            ? "Nothing matches these filters."
            : "Events that fail their schema, malformed bodies and batches the workers gave up on show up here.",
        }}
        paging={{
          summary: `${formatCount(rows.length)} of ${formatCount(total)}`,
          failedMessage: "Couldn't load more dead letters.",
        }}
        columns={[
          ...(replay
            ? [
                {
                  header: "Select",
                  headerHidden: true,
                  className: "w-8",
                  cell: (d: (typeof rows)[number]) => (
                    <input
                      type="checkbox"
                      data-testid="select-letter"
                      data-letter-id={d.id}
                      aria-label={`Select dead letter ${d.reasonCode}${d.eventId ? ` of event ${d.eventId}` : ""}, received ${formatDateTime(d.createdAt)}`}
                      checked={isSelected(selected, d.id)}
                      onChange={() => select(toggleLetter(selected, d.id))}
                    />
                  ),
                },
              ]
            : []),
          {
            header: "Received",
            className: "hidden sm:table-cell",
            cellClassName: "whitespace-nowrap text-gray-500 tabular-nums",
            cell: (d) => formatDateTime(d.createdAt),
          },
          {
            header: "Source",
            className: "hidden sm:table-cell",
            cellClassName: "font-mono text-xs",
            cell: (d) => d.source ?? "—",
          },
          {
            header: "Reason",
            cellClassName: "max-w-[13rem] sm:max-w-md",
            cell: (d) => (
              <>
                <Badge tone="danger">{d.reasonCode}</Badge>
                <div className="mt-1 text-gray-500 text-xs tabular-nums sm:hidden">
                  {formatDateTime(d.createdAt)}
                  {d.eventId ? ` · ${d.eventId}` : ""}
                </div>
                <div className="mt-1 truncate text-gray-700 text-xs" title={d.reason}>
                  {d.reason}
                </div>
                {letterCopiesText(d) ? (
                  <div data-testid="letter-copies" className="mt-1 text-amber-800 text-xs tabular-nums">
                    {letterCopiesText(d)}
                  </div>
                ) : null}
              </>
            ),
          },
          {
            header: "Event id",
            className: "hidden md:table-cell",
            cellClassName: "max-w-40 truncate font-mono text-xs",
            cellTitle: (d) => d.eventId ?? undefined,
            cell: (d) => d.eventId ?? "—",
          },
          {
            header: "Attempts",
            className: "hidden text-right md:table-cell",
            cellClassName: "tabular-nums",
            cell: (d) => d.attempts,
          },
          {
            header: "Open",
            headerHidden: true,
            cellClassName: "text-right",
            cell: (d) => (
              <Button
                id={`view-${d.id}`}
                size="sm"
                variant="secondary"
                aria-label={`View dead letter ${d.reasonCode}${d.eventId ? ` of event ${d.eventId}` : ""}, received ${formatDateTime(d.createdAt)}`}
                onClick={() => onOpen(d.id)}
              >
                View
              </Button>
            ),
          },
        ]}
      />
    </>
  );
}
