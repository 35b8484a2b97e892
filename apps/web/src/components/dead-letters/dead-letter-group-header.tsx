"use client";
// One group opened: its cause, how many letters and since when, its letters per hour, and its newest
// letter's payload with the failing value highlighted. Its letters are listed under it.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { ArrowLeft } from "lucide-react";
import { useMemo } from "react";
import { QueryError } from "@/components/query-error";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import type { apiFilter } from "@/lib/dead-letter-filters";
import { formatCount, formatDateTime } from "@/lib/format";
import { indentJson } from "@/lib/json-indent";
import { useTRPC } from "@/lib/trpc";
import { causeText, GroupCause } from "./group-cause";
import { HighlightedPayload } from "./highlighted-payload";
import { TrendSparkline } from "./trend-sparkline";

export function DeadLetterGroupHeader({
  filter,
  onBack,
  onOpenLetter,
}: {
  /** The group's key and the page's other filters (apiFilter of a "group" view). */
  filter: ReturnType<typeof apiFilter>;
  onBack: () => void;
  onOpenLetter: (id: string) => void;
}) {
  const trpc = useTRPC();
  const query = useQuery({
    ...trpc.deadLetters.groups.queryOptions({ ...filter, sort: "count", limit: 1 }),
    placeholderData: keepPreviousData,
  });
  const group = query.data?.groups[0];
  const sample = group?.sample.payload ?? "";
  const shown = useMemo(() => indentJson(sample) ?? sample, [sample]);
  const back = (
    <Button
      size="sm"
      variant="ghost"
      onClick={onBack}
      icon={<ArrowLeft className="size-4" aria-hidden="true" />}
    >
      All causes
    </Button>
  );
  return (
    <section
      aria-label="Dead letter group"
      data-testid="dead-letter-group"
      className="space-y-4 border-gray-100 border-b px-5 py-4"
    >
      <div className="flex items-center justify-between gap-3">
        <h2 className="min-w-0 font-semibold text-gray-900 text-sm">
          {group ? (
            <GroupCause {...group} />
          ) : (
            <GroupCause
              source={filter.source ?? null}
              reasonCode={filter.reasonCode ?? ""}
              path={filter.path ?? null}
              schemaVersion={filter.schemaVersion ?? null}
            />
          )}
        </h2>
        {back}
      </div>
      {query.isPending ? (
        <div role="status" aria-busy="true" aria-label="Loading the group" className="space-y-2">
          <Skeleton className="h-5 w-1/2" />
          <Skeleton className="h-24 w-full" />
        </div>
      ) : query.isError ? (
        <QueryError
          error={query.error}
          sectionLabel="Dead letters"
          onRetry={() => void query.refetch()}
          retrying={query.isFetching}
        />
      ) : !group ? (
        <p className="text-gray-600 text-sm">No letters of this cause match the filters.</p>
      ) : (
        <div className="grid grid-cols-1 gap-5 lg:grid-cols-[minmax(0,1fr)_minmax(0,1.4fr)]">
          <div className="space-y-3">
            <p className="text-gray-800 text-sm">{group.sample.reason}</p>
            <dl className="grid grid-cols-3 gap-3 text-sm">
              <div>
                <dt className="text-gray-500 text-xs">Letters</dt>
                <dd
                  className="font-semibold text-gray-900 tabular-nums"
                  data-testid="dead-letter-group-count"
                >
                  {formatCount(group.count)}
                </dd>
              </div>
              <div>
                <dt className="text-gray-500 text-xs">First seen</dt>
                <dd className="text-gray-800 text-xs tabular-nums">{formatDateTime(group.firstSeen)}</dd>
              </div>
              <div>
                <dt className="text-gray-500 text-xs">Last seen</dt>
                <dd className="text-gray-800 text-xs tabular-nums">{formatDateTime(group.lastSeen)}</dd>
              </div>
            </dl>
            <div>
              <p className="mb-1 text-gray-500 text-xs">
                Letters per hour since {formatDateTime(query.data.trend.from)}
              </p>
              <TrendSparkline trend={group.trend} from={query.data.trend.from} width={320} height={64} />
            </div>
          </div>
          <div className="min-w-0">
            <div className="mb-1 flex items-center justify-between gap-2">
              <p className="font-medium text-gray-700 text-xs">
                Newest letter{group.sample.eventId ? ` (event ${group.sample.eventId})` : ""}
                {group.sample.payloadMasked ? ", with your roles' column rules applied" : ""}
                {group.sample.payloadTruncated
                  ? `: the first part of ${formatCount(group.sample.payloadChars)} characters`
                  : ""}
              </p>
              <button
                type="button"
                onClick={() => onOpenLetter(group.sample.id)}
                className="rounded text-accent-700 text-xs hover:underline focus-visible:outline-2 focus-visible:outline-accent-500"
                aria-label={`Open the newest letter of ${causeText(group)}`}
              >
                Open letter
              </button>
            </div>
            <HighlightedPayload
              text={shown}
              pointer={group.path}
              testId="dead-letter-group-sample-payload"
              className="max-h-64"
            />
          </div>
        </div>
      )}
    </section>
  );
}
