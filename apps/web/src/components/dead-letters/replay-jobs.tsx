"use client";
// Replay jobs, newest first: each one's status, a progress bar (landed, duplicates, still failing, sent
// but not committed, skipped — of its total), its rate, who started it and when, and for on-call
// staff Pause, Resume and Cancel. Refreshed every two seconds while any job is queued or running.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { clsx } from "clsx";
import { History } from "lucide-react";
import { useState } from "react";
import { QueryError } from "@/components/query-error";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { Skeleton } from "@/components/ui/skeleton";
import { formatCount, formatDateTime } from "@/lib/format";
import {
  canCancel,
  canPause,
  canResume,
  donePercent,
  isActive,
  progressSegments,
  type ReplayJobStatus,
  type ReplayProgressCounts,
} from "@/lib/replay-progress";
import { useTRPC } from "@/lib/trpc";
import { describeError } from "@/lib/trpc-errors";
import { replayPaceNote } from "./replay-pace-note";

const POLL_MS = 2000;

const statusTone: Record<ReplayJobStatus, BadgeTone> = {
  queued: "neutral",
  running: "accent",
  paused: "warning",
  cancelled: "neutral",
  succeeded: "success",
  failed: "danger",
};

const segmentColour: Record<string, string> = {
  landed: "bg-green-500",
  duplicates: "bg-green-300",
  stillFailing: "bg-red-500",
  sent: "bg-accent-300",
  skipped: "bg-gray-300",
};

export function ReplayProgressBar({ progress, label }: { progress: ReplayProgressCounts; label: string }) {
  const segments = progressSegments(progress);
  const done = donePercent(progress);
  return (
    <div>
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={done}
        aria-valuetext={`${done}% settled: ${segments
          .filter((s) => s.count > 0)
          .map((s) => `${formatCount(s.count)} ${s.label}`)
          .join(", ")} of ${formatCount(progress.total)}`}
        className="flex h-2.5 w-full overflow-hidden rounded-full bg-gray-100"
        data-testid="replay-job-progress"
      >
        {segments.map((s) =>
          s.percent > 0 ? (
            <div
              key={s.key}
              className={segmentColour[s.key]}
              style={{ width: `${s.percent}%` }}
              title={`${s.count} ${s.label}`}
            />
          ) : null,
        )}
      </div>
      <p
        className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-1 text-gray-600 text-xs tabular-nums"
        data-testid="replay-job-counts"
      >
        <span>
          {formatCount(progress.replayed)} replayed of {formatCount(progress.total)}
        </span>
        {segments
          .filter((s) => (s.key !== "skipped" && s.key !== "sent") || s.count > 0)
          .map((s) => (
            <span key={s.key} className="inline-flex items-center gap-1">
              <span
                aria-hidden="true"
                className={`inline-block size-2 rounded-full ${segmentColour[s.key]}`}
              />
              {formatCount(s.count)} {s.label}
            </span>
          ))}
      </p>
    </div>
  );
}

