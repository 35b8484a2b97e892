"use client";
// The Dead letters page's landing view: letters grouped by cause (source × reason × JSON pointer ×
// schema version), largest or most recent first, each with its count, first and last seen, letters per
// hour, and its newest letter's payload around the failing value. A group opens its letters.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { CheckCircle2 } from "lucide-react";
import { useEffect } from "react";
import { Button } from "@/components/ui/button";
import { DataTable } from "@/components/ui/data-table";
import { Select } from "@/components/ui/select";
import { groupCopiesText } from "@/lib/dead-letter-copies";
import type { apiFilter, GroupSort } from "@/lib/dead-letter-filters";
import { formatCount, formatDateTime } from "@/lib/format";
import { excerptAround, failingValue } from "@/lib/json-pointer-span";
import { useTRPC } from "@/lib/trpc";
import type { DeadLetterGroup, DeadLetterGroupsPage } from "./dead-letter-types";
import { causeText, GroupCause } from "./group-cause";
import { SearchExcludedNote } from "./search-excluded-note";
import { SearchProblem, searchProblem } from "./search-problem";
import { TrendSparkline } from "./trend-sparkline";

/** How many groups the page shows (the largest, or the most recent). */
export const GROUPS_SHOWN = 100;

/** The grouped view refreshes itself this often, so an incident's new causes show up. */
const REFRESH_MS = 15_000;

/** The sample's payload around its failing value on one line, the value marked. */
function SampleExcerpt({ group, onOpen }: { group: DeadLetterGroup; onOpen: (id: string) => void }) {
  const { sample } = group;
  const found = failingValue(sample.payload, group.path);
  const excerpt =
    found?.found === "value"
      ? excerptAround(sample.payload, found)
      : { before: sample.payload.slice(0, 160).replace(/\s+/g, " "), marked: "", after: "" };
  return (
    <div
      data-testid="dead-letter-group-sample"
      // w-0 min-w-full: the row spans the table without its text widening it (the table would then
      // overflow its card, pushing "View letters" out of sight); the excerpt is cut to fit instead.
      className="flex w-0 min-w-full items-baseline gap-2 rounded-md bg-gray-50 px-2.5 py-1.5 text-xs ring-1 ring-gray-100 ring-inset"
    >
      <span className="shrink-0 text-gray-500">
        Newest{sample.payloadMasked ? " (column rules applied)" : ""}:
      </span>
      <code className="min-w-0 flex-1 truncate font-mono text-gray-700">
        {excerpt.before}
        {excerpt.marked ? (
          <mark className="rounded-sm bg-amber-200 px-0.5 text-gray-900 ring-1 ring-amber-400">
            {excerpt.marked}
          </mark>
        ) : null}
        {excerpt.after}
        {!found && sample.payload.length > 160 ? "…" : ""}
      </code>
      <button
        type="button"
        onClick={() => onOpen(sample.id)}
        className="shrink-0 rounded text-accent-700 hover:underline focus-visible:outline-2 focus-visible:outline-accent-500"
        aria-label={`Open the newest letter of ${causeText(group)}`}
      >
        Open letter
      </button>
    </div>
  );
}

