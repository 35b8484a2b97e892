"use client";
// Reprocess from raw: choose a source (fixed on a source's page) and an event-time range (the last day
// by default) and a rate; a dry run comes first and says how many rows would change and how many would
// be dead-lettered; then Start runs it, with a progress bar and Cancel. Below, the recent jobs. Shown
// to admins, engineers and on-call staff; the API checks again.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { Input, Label } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { formatCount, formatDateTime } from "@/lib/format";
import {
  defaultRange,
  fromLocalInput,
  isReprocessActive,
  type ReprocessJobStatus,
  reprocessFormProblem,
  reprocessPercent,
} from "@/lib/reprocess-form";
import { useTRPC } from "@/lib/trpc";
import { describeError } from "@/lib/trpc-errors";

const POLL_MS = 1000;

const statusTone: Record<ReprocessJobStatus, BadgeTone> = {
  queued: "neutral",
  running: "accent",
  paused: "warning",
  cancelled: "neutral",
  succeeded: "success",
  failed: "danger",
};

/** Whether the signed-in person may reprocess: admins, engineers and on-call staff. */
export function useCanReprocess(): boolean {
  const trpc = useTRPC();
  const me = useQuery(trpc.me.queryOptions());
  const roles: readonly string[] = me.data?.roles ?? [];
  return roles.some((r) => r === "admin" || r === "engineer" || r === "oncall");
}

interface Figures {
  batches: number;
  events: number;
  outsideRange: number;
  rowsReplaced: number;
  rowsKept: number;
  rowsAfter: number;
  unchanged: number;
  changed: number;
  added: number;
  deadLettered: number;
  stillFailing: number;
  duplicates: number;
  lettersResolved: number;
  rowsChanged: number;
}

interface Job {
  id: string;
  status: ReprocessJobStatus;
  phase: string;
  dryRun: boolean;
  source: string | null;
  from: Date;
  to: Date;
  ratePerSecond: number;
  batchesTotal: number;
  batchesDone: number;
  eventsTotal: number;
  eventsRead: number;
  result: Figures | null;
  snapshotSeq: number | null;
  error: string | null;
  requestedByEmail: string;
  createdAt: Date;
}

/** One job, polled while it is queued or running. */
function useReprocessJob(id: string | undefined) {
  const trpc = useTRPC();
  return useQuery({
    ...trpc.reprocess.get.queryOptions({ id: id ?? "" }),
    enabled: id !== undefined,
    refetchInterval: (query) =>
      query.state.data && isReprocessActive(query.state.data.status) ? POLL_MS : false,
  });
}

