"use client";
// Query history: every run of every read path (who, when, which path, the SQL and its parameters, how
// long, rows, bytes scanned, estimated and actual cost, how it ended and why), newest first, filtered
// and paged. Analysts see their own runs; admins everyone's, and may filter by person.
import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { History } from "lucide-react";
import Link from "next/link";
import { useId, useState } from "react";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { DataTable } from "@/components/ui/data-table";
import { Input, Label } from "@/components/ui/input";
import { PageHeader } from "@/components/ui/page-header";
import { Select } from "@/components/ui/select";
import { formatCount, formatDateTime, formatDuration } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";
import { formatScanBytes, formatUsd } from "./byte-units";
import {
  type HistoryFilterForm,
  historyFilters,
  NO_FILTERS,
  parametersText,
  RUN_PATH_LABELS,
  RUN_PATHS,
  RUN_STATUSES,
  type RunPath,
  type RunStatus,
} from "./history-filters";
import { QueriesNav } from "./queries-nav";
import type { QueryHistoryPage } from "./query-run-types";
import { useDebouncedValue } from "./use-debounced-value";

type Run = QueryHistoryPage["items"][number];

const PAGE_SIZE = 50;

const STATUS_TONES: Record<RunStatus, BadgeTone> = {
  running: "accent",
  succeeded: "success",
  failed: "danger",
  cancelled: "warning",
};

function pathLabel(path: string): string {
  return RUN_PATH_LABELS[path as RunPath] ?? path;
}

function RunDetails({ run }: { run: Run }) {
  const params = parametersText(run.parameters);
  return (
    <div className="space-y-2 rounded-md bg-gray-50 p-3 text-xs wrap-anywhere">
      <pre className="max-h-60 overflow-auto whitespace-pre-wrap wrap-anywhere font-mono text-gray-800">
        {run.sql}
      </pre>
      {params ? (
        <p>
          <span className="font-medium text-gray-600">Parameters:</span>{" "}
          <span className="font-mono">{params}</span>
        </p>
      ) : null}
      {run.tables.length > 0 ? (
        <p>
          <span className="font-medium text-gray-600">Tables:</span>{" "}
          {run.tables.map((t) => `${t.name} at snapshot ${t.snapshotSeq}`).join(", ")}
        </p>
      ) : null}
      {run.error ? (
        <p className="text-red-700">
          <span className="font-medium">Error:</span> {run.error}
        </p>
      ) : null}
      <p className="text-gray-500">
        Run {run.id} on {run.engine}
        {run.finishedAt ? `, finished ${formatDateTime(new Date(run.finishedAt))}` : ""}
        {run.savedQuery ? (
          <>
            {" "}
            ·{" "}
            <Link href={`/queries/${run.savedQuery.id}`} className="text-accent-700 underline">
              Open {run.savedQuery.name}
            </Link>
          </>
        ) : null}
      </p>
    </div>
  );
}