export function ReplayJobs({
  canReplay,
  highlightId,
}: {
  canReplay: boolean;
  highlightId?: string | undefined;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const jobs = useQuery(
    trpc.replays.list.queryOptions(
      { limit: 20 },
      {
        refetchInterval: (query) =>
          query.state.data?.items.some((j) => isActive(j.status)) ? POLL_MS : false,
      },
    ),
  );
  const settle = {
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: trpc.replays.pathKey() });
      void queryClient.invalidateQueries({ queryKey: trpc.deadLetters.pathKey() });
    },
  };
  const pause = useMutation(trpc.replays.pause.mutationOptions(settle));
  const resume = useMutation(trpc.replays.resume.mutationOptions(settle));
  const cancel = useMutation(trpc.replays.cancel.mutationOptions(settle));
  // Cancelling cannot be undone (what was not sent is skipped): it asks once, beside the button.
  const [confirmingCancel, setConfirmingCancel] = useState<string | undefined>();
  const controlError = pause.error ?? resume.error ?? cancel.error;

  if (jobs.isPending) {
    return (
      <div role="status" aria-label="Loading replay jobs" className="space-y-3 px-5 py-4">
        <Skeleton className="h-16 w-full" />
        <Skeleton className="h-16 w-full" />
      </div>
    );
  }
  if (jobs.isError) {
    return (
      <QueryError
        error={jobs.error}
        sectionLabel="Replay jobs"
        onRetry={() => void jobs.refetch()}
        retrying={jobs.isFetching}
      />
    );
  }
  if (jobs.data.items.length === 0) {
    return (
      <EmptyState
        icon={History}
        title="No replay jobs yet"
        description="Select dead letters under By cause or All letters, dry-run them, then replay them: the job shows up here with its progress."
      />
    );
  }
  return (
    <div data-testid="replay-jobs">
      {controlError ? (
        <p role="alert" className="px-5 pt-3 text-red-700 text-xs">
          {describeError(controlError)}
        </p>
      ) : null}
      <ul className="divide-y divide-gray-100">
        {jobs.data.items.map((job) => {
          const selection = job.selection as { letters?: unknown; filter?: unknown };
          const what =
            typeof selection.letters === "number"
              ? `${formatCount(selection.letters)} selected letter${selection.letters === 1 ? "" : "s"}`
              : "letters matching a filter";
          return (
            <li
              key={job.id}
              className={clsx("space-y-2 px-5 py-3", job.id === highlightId && "bg-accent-50/60")}
              data-testid="replay-job"
              data-job-id={job.id}
              data-status={job.status}
            >
              <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
                <Badge tone={statusTone[job.status]}>
                  <span data-testid="replay-job-status">{job.status}</span>
                </Badge>
                <span className="font-mono text-gray-500 text-xs">{job.id}</span>
                <span className="text-gray-700 text-xs">
                  {what}
                  {job.source ? ` of ${job.source}` : ""} · {formatCount(job.ratePerSecond)} events/s
                </span>
                <span className="text-gray-500 text-xs">
                  started by {job.requestedByEmail}, {formatDateTime(job.createdAt)}
                  {job.finishedAt ? ` · finished ${formatDateTime(job.finishedAt)}` : ""}
                </span>
                {canReplay ? (
                  <span className="ml-auto flex gap-2">
                    {canPause(job.status) ? (
                      <Button
                        size="sm"
                        variant="secondary"
                        data-testid="replay-job-pause"
                        aria-label={`Pause replay job ${job.id}`}
                        loading={pause.isPending && pause.variables?.id === job.id}
                        onClick={() => pause.mutate({ id: job.id })}
                      >
                        Pause
                      </Button>
                    ) : null}
                    {canResume(job.status) ? (
                      <Button
                        size="sm"
                        variant="secondary"
                        data-testid="replay-job-resume"
                        aria-label={`Resume replay job ${job.id}`}
                        loading={resume.isPending && resume.variables?.id === job.id}
                        onClick={() => resume.mutate({ id: job.id })}
                      >
                        Resume
                      </Button>
                    ) : null}
                    {canCancel(job.status) && confirmingCancel === job.id ? (
                      <>
                        <Button
                          key="confirm-cancel"
                          size="sm"
                          variant="danger"
                          autoFocus
                          data-testid="replay-job-cancel-confirm"
                          aria-label={`Cancel replay job ${job.id}: skip the letters not sent yet`}
                          loading={cancel.isPending && cancel.variables?.id === job.id}
                          onClick={() =>
                            cancel.mutate({ id: job.id }, { onSettled: () => setConfirmingCancel(undefined) })
                          }
                        >
                          Cancel: skip what is not sent
                        </Button>
                        <Button size="sm" variant="ghost" onClick={() => setConfirmingCancel(undefined)}>
                          Keep running
                        </Button>
                      </>
                    ) : canCancel(job.status) ? (
                      <Button
                        key="cancel"
                        size="sm"
                        variant="ghost"
                        data-testid="replay-job-cancel"
                        aria-label={`Cancel replay job ${job.id}`}
                        onClick={() => setConfirmingCancel(job.id)}
                      >
                        Cancel
                      </Button>
                    ) : null}
                  </span>
                ) : null}
              </div>
              <ReplayProgressBar progress={job.progress} label={`Progress of replay job ${job.id}`} />
              {replayPaceNote(job) ? (
                <p className="text-amber-700 text-xs" data-testid="replay-job-pace">
                  {replayPaceNote(job)}
                </p>
              ) : null}
              {job.error ? <p className="text-red-700 text-xs">{job.error}</p> : null}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