function ReprocessProgress({ job }: { job: Job }) {
  const percent = reprocessPercent(job);
  const what = job.dryRun ? "Dry run" : "Reprocess";
  return (
    <div>
      <div
        role="progressbar"
        aria-label={`${what} ${job.id} progress`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        className="flex h-2.5 w-full overflow-hidden rounded-full bg-gray-100"
        data-testid="reprocess-progress"
      >
        <div className="bg-accent-500" style={{ width: `${percent}%` }} />
      </div>
      <p className="mt-1 text-gray-600 text-xs tabular-nums" data-testid="reprocess-progress-counts">
        {job.phase === "committing"
          ? "Writing and committing the replacement…"
          : `${formatCount(job.eventsRead)} of ${formatCount(job.eventsTotal)} raw events read · ${formatCount(
              job.batchesDone,
            )} of ${formatCount(job.batchesTotal)} batches · ${formatCount(job.ratePerSecond)} events/s`}
      </p>
    </div>
  );
}

function FiguresList({ figures, dryRun }: { figures: Figures; dryRun: boolean }) {
  const would = dryRun ? "would " : "";
  return (
    <div className="space-y-1 text-sm" data-testid={dryRun ? "reprocess-dry-result" : "reprocess-result"}>
      <p className="font-medium text-gray-900">
        <span data-testid="reprocess-rows-changed">{formatCount(figures.rowsChanged)}</span> row
        {figures.rowsChanged === 1 ? "" : "s"} {dryRun ? "would change" : "changed"};{" "}
        <span data-testid="reprocess-dead-lettered">{formatCount(figures.deadLettered)}</span>{" "}
        {dryRun ? "would be" : "were"} dead-lettered.
      </p>
      <ul className="list-inside list-disc text-gray-600 text-xs">
        <li>
          {formatCount(figures.added)} {would}land that were not in curated (dead letters that now pass)
          {dryRun ? "" : `; ${formatCount(figures.lettersResolved)} open letters marked replayed`}
        </li>
        <li>
          {formatCount(figures.changed)} {would}change values; {formatCount(figures.unchanged)} stay the same
        </li>
        <li>
          {formatCount(figures.rowsKept)} rows of the range from other batches (replays, later batches) are
          kept; {formatCount(figures.duplicates)} duplicates left out
        </li>
        <li>
          {formatCount(figures.events)} raw events in {formatCount(figures.batches)} batch
          {figures.batches === 1 ? "" : "es"} read; {formatCount(figures.outsideRange)} outside the range left
          as they are; {formatCount(figures.stillFailing)} still failing (their letters stay open)
        </li>
      </ul>
    </div>
  );
}

export function ReprocessCard({ slug }: { slug?: string | undefined }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const ids = { source: useId(), from: useId(), to: useId(), rate: useId() };
  const sources = useQuery({ ...trpc.sources.list.queryOptions(), enabled: slug === undefined });
  const [initial] = useState(() => defaultRange(Date.now()));
  const [source, setSource] = useState(slug ?? "");
  const [from, setFrom] = useState(initial.from);
  const [to, setTo] = useState(initial.to);
  const [rate, setRate] = useState("5000");
  const [dryId, setDryId] = useState<string | undefined>();
  const [runId, setRunId] = useState<string | undefined>();
  const [dryFor, setDryFor] = useState<string | undefined>();

  const params = { source, from, to, rate };
  const paramsKey = JSON.stringify(params);
  const problem = source === "" ? "Choose a source." : reprocessFormProblem(params);
  const request = () => ({
    source,
    from: fromLocalInput(from)?.toISOString(),
    to: fromLocalInput(to)?.toISOString(),
    ratePerSecond: Number(rate),
  });

  const dry = useReprocessJob(dryId);
  const run = useReprocessJob(runId);
  const list = useQuery({
    ...trpc.reprocess.list.queryOptions({ ...(slug ? { source: slug } : {}), limit: 10 }),
    refetchInterval: (query) =>
      query.state.data?.items.some((j) => isReprocessActive(j.status)) ? POLL_MS : false,
  });
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.reprocess.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.deadLetters.pathKey() });
  };
  const startDry = useMutation(
    trpc.reprocess.dryRun.mutationOptions({
      onSuccess: (job) => {
        setDryId(job.id);
        setDryFor(paramsKey);
        setRunId(undefined);
      },
      onSettled: refresh,
    }),
  );
  const start = useMutation(
    trpc.reprocess.start.mutationOptions({ onSuccess: (job) => setRunId(job.id), onSettled: refresh }),
  );
  const cancel = useMutation(trpc.reprocess.cancel.mutationOptions({ onSettled: refresh }));

  const dryJob = dry.data as Job | undefined;
  const runJob = run.data as Job | undefined;
  const dryReady = dryJob?.status === "succeeded" && dryFor === paramsKey;
  const error = startDry.error ?? start.error ?? cancel.error;

  return (
    <Card data-testid="reprocess-card">
      <CardHeader
        title="Reprocess from raw"
        description="Re-read the raw batches of a time range, judge them against the active schema and replace the range's curated rows in one snapshot — how a fixed schema or a bug fix reaches data that already landed. Previously dead-lettered events that now pass land once; rows that now fail are dead-lettered."
      />
      <CardBody className="space-y-4">
        <form
          className="grid grid-cols-1 gap-3 sm:grid-cols-4"
          onSubmit={(e) => {
            e.preventDefault();
            if (!problem) startDry.mutate(request());
          }}
        >
          {slug === undefined ? (
            <Select
              id={ids.source}
              label="Source"
              value={source}
              onChange={(e) => setSource(e.target.value)}
              data-testid="reprocess-source"
            >
              <option value="">Choose a source…</option>
              {sources.data?.items.map((s) => (
                <option key={s.slug} value={s.slug}>
                  {s.name} ({s.slug})
                </option>
              ))}
            </Select>
          ) : null}
          <div>
            <Label htmlFor={ids.from}>Event time from</Label>
            <Input
              id={ids.from}
              type="datetime-local"
              value={from}
              onChange={(e) => setFrom(e.target.value)}
              data-testid="reprocess-from"
            />
          </div>
          <div>
            <Label htmlFor={ids.to}>Until (not included)</Label>
            <Input
              id={ids.to}
              type="datetime-local"
              value={to}
              onChange={(e) => setTo(e.target.value)}
              data-testid="reprocess-to"
            />
          </div>
          <div>
            <Label htmlFor={ids.rate}>Rate (raw events/s)</Label>
            <Input
              id={ids.rate}
              inputMode="numeric"
              value={rate}
              onChange={(e) => setRate(e.target.value)}
              data-testid="reprocess-rate"
            />
          </div>
          <div className="flex items-end gap-2 sm:col-span-4">
            <Button
              type="submit"
              variant="secondary"
              disabled={problem !== undefined || (dryJob !== undefined && isReprocessActive(dryJob.status))}
              loading={startDry.isPending}
              data-testid="reprocess-dry-run"
            >
              Dry run
            </Button>
            <Button
              disabled={!dryReady || (runJob !== undefined && isReprocessActive(runJob.status))}
              loading={start.isPending}
              onClick={() => start.mutate(request())}
              data-testid="reprocess-start"
              title={dryReady ? undefined : "Run a dry run of this range first"}
            >
              Start reprocess
            </Button>
            {problem && source !== "" ? <p className="text-amber-800 text-xs">{problem}</p> : null}
          </div>
        </form>
        {error ? (
          <p role="alert" className="text-red-700 text-sm">
            {describeError(error)}
          </p>
        ) : null}
        {[dryJob, runJob].map((job) =>
          job ? (
            <section
              key={job.id}
              className="space-y-2 rounded-md border border-gray-200 px-4 py-3"
              data-testid={job.dryRun ? "reprocess-dry-job" : "reprocess-run-job"}
              data-status={job.status}
            >
              <div className="flex flex-wrap items-center gap-2">
                <h3 className="font-medium text-gray-900 text-sm">{job.dryRun ? "Dry run" : "Reprocess"}</h3>
                <Badge tone={statusTone[job.status]}>
                  <span data-testid="reprocess-status">{job.status}</span>
                </Badge>
                <span className="font-mono text-gray-500 text-xs">{job.id}</span>
                {isReprocessActive(job.status) ? (
                  <Button
                    size="sm"
                    variant="ghost"
                    className="ml-auto"
                    loading={cancel.isPending && cancel.variables?.id === job.id}
                    onClick={() => cancel.mutate({ id: job.id })}
                    data-testid="reprocess-cancel"
                    aria-label={`Cancel ${job.dryRun ? "dry run" : "reprocess"} ${job.id}`}
                  >
                    Cancel
                  </Button>
                ) : null}
              </div>
              {job.status !== "succeeded" ? <ReprocessProgress job={job} /> : null}
              {job.result ? <FiguresList figures={job.result} dryRun={job.dryRun} /> : null}
              {job.status === "succeeded" && !job.dryRun ? (
                <p className="text-gray-600 text-xs">
                  {job.snapshotSeq === null
                    ? "Nothing needed replacing: no snapshot was made."
                    : `Committed as snapshot ${job.snapshotSeq}; the previous snapshot stays readable until vacuum.`}
                </p>
              ) : null}
              {job.error ? <p className="text-red-700 text-xs">{job.error}</p> : null}
            </section>
          ) : null,
        )}
        {list.data && list.data.items.length > 0 ? (
          <div>
            <h3 className="mb-1 font-medium text-gray-700 text-xs">Recent reprocess jobs</h3>
            <ul className="divide-y divide-gray-100 text-xs" data-testid="reprocess-jobs">
              {(list.data.items as Job[]).map((job) => (
                <li
                  key={job.id}
                  className="flex flex-wrap items-center gap-x-3 gap-y-1 py-1.5"
                  data-testid="reprocess-job"
                >
                  <Badge tone={statusTone[job.status]}>{job.status}</Badge>
                  <span className="text-gray-800">
                    {job.dryRun ? "Dry run" : "Reprocess"} of {job.source ?? "a deleted source"},{" "}
                    {formatDateTime(job.from)} – {formatDateTime(job.to)}
                  </span>
                  {job.result ? (
                    <span className="text-gray-600">
                      {formatCount(job.result.rowsChanged)} rows {job.dryRun ? "would change" : "changed"},{" "}
                      {formatCount(job.result.deadLettered)} dead-lettered
                    </span>
                  ) : isReprocessActive(job.status) ? (
                    <span className="text-gray-600 tabular-nums">{reprocessPercent(job)}%</span>
                  ) : null}
                  <span className="text-gray-500">
                    by {job.requestedByEmail}, {formatDateTime(job.createdAt)}
                  </span>
                </li>
              ))}
            </ul>
          </div>
        ) : null}
      </CardBody>
    </Card>
  );
}
