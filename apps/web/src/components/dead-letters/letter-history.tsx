"use client";
// A dead letter's history as a small timeline, oldest first: received (with its first reason), edited
// by whom, queued in which replay job, sent in which batch, landed in which snapshot of which table, a
// duplicate, failed again (why), skipped, discarded (by whom, why).
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { QueryError } from "@/components/query-error";
import { Skeleton } from "@/components/ui/skeleton";
import { formatDateTime } from "@/lib/format";
import { describeHistoryEntry, type HistoryEntry, inFlight } from "@/lib/letter-history";
import { useTRPC } from "@/lib/trpc";

const dots = {
  gray: "bg-gray-400",
  green: "bg-green-500",
  red: "bg-red-500",
  blue: "bg-accent-500",
};

export function LetterHistory({ id }: { id: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // Followed every two seconds while a replay has the letter in flight.
  const history = useQuery(
    trpc.replays.history.queryOptions(
      { id },
      { refetchInterval: (query) => (inFlight(query.state.data ?? []) ? 2000 : false) },
    ),
  );
  // A new entry (landed, failed again, discarded) changes the letter's status and controls too.
  const seen = useRef<number | undefined>(undefined);
  const entries = history.data?.length;
  useEffect(() => {
    if (entries === undefined) return;
    if (seen.current !== undefined && seen.current !== entries) {
      void queryClient.invalidateQueries({ queryKey: trpc.deadLetters.get.queryKey({ id }) });
      void queryClient.invalidateQueries({ queryKey: trpc.replays.letter.queryKey({ id }) });
    }
    seen.current = entries;
  }, [entries, id, queryClient, trpc]);
  return (
    <section aria-labelledby={`history-${id}`} data-testid="letter-history">
      <h3 id={`history-${id}`} className="mb-2 font-medium text-gray-700 text-xs">
        History
      </h3>
      {history.isPending ? (
        <Skeleton className="h-12 w-full" />
      ) : history.isError ? (
        <QueryError
          error={history.error}
          sectionLabel="Letter history"
          onRetry={() => void history.refetch()}
          retrying={history.isFetching}
        />
      ) : (
        <ol className="relative space-y-2 border-gray-200 border-l pl-4">
          {history.data.map((raw, index) => {
            const entry = raw as unknown as HistoryEntry;
            const d = describeHistoryEntry(entry);
            return (
              <li
                // biome-ignore lint/suspicious/noArrayIndexKey: entries have no id; the list only grows
                key={index}
                className="relative text-xs"
                data-testid="letter-history-entry"
                data-kind={entry.kind}
              >
                <span
                  aria-hidden="true"
                  className={`absolute top-1 -left-[1.3rem] size-2.5 rounded-full ring-2 ring-white ${dots[d.tone]}`}
                />
                <span className="text-gray-900">{d.title}</span>
                <span className="ml-2 text-gray-500 tabular-nums">{formatDateTime(entry.at)}</span>
                {d.detail ? <div className="mt-0.5 break-words text-gray-600">{d.detail}</div> : null}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
