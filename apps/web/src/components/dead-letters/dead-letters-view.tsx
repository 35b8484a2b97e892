"use client";
// Dead letters: rejected events and bodies, newest first, filtered by source, reason and status, each
// opened with its reason, JSON pointer and payload as received. `?id=` opens one directly (the
// deadLetterId an ingest 4xx answers with). Read-only: fixing and replaying build on this page.
import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { Inbox } from "lucide-react";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { type FormEvent, useId, useState } from "react";
import { QueryError } from "@/components/query-error";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Input, Label } from "@/components/ui/input";
import { LoadMoreFooter } from "@/components/ui/load-more-footer";
import { PageHeader } from "@/components/ui/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TBody, Td, THead, Th, Tr } from "@/components/ui/table";
import { formatCount, formatDateTime } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";
import { DeadLetterDetail } from "./dead-letter-detail";

const PAGE_SIZE = 50;
const STATUSES = ["open", "replayed", "discarded"] as const;
type Status = (typeof STATUSES)[number];

const selectClasses =
  "block h-9 w-full rounded-md border border-gray-300 bg-white px-2.5 text-gray-900 text-sm shadow-xs focus:border-accent-500 focus:outline-none focus:ring-3 focus:ring-accent-500/20";

export function DeadLettersView() {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const openId = params.get("id") ?? undefined;
  const [source, setSource] = useState("");
  const [reasonCode, setReasonCode] = useState("");
  const [status, setStatus] = useState<Status>("open");
  const [findInput, setFindInput] = useState("");
  const ids = { source: useId(), reason: useId(), status: useId(), find: useId() };

  const [returnFocusTo, setReturnFocusTo] = useState<string | undefined>();
  const open = (id: string | undefined) => {
    const next = new URLSearchParams(params.toString());
    if (id) next.set("id", id);
    else next.delete("id");
    const query = next.toString();
    // Opening a letter is a step Back returns from; closing it replaces the entry.
    const url = query ? `${pathname}?${query}` : pathname;
    if (id) router.push(url, { scroll: false });
    else router.replace(url, { scroll: false });
  };
  const close = () => {
    open(undefined);
    // Back to the row the letter was opened from, for keyboard users.
    if (returnFocusTo) document.getElementById(`view-${returnFocusTo}`)?.focus();
  };
  const find = (event: FormEvent) => {
    event.preventDefault();
    if (findInput.trim()) open(findInput.trim());
  };

  const sources = useQuery(trpc.sources.list.queryOptions());
  const letters = useInfiniteQuery(
    trpc.deadLetters.list.infiniteQueryOptions(
      {
        limit: PAGE_SIZE,
        status,
        ...(source ? { source } : {}),
        ...(reasonCode ? { reasonCode } : {}),
      },
      { getNextPageParam: (page) => page.nextCursor ?? undefined, placeholderData: keepPreviousData },
    ),
  );
  const rows = letters.data?.pages.flatMap((page) => page.items) ?? [];
  const reasons = letters.data?.pages[0]?.reasons ?? [];
  const total = reasons.reduce((n, r) => n + r.count, 0);

  return (
    <>
      <PageHeader
        title="Dead letters"
        description="Events and bodies the pipeline could not accept, with the reason and the payload as received."
      />
      {openId ? (
        <div className="mb-6">
          <DeadLetterDetail key={openId} id={openId} onClose={close} />
        </div>
      ) : null}
      <Card>
        <div className="grid grid-cols-1 gap-3 border-gray-100 border-b px-5 py-3 sm:grid-cols-2 lg:grid-cols-4">
          <div>
            <Label htmlFor={ids.source}>Source</Label>
            <select
              id={ids.source}
              className={selectClasses}
              value={source}
              onChange={(event) => {
                setSource(event.target.value);
                setReasonCode("");
              }}
            >
              <option value="">All sources</option>
              {sources.data?.items.map((s) => (
                <option key={s.id} value={s.slug}>
                  {s.name} ({s.slug})
                </option>
              ))}
            </select>
          </div>
          <div>
            <Label htmlFor={ids.reason}>Reason</Label>
            <select
              id={ids.reason}
              className={selectClasses}
              value={reasonCode}
              onChange={(event) => setReasonCode(event.target.value)}
            >
              <option value="">All reasons ({formatCount(total)})</option>
              {reasons.map((r) => (
                <option key={r.reasonCode} value={r.reasonCode}>
                  {r.reasonCode} ({formatCount(r.count)})
                </option>
              ))}
            </select>
          </div>
          <div>
            <Label htmlFor={ids.status}>Status</Label>
            <select
              id={ids.status}
              className={selectClasses}
              value={status}
              onChange={(event) => {
                setStatus(event.target.value as Status);
                // The reasons differ by status: a reason picked for another one would filter unseen.
                setReasonCode("");
              }}
            >
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s.charAt(0).toUpperCase() + s.slice(1)}
                </option>
              ))}
            </select>
          </div>
          <form onSubmit={find}>
            <Label htmlFor={ids.find}>Dead letter id</Label>
            <div className="flex gap-2">
              <Input
                id={ids.find}
                value={findInput}
                onChange={(event) => setFindInput(event.target.value)}
                placeholder="From a 4xx answer"
                maxLength={64}
                autoComplete="off"
                spellCheck={false}
                className="font-mono text-xs"
              />
              <Button type="submit" variant="secondary">
                Open
              </Button>
            </div>
          </form>
        </div>
        {letters.isPending ? (
          <div
            role="status"
            aria-busy="true"
            aria-label="Loading dead letters"
            className="space-y-3 px-5 py-4"
          >
            <Skeleton className="h-4 w-2/3" />
            <Skeleton className="h-4 w-1/2" />
            <Skeleton className="h-4 w-3/5" />
          </div>
        ) : letters.isError && rows.length === 0 ? (
          <QueryError
            error={letters.error}
            sectionLabel="Dead letters"
            onRetry={() => void letters.refetch()}
            retrying={letters.isFetching}
          />
        ) : rows.length === 0 ? (
          <EmptyState
            icon={Inbox}
            title={`No ${status} dead letters`}
            description={
              source || reasonCode
                ? "Nothing matches these filters."
                : "Events that fail their schema, malformed bodies and batches the workers gave up on show up here."
            }
          />
        ) : (
          <>
            <Table aria-label="Dead letters">
              <THead>
                <tr>
                  <Th className="hidden sm:table-cell">Received</Th>
                  <Th className="hidden sm:table-cell">Source</Th>
                  <Th>Reason</Th>
                  <Th className="hidden md:table-cell">Event id</Th>
                  <Th className="hidden text-right md:table-cell">Attempts</Th>
                  <Th>
                    <span className="sr-only">Open</span>
                  </Th>
                </tr>
              </THead>
              <TBody>
                {rows.map((d) => (
                  <Tr key={d.id} className={d.id === openId ? "bg-accent-50/60" : undefined}>
                    <Td className="hidden whitespace-nowrap text-gray-500 tabular-nums sm:table-cell">
                      {formatDateTime(d.createdAt)}
                    </Td>
                    <Td className="hidden font-mono text-xs sm:table-cell">{d.source ?? "—"}</Td>
                    <Td className="max-w-[13rem] sm:max-w-md">
                      <Badge tone="danger">{d.reasonCode}</Badge>
                      <div className="mt-1 text-gray-500 text-xs tabular-nums sm:hidden">
                        {formatDateTime(d.createdAt)}
                        {d.eventId ? ` · ${d.eventId}` : ""}
                      </div>
                      <div className="mt-1 truncate text-gray-700 text-xs" title={d.reason}>
                        {d.reason}
                      </div>
                    </Td>
                    <Td
                      className="hidden max-w-40 truncate font-mono text-xs md:table-cell"
                      title={d.eventId ?? undefined}
                    >
                      {d.eventId ?? "—"}
                    </Td>
                    <Td className="hidden text-right tabular-nums md:table-cell">{d.attempts}</Td>
                    <Td className="text-right">
                      <Button
                        id={`view-${d.id}`}
                        size="sm"
                        variant="secondary"
                        aria-label={`View dead letter ${d.reasonCode}${d.eventId ? ` of event ${d.eventId}` : ""}, received ${formatDateTime(d.createdAt)}`}
                        onClick={() => {
                          setReturnFocusTo(d.id);
                          open(d.id);
                        }}
                      >
                        View
                      </Button>
                    </Td>
                  </Tr>
                ))}
              </TBody>
            </Table>
            <LoadMoreFooter
              summary={`${formatCount(rows.length)} of ${formatCount(
                reasonCode ? (reasons.find((r) => r.reasonCode === reasonCode)?.count ?? rows.length) : total,
              )}`}
              hasMore={letters.hasNextPage}
              loading={letters.isFetchingNextPage}
              failed={letters.isFetchNextPageError}
              failedMessage="Couldn't load more dead letters."
              onLoadMore={() => void letters.fetchNextPage()}
            />
          </>
        )}
      </Card>
    </>
  );
}