export function DeadLetterGroups({
  filter,
  sort,
  onSort,
  filtered,
  onOpenGroup,
  onOpenLetter,
  onClearSearch,
  onReasons,
}: {
  filter: ReturnType<typeof apiFilter>;
  sort: GroupSort;
  onSort: (sort: GroupSort) => void;
  filtered: boolean;
  onOpenGroup: (group: DeadLetterGroup) => void;
  onOpenLetter: (id: string) => void;
  onClearSearch: () => void;
  /** Hears the letters matching the filters but the reason, per reason code. */
  onReasons?: (reasons: DeadLetterGroupsPage["reasons"]) => void;
}) {
  const trpc = useTRPC();
  const groups = useQuery({
    ...trpc.deadLetters.groups.queryOptions({ ...filter, sort, limit: GROUPS_SHOWN }),
    placeholderData: keepPreviousData,
    refetchInterval: REFRESH_MS,
  });
  const page = groups.data;
  const reasons = page?.reasons;
  const failed = groups.isError;
  useEffect(() => {
    // A failed read (a refused search) counts nothing: no stale counts beside the reasons.
    if (failed) onReasons?.([]);
    else if (reasons) onReasons?.(reasons);
  }, [reasons, failed, onReasons]);
  const rows = page?.groups ?? [];
  const trendHours = page?.trend.hours ?? 0;
  const problem = searchProblem(groups.error, filter.search !== undefined);
  if (problem) return <SearchProblem message={problem} onClear={onClearSearch} />;
  return (
    <>
      <div className="flex flex-wrap items-end justify-between gap-3 border-gray-100 border-b px-5 py-3">
        <p className="text-gray-600 text-sm" aria-live="polite" data-testid="dead-letter-groups-summary">
          {page
            ? `${formatCount(page.totalLetters)} ${page.totalLetters === 1 ? "letter" : "letters"} in ${formatCount(page.totalGroups)} ${page.totalGroups === 1 ? "cause" : "causes"}${page.totalGroups > rows.length ? `, the ${formatCount(rows.length)} ${sort === "count" ? "largest" : "most recent"} shown` : ""} · trend: letters per hour over ${trendSpan(trendHours)}`
            : "\u00a0"}
        </p>
        <Select
          label="Order"
          className="w-48"
          value={sort}
          onChange={(event) => onSort(event.target.value === "lastSeen" ? "lastSeen" : "count")}
        >
          <option value="count">Most letters first</option>
          <option value="lastSeen">Most recent first</option>
        </Select>
      </div>
      <SearchExcludedNote sources={page?.searchExcluded ?? []} />
      <DataTable
        label="Dead letters by cause"
        loadingLabel="Loading dead letters by cause"
        sectionLabel="Dead letters"
        query={groups}
        rows={rows}
        rowKey={(g) => JSON.stringify([g.sourceId, g.reasonCode, g.path, g.schemaVersion])}
        rowDetail={(g) => ({
          id: `sample-${g.sample.id}`,
          content: <SampleExcerpt group={g} onOpen={onOpenLetter} />,
        })}
        empty={{
          icon: CheckCircle2,
          title: `No ${filter.status} dead letters`,
          description: filtered
            ? "Nothing matches these filters."
            : "Events that fail their schema, malformed bodies and batches the workers gave up on show up here, grouped by cause.",
        }}
        columns={[
          {
            header: "Cause",
            // At most 26rem, so the trend and "View letters" fit the console's 72rem beside it (with
            // First seen from 1536 px); a longer reason is cut, whole in its title.
            cellClassName: "max-w-[26rem]",
            cell: (g) => (
              <div className="min-w-0">
                <GroupCause {...g} />
                <div className="mt-1 truncate text-gray-600 text-xs" title={g.sample.reason}>
                  {g.sample.reason}
                </div>
              </div>
            ),
          },
          {
            header: "Letters",
            className: "text-right",
            cellClassName: "font-semibold text-gray-900 tabular-nums",
            cell: (g) => (
              <>
                {formatCount(g.count)}
                {groupCopiesText(g) ? (
                  <div data-testid="group-copies" className="font-normal text-gray-500 text-xs">
                    {groupCopiesText(g)}
                  </div>
                ) : null}
              </>
            ),
          },
          {
            header: "First seen",
            // Shown only where the table has room for it beside the trend and the button (1536 px and up).
            className: "hidden 2xl:table-cell",
            cellClassName: "whitespace-nowrap text-gray-500 text-xs tabular-nums",
            cell: (g) => formatDateTime(g.firstSeen),
          },
          {
            header: "Last seen",
            className: "hidden sm:table-cell",
            cellClassName: "whitespace-nowrap text-gray-500 text-xs tabular-nums",
            cell: (g) => formatDateTime(g.lastSeen),
          },
          {
            header: "Trend",
            className: "hidden md:table-cell",
            cell: (g) => (page ? <TrendSparkline trend={g.trend} from={page.trend.from} /> : null),
          },
          {
            header: "Open",
            headerHidden: true,
            cellClassName: "text-right",
            cell: (g) => (
              <Button
                size="sm"
                variant="secondary"
                aria-label={`View the ${formatCount(g.count)} letters of ${causeText(g)}`}
                onClick={() => onOpenGroup(g)}
              >
                View letters
              </Button>
            ),
          },
        ]}
      />
    </>
  );
}

/** The trend's span as people say it: "the last 7 days", "the last 24 hours", "the last 5 hours". */
export function trendSpan(hours: number): string {
  if (hours >= 48) return `the last ${formatCount(Math.round(hours / 24))} days`;
  return `the last ${formatCount(hours)} ${hours === 1 ? "hour" : "hours"}`;
}
