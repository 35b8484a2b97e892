"use client";
// The audit log: newest first, filtered by actor, action, table and time with the filters in the
// address (?actor=&action=&table=&from=&to=) so a filtered view can be linked, exported as CSV with
// the same filters, and paged with "Load more". A change's before → after and reason show in its row.
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { Download, ScrollText } from "lucide-react";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useState } from "react";
import { Button, buttonClasses } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { DataTable } from "@/components/ui/data-table";
import { PageHeader } from "@/components/ui/page-header";
import { formatCount, formatDateTime } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";
import { fieldIssues } from "@/lib/trpc-errors";
import { tableNamed } from "./audit-changes";
import { AuditDetails } from "./audit-details";
import { AuditFilterForm } from "./audit-filter-form";
import {
  AUDIT_FILTER_KEYS,
  type AuditFilterKey,
  applyForm,
  filtersFromParams,
  filtersQuery,
  formOf,
  givenFilters,
  hasFilters,
  NO_AUDIT_FILTERS,
} from "./audit-filters";

const PAGE_SIZE = 50;

export function AuditView() {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const applied = filtersFromParams(params);
  const appliedQuery = filtersQuery(applied);
  const filtered = hasFilters(applied);

  const [form, setForm] = useState(() => formOf(applied));
  const [problems, setProblems] = useState<Partial<Record<AuditFilterKey, string>>>({});
  // Back, Forward or a followed link changes the address: the form shows what is applied.
  useEffect(() => {
    setForm(formOf(filtersFromParams(new URLSearchParams(appliedQuery))));
    setProblems({});
  }, [appliedQuery]);

  const go = (query: string) => router.push(query ? `${pathname}?${query}` : pathname, { scroll: false });
  /** Applies the form, or answers with the first field at fault. */
  const apply = (): AuditFilterKey | undefined => {
    const next = applyForm(form);
    setProblems(next.problems);
    const first = AUDIT_FILTER_KEYS.find((key) => next.problems[key]);
    if (!first) go(filtersQuery(next.filters));
    return first;
  };
  const clear = () => {
    setForm(formOf(NO_AUDIT_FILTERS));
    setProblems({});
    go("");
  };

  const log = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(
      { limit: PAGE_SIZE, ...givenFilters(applied) },
      { getNextPageParam: (page) => page.nextCursor ?? undefined, placeholderData: keepPreviousData },
    ),
  );
  const rows = log.data?.pages.flatMap((page) => page.items) ?? [];
  // Filters from a link the API refused are named beside their fields too.
  const shownProblems = { ...fieldIssues(log.error), ...problems };

  return (
    <>
      <PageHeader
        title="Audit"
        description="Every change made through the console and the API, newest first."
        actions={
          <a
            href={`/api/audit/csv${appliedQuery ? `?${appliedQuery}` : ""}`}
            className={buttonClasses("secondary", "sm")}
            title={filtered ? "Download the entries these filters match" : "Download the whole audit log"}
          >
            <Download className="size-3.5" aria-hidden="true" />
            Export CSV
          </a>
        }
      />
      <Card>
        <AuditFilterForm
          form={form}
          problems={shownProblems}
          canClear={filtered || AUDIT_FILTER_KEYS.some((key) => form[key] !== "")}
          onChange={setForm}
          onApply={apply}
          onClear={clear}
        />
        {log.isFetching && !log.isFetchingNextPage && !log.isPending ? (
          <p className="px-5 pt-2 text-gray-400 text-xs" aria-live="polite">
            Updating…
          </p>
        ) : null}
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
            title: filtered ? "No entries match these filters" : "No audit entries yet",
            description: filtered
              ? "Change or clear the filters to see more."
              : "Changes to sources, schemas, policies and users are recorded here as they happen.",
            action: filtered ? (
              <Button variant="secondary" onClick={clear}>
                Clear filters
              </Button>
            ) : undefined,
          }}
          paging={{
            summary: `${formatCount(rows.length)} ${rows.length === 1 ? "entry" : "entries"}${log.hasNextPage ? " shown" : ""}`,
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
              cellTitle: (entry) => entry.actorEmail,
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
              cellClassName: "max-w-56",
              cell: (entry) => (
                <>
                  <span className="block text-gray-900">{entry.targetType}</span>
                  {entry.targetId ? (
                    <span className="block font-mono text-gray-500 text-xs wrap-anywhere">
                      {entry.targetId}
                    </span>
                  ) : null}
                  {tableNamed(entry.details) ? (
                    <span className="mt-0.5 block text-gray-500 text-xs">
                      on <span className="font-mono">{tableNamed(entry.details)}</span>
                    </span>
                  ) : null}
                </>
              ),
            },
            {
              header: "Details",
              cellClassName: "min-w-56 max-w-md",
              cell: (entry) => <AuditDetails details={entry.details} />,
            },
          ]}
        />
      </Card>
    </>
  );
}
