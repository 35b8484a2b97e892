"use client";
// A replay of selected dead letters, always dry-run first: how many would now pass the active schema,
// how many are in curated already (skipped as duplicates), the rest grouped by reason × JSON pointer,
// letters a job would refuse and why, and previews of edited payloads; then "Replay N letters" at a
// rate in events per second, which queues a background job.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { QueryError } from "@/components/query-error";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ModalDialog } from "@/components/ui/modal-dialog";
import { Skeleton } from "@/components/ui/skeleton";
import { formatCount } from "@/lib/format";
import { DEFAULT_RATE, parseRate } from "@/lib/replay-progress";
import type { ReplaySelection } from "@/lib/replay-selection";
import { useTRPC } from "@/lib/trpc";
import { describeError, fieldIssues } from "@/lib/trpc-errors";

function Figure({
  label,
  value,
  testId,
  tone,
}: {
  label: string;
  value: number;
  testId: string;
  tone: string;
}) {
  return (
    <div className="rounded-md border border-gray-200 px-3 py-2">
      <div className="text-gray-500 text-xs">{label}</div>
      <div className={`font-semibold text-lg tabular-nums ${tone}`} data-testid={testId}>
        {formatCount(value)}
      </div>
    </div>
  );
}

export function ReplayDialog({
  open,
  selection,
  selectedLabel,
  canReplay,
  onClose,
  onStarted,
}: {
  open: boolean;
  selection: ReplaySelection;
  /** "3 selected letters", "all 1,204 letters matching this filter". */
  selectedLabel: string;
  canReplay: boolean;
  onClose: () => void;
  onStarted: (jobId: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const rateId = useId();
  const [rateText, setRateText] = useState(String(DEFAULT_RATE));
  const [rateTouched, setRateTouched] = useState(false);
  const dry = useQuery(
    trpc.replays.dryRun.queryOptions(
      { selection, previews: 10 },
      { enabled: open, staleTime: 0, retry: false },
    ),
  );
  const create = useMutation(
    trpc.replays.create.mutationOptions({
      onSuccess: (created) => {
        void queryClient.invalidateQueries({ queryKey: trpc.deadLetters.pathKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.replays.pathKey() });
        onStarted(created.job.id);
      },
    }),
  );
  const parsed = parseRate(rateText);
  const localRateError = "error" in parsed && rateTouched ? parsed.error : undefined;
  const serverRateError = create.error ? fieldIssues(create.error).ratePerSecond : undefined;
  const rateError = localRateError ?? serverRateError;
  const otherError = create.error && !serverRateError ? describeError(create.error) : undefined;
  const replayable = dry.data?.replayable ?? 0;

  return (
    <ModalDialog
      open={open}
      onClose={onClose}
      width="max-w-3xl"
      title="Dry run of a replay"
      description={`What a replay of ${selectedLabel} would do now, judged against each source's active schema. Nothing is sent yet.`}
    >
      <div className="space-y-4" data-testid="replay-dry-run">
        {dry.isPending ? (
          <div role="status" aria-label="Running the dry run" className="space-y-2">
            <Skeleton className="h-14 w-full" />
            <Skeleton className="h-24 w-full" />
          </div>
        ) : dry.isError ? (
          <QueryError
            error={dry.error}
            sectionLabel="Dry run"
            onRetry={() => void dry.refetch()}
            retrying={dry.isFetching}
          />
        ) : (
          <>
            <div className="grid grid-cols-2 gap-2 sm:grid-cols-4">
              <Figure
                label="Letters selected"
                value={dry.data.letters}
                testId="dry-run-letters"
                tone="text-gray-900"
              />
              <Figure
                label="Would now pass"
                value={dry.data.wouldPass}
                testId="dry-run-would-pass"
                tone="text-green-700"
              />
              <Figure
                label="Already in curated"
                value={dry.data.alreadyLanded}
                testId="dry-run-already-landed"
                tone="text-gray-700"
              />
              <Figure
                label="Would fail again"
                value={dry.data.wouldFail}
                testId="dry-run-would-fail"
                tone="text-red-700"
              />
            </div>
            {dry.data.truncated ? (
              <p className="text-amber-800 text-xs">
                Only the first {formatCount(dry.data.letters)} letters were judged; the selection holds more.
              </p>
            ) : null}
            {dry.data.schemaVersions.length > 0 ? (
              <p className="text-gray-500 text-xs">
                Judged against{" "}
                {dry.data.schemaVersions
                  .map(
                    (s) =>
                      `${s.source} ${s.version !== undefined ? `schema version ${s.version}` : "(no schema)"}`,
                  )
                  .join(", ")}
                .
              </p>
            ) : null}
            {dry.data.failures.length > 0 ? (
              <div>
                <h3 className="mb-1 font-medium text-gray-700 text-xs">
                  Would still fail, by reason and JSON pointer
                </h3>
                <table className="w-full text-xs" data-testid="dry-run-failures">
                  <thead className="text-left text-gray-500">
                    <tr>
                      <th className="py-1 pr-2 font-medium">Reason</th>
                      <th className="py-1 pr-2 font-medium">JSON pointer</th>
                      <th className="py-1 pr-2 text-right font-medium">Letters</th>
                      <th className="py-1 font-medium">Example</th>
                    </tr>
                  </thead>
                  <tbody>
                    {dry.data.failures.map((f) => (
                      <tr key={`${f.reasonCode}-${f.path}`} className="border-gray-100 border-t align-top">
                        <td className="py-1 pr-2">
                          <Badge tone="danger">{f.reasonCode}</Badge>
                        </td>
                        <td className="py-1 pr-2 font-mono">{f.path || "—"}</td>
                        <td className="py-1 pr-2 text-right tabular-nums">{formatCount(f.letters)}</td>
                        <td className="py-1 text-gray-700">{f.sample}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : null}
            {dry.data.notReplayable.length > 0 ? (
              <div data-testid="dry-run-not-replayable">
                <h3 className="mb-1 font-medium text-gray-700 text-xs">
                  Left out: a job would not take these
                </h3>
                <ul className="space-y-0.5 text-gray-700 text-xs">
                  {dry.data.notReplayable.map((n) => (
                    <li key={n.reason}>
                      {formatCount(n.letters)} letter{n.letters === 1 ? "" : "s"}: {n.reason}
                    </li>
                  ))}
                </ul>
              </div>
            ) : null}
            {dry.data.previews.length > 0 ? (
              <details className="text-xs" data-testid="dry-run-previews">
                <summary className="cursor-pointer font-medium text-gray-700">
                  Previews of edited payloads ({dry.data.previews.length})
                </summary>
                <ul className="mt-2 space-y-2">
                  {dry.data.previews.map((p) => (
                    <li key={p.letterId} className="rounded-md border border-gray-200 p-2">
                      <div className="mb-1 flex flex-wrap items-center gap-2">
                        <Badge tone={p.wouldPass ? "success" : "danger"}>
                          {p.wouldPass ? "would pass" : "would fail"}
                        </Badge>
                        <span className="font-mono text-gray-500">{p.eventId ?? p.letterId}</span>
                        {p.reason ? <span className="text-red-700">{p.reason}</span> : null}
                      </div>
                      <pre className="max-h-32 overflow-auto whitespace-pre-wrap break-all rounded bg-gray-50 p-2 font-mono text-[11px]">
                        {p.payload}
                      </pre>
                    </li>
                  ))}
                </ul>
              </details>
            ) : null}
          </>
        )}
        {canReplay ? (
          <form
            className="flex flex-wrap items-end justify-between gap-3 border-gray-100 border-t pt-4"
            onSubmit={(event) => {
              event.preventDefault();
              setRateTouched(true);
              if ("error" in parsed) return;
              create.mutate({ selection, ratePerSecond: parsed.rate });
            }}
          >
            <div>
              <label htmlFor={rateId} className="mb-1 block font-medium text-gray-700 text-xs">
                Rate (events per second)
              </label>
              <input
                id={rateId}
                data-testid="replay-rate"
                inputMode="numeric"
                value={rateText}
                onChange={(event) => {
                  setRateText(event.target.value);
                  setRateTouched(true);
                  create.reset();
                }}
                aria-invalid={rateError ? true : undefined}
                aria-describedby={`${rateId}-help${rateError ? ` ${rateId}-error` : ""}`}
                className="h-9 w-36 rounded-md border border-gray-300 px-3 text-sm tabular-nums shadow-xs focus:border-accent-500 focus:outline-none focus:ring-3 focus:ring-accent-500/20"
              />
              <p id={`${rateId}-help`} className="mt-1 text-gray-500 text-xs">
                Leaves live ingest its room. Default {formatCount(DEFAULT_RATE)}.
              </p>
              {rateError ? (
                <p
                  id={`${rateId}-error`}
                  className="mt-1 text-red-700 text-xs"
                  data-testid="replay-rate-error"
                >
                  {rateError}
                </p>
              ) : null}
            </div>
            <div className="flex flex-col items-end gap-1">
              {otherError ? (
                <p
                  role="alert"
                  className="max-w-sm text-right text-red-700 text-xs"
                  data-testid="replay-error"
                >
                  {otherError}
                </p>
              ) : null}
              <div className="flex gap-2">
                <Button variant="secondary" onClick={onClose}>
                  Cancel
                </Button>
                <Button
                  type="submit"
                  data-testid="replay-start"
                  loading={create.isPending}
                  disabled={!dry.isSuccess || replayable === 0}
                >
                  Replay {formatCount(replayable)} letter{replayable === 1 ? "" : "s"}
                </Button>
              </div>
            </div>
          </form>
        ) : null}
      </div>
    </ModalDialog>
  );
}