function Filters({
  form,
  onChange,
  admin,
}: {
  form: HistoryFilterForm;
  onChange: (form: HistoryFilterForm) => void;
  admin: boolean;
}) {
  const id = useId();
  const set = <K extends keyof HistoryFilterForm>(key: K, value: HistoryFilterForm[K]) =>
    onChange({ ...form, [key]: value });
  return (
    <form
      aria-label="Filter runs"
      className="grid gap-3 border-gray-100 border-b px-5 py-3 sm:grid-cols-3 lg:grid-cols-6"
      onSubmit={(event) => event.preventDefault()}
    >
      <Select
        label="Status"
        value={form.status}
        onChange={(e) => set("status", e.target.value as RunStatus | "")}
      >
        <option value="">Any</option>
        {RUN_STATUSES.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </Select>
      <Select label="Path" value={form.path} onChange={(e) => set("path", e.target.value as RunPath | "")}>
        <option value="">Any</option>
        {RUN_PATHS.map((p) => (
          <option key={p} value={p}>
            {RUN_PATH_LABELS[p]}
          </option>
        ))}
      </Select>
      <div>
        <Label htmlFor={`${id}-text`}>SQL contains</Label>
        <Input
          id={`${id}-text`}
          type="search"
          value={form.text}
          onChange={(e) => set("text", e.target.value)}
          maxLength={200}
          className="mt-1"
        />
      </div>
      {admin ? (
        <div>
          <Label htmlFor={`${id}-user`}>Person</Label>
          <Input
            id={`${id}-user`}
            type="search"
            value={form.user}
            onChange={(e) => set("user", e.target.value)}
            placeholder="email"
            maxLength={200}
            className="mt-1"
          />
        </div>
      ) : null}
      <div>
        <Label htmlFor={`${id}-from`}>From</Label>
        <Input
          id={`${id}-from`}
          type="date"
          value={form.from}
          onChange={(e) => set("from", e.target.value)}
          className="mt-1"
        />
      </div>
      <div>
        <Label htmlFor={`${id}-to`}>To</Label>
        <Input
          id={`${id}-to`}
          type="date"
          value={form.to}
          onChange={(e) => set("to", e.target.value)}
          className="mt-1"
        />
      </div>
    </form>
  );
}

export function QueryHistoryView() {
  const trpc = useTRPC();
  const me = useQuery(trpc.me.queryOptions());
  const admin = me.data?.roles.includes("admin") ?? false;
  const [form, setForm] = useState<HistoryFilterForm>(NO_FILTERS);
  const [open, setOpen] = useState<Set<string>>(new Set());
  const filters = historyFilters(useDebouncedValue(form, 300), admin);
  const history = useInfiniteQuery(
    trpc.queries.history.infiniteQueryOptions(
      { filters, limit: PAGE_SIZE },
      { getNextPageParam: (page) => page.nextCursor ?? undefined, placeholderData: keepPreviousData },
    ),
  );
  const rows = history.data?.pages.flatMap((page) => page.items) ?? [];
  const filtered = Object.keys(filters).length > 0;
  const toggle = (runId: string) =>
    setOpen((now) => {
      const next = new Set(now);
      if (next.has(runId)) next.delete(runId);
      else next.add(runId);
      return next;
    });

  return (
    <>
      <PageHeader
        title="Query history"
        description={
          admin
            ? "Every run of every read path, by everyone, newest first; kept 90 days."
            : "Every query you ran, newest first; kept 90 days."
        }
        actions={<QueriesNav />}
      />
      <Card>
        <Filters form={form} onChange={setForm} admin={admin} />
        <DataTable
          label="Query runs"
          loadingLabel="Loading query history"
          sectionLabel="Queries"
          query={history}
          rows={rows}
          rowKey={(run) => run.id}
          rowClassName={() => "align-top"}
          rowDetail={(run) =>
            open.has(run.id) ? { id: `run-${run.id}-details`, content: <RunDetails run={run} /> } : undefined
          }
          empty={{
            icon: History,
            title: filtered ? "No runs match these filters" : "No queries run yet",
            description: filtered
              ? "Change or clear the filters to see more."
              : "Runs from the SQL editor, saved queries, downloads and previews appear here.",
            action: filtered ? (
              <Button variant="secondary" onClick={() => setForm(NO_FILTERS)}>
                Clear filters
              </Button>
            ) : undefined,
          }}
          paging={{
            summary: `${formatCount(rows.length)} ${rows.length === 1 ? "run" : "runs"}${history.hasNextPage ? " shown" : ""}`,
            failedMessage: "Couldn't load more runs.",
          }}
          columns={[
            {
              // Who (for admins) and the read path are lines under the time rather than columns of their
              // own: the console is at most 72rem wide, so cost and details stay in sight at any width.
              header: "When",
              cell: (run) => {
                const at = new Date(run.startedAt);
                return (
                  <>
                    <time
                      dateTime={at.toISOString()}
                      title={at.toISOString()}
                      className="block whitespace-nowrap text-gray-500 tabular-nums"
                    >
                      {formatDateTime(at)}
                    </time>
                    {admin ? (
                      <span className="block max-w-36 truncate text-gray-700 text-xs" title={run.user.email}>
                        {run.user.email}
                      </span>
                    ) : null}
                    <span className="block max-w-36 truncate text-gray-500 text-xs">
                      {pathLabel(run.path)}
                      {run.savedQuery ? (
                        <span title={run.savedQuery.name}>: {run.savedQuery.name}</span>
                      ) : null}
                    </span>
                  </>
                );
              },
            },
            {
              header: "SQL",
              cellClassName: "max-w-44",
              cellTitle: (run) => run.sql,
              cell: (run) => {
                const params = parametersText(run.parameters);
                return (
                  <>
                    <code className="block truncate font-mono text-gray-800 text-xs">{run.sql}</code>
                    {params ? (
                      <span className="block truncate font-mono text-[11px] text-gray-500">{params}</span>
                    ) : null}
                  </>
                );
              },
            },
            {
              header: "Status",
              cell: (run) => (
                <>
                  <Badge tone={STATUS_TONES[run.status as RunStatus] ?? "neutral"} dot>
                    {run.status}
                  </Badge>
                  {run.error ? (
                    <span className="mt-1 block max-w-36 truncate text-red-700 text-xs" title={run.error}>
                      {run.error}
                    </span>
                  ) : null}
                </>
              ),
            },
            {
              header: "Duration",
              className: "text-right",
              cellClassName: "whitespace-nowrap tabular-nums",
              cell: (run) => (
                <>
                  {run.durationMs === null ? "—" : formatDuration(run.durationMs)}
                  {run.rowCount !== null ? (
                    <span className="block text-[11px] text-gray-500">
                      {formatCount(run.rowCount)} {run.rowCount === 1 ? "row" : "rows"}
                    </span>
                  ) : null}
                </>
              ),
            },
            {
              header: "Bytes scanned",
              className: "text-right",
              cellClassName: "whitespace-nowrap tabular-nums",
              cell: (run) => (
                <>
                  {run.bytesScanned === null ? "—" : formatScanBytes(run.bytesScanned)}
                  {run.estimatedBytes !== null ? (
                    <span className="block text-[11px] text-gray-500">
                      est. {formatScanBytes(run.estimatedBytes)}
                    </span>
                  ) : null}
                </>
              ),
            },
            {
              header: "Cost",
              className: "text-right",
              cellClassName: "whitespace-nowrap tabular-nums",
              cell: (run) => (
                <>
                  {run.costUsd === null ? "—" : formatUsd(run.costUsd)}
                  {run.estimatedCostUsd !== null ? (
                    <span className="block text-[11px] text-gray-500">
                      est. {formatUsd(run.estimatedCostUsd)}
                    </span>
                  ) : null}
                </>
              ),
            },
            {
              header: "Details",
              headerHidden: true,
              cell: (run) => (
                <Button
                  variant="ghost"
                  size="sm"
                  aria-expanded={open.has(run.id)}
                  aria-controls={open.has(run.id) ? `run-${run.id}-details` : undefined}
                  aria-label={`${open.has(run.id) ? "Hide" : "Show"} details of the run at ${formatDateTime(new Date(run.startedAt))}`}
                  onClick={() => toggle(run.id)}
                >
                  {open.has(run.id) ? "Hide" : "Details"}
                </Button>
              ),
            },
          ]}
        />
      </Card>
    </>
  );
}
