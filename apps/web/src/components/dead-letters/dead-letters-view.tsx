"use client";
// Dead letters: rejected events and bodies, newest first, filtered by source, reason and status, each
// opened with its reason, JSON pointer and payload as received. `?id=` opens one directly (the
// deadLetterId an ingest 4xx answers with); `?source=` and `?reason=` set the filters (a source page's
// rejects link here). Read-only: fixing and replaying build on this page.
import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { Inbox } from "lucide-react";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { type FormEvent, useId, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { DataTable } from "@/components/ui/data-table";
import { Input, Label } from "@/components/ui/input";
import { PageHeader } from "@/components/ui/page-header";
import { Select } from "@/components/ui/select";
import { formatCount, formatDateTime } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";
import { DeadLetterDetail } from "./dead-letter-detail";

const PAGE_SIZE = 50;
const STATUSES = ["open", "replayed", "discarded"] as const;
type Status = (typeof STATUSES)[number];

export function DeadLettersView() {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const openId = params.get("id") ?? undefined;
  const [source, setSourceState] = useState(params.get("source") ?? "");
  const [reasonCode, setReasonState] = useState(params.get("reason") ?? "");
  // The filters live in the address too, so a link, a reload or Back shows the same list.
  const replaceFilters = (next: { source?: string; reason?: string }) => {
    const query = new URLSearchParams(params.toString());
    for (const [name, value] of Object.entries(next)) {
      if (value) query.set(name, value);
      else query.delete(name);
    }
    const text = query.toString();
    router.replace(text ? `${pathname}?${text}` : pathname, { scroll: false });
  };
  const setSource = (value: string) => {
    setSourceState(value);
    setReasonState("");
    replaceFilters({ source: value, reason: "" });
  };
  const setReasonCode = (value: string) => {
    setReasonState(value);
    replaceFilters({ reason: value });
  };
  const [status, setStatus] = useState<Status>("open");
  const [findInput, setFindInput] = useState("");
  const findId = useId();

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
          <Select label="Source" value={source} onChange={(event) => setSource(event.target.value)}>
            <option value="">All sources</option>
            {sources.data?.items.map((s) => (
              <option key={s.id} value={s.slug}>
                {s.name} ({s.slug})
              </option>
            ))}
          </Select>
          <Select label="Reason" value={reasonCode} onChange={(event) => setReasonCode(event.target.value)}>
            <option value="">All reasons ({formatCount(total)})</option>
            {reasons.map((r) => (
              <option key={r.reasonCode} value={r.reasonCode}>
                {r.reasonCode} ({formatCount(r.count)})
              </option>
            ))}
          </Select>
          <Select
            label="Status"
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
          </Select>
          <form onSubmit={find}>
            <Label htmlFor={findId}>Dead letter id</Label>
            <div className="flex gap-2">
              <Input
                id={findId}
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
        <DataTable
          label="Dead letters"
          loadingLabel="Loading dead letters"
          query={letters}
          rows={rows}
          rowKey={(d) => d.id}
          rowClassName={(d) => (d.id === openId ? "bg-accent-50/60" : undefined)}
          empty={{
            icon: Inbox,
            title: `No ${status} dead letters`,
            description:
              source || reasonCode
                ? "Nothing matches these filters."
                : "Events that fail their schema, malformed bodies and batches the workers gave up on show up here.",
          }}
          paging={{
            summary: `${formatCount(rows.length)} of ${formatCount(
              reasonCode ? (reasons.find((r) => r.reasonCode === reasonCode)?.count ?? rows.length) : total,
            )}`,
            failedMessage: "Couldn't load more dead letters.",
          }}
          columns={[
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
                  onClick={() => {
                    setReturnFocusTo(d.id);
                    open(d.id);
                  }}
                >
                  View
                </Button>
              ),
            },
          ]}
        />
      </Card>
    </>
  );
}
