"use client";
// Running the editor's SQL through the API: the estimate as it is typed (debounced, the last one kept
// while the next loads), a run with an id chosen here so that Cancel can name it before the run
// answers, and cancelling it.
import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { useTRPC } from "@/lib/trpc";
import type { ParameterValue, TypedDeclaration } from "./sql-parameters";
import { useDebouncedValue } from "./use-debounced-value";

/** The most rows the console asks for: the grid stays smooth at this many; the CSV has them all. */
export const MAX_RESULT_ROWS = 100_000;

/** How long the SQL must rest before it is estimated. */
const ESTIMATE_DELAY_MS = 350;

export type RunParams = Record<string, { type: TypedDeclaration["type"]; value: ParameterValue }>;

export interface RunRequest {
  sql: string;
  params: RunParams;
  savedQueryId?: string | undefined;
}

/**
 * The estimate travels in the URL of a GET (it is a tRPC query); beyond this many characters the API's
 * request line limit would refuse it, so longer SQL is estimated only when it runs.
 */
const MAX_ESTIMATE_URL_CHARS = 8_000;

/** The estimate of the SQL with the parameters that have values (the others read as matching everything). */
export function useQueryEstimate(sql: string, params: RunParams) {
  const trpc = useTRPC();
  const input = useDebouncedValue({ sql, params }, ESTIMATE_DELAY_MS);
  const settled = input.sql === sql && JSON.stringify(input.params) === JSON.stringify(params);
  const tooLong = encodeURIComponent(JSON.stringify(input)).length > MAX_ESTIMATE_URL_CHARS;
  const estimate = useQuery(
    trpc.queries.estimate.queryOptions(input, {
      enabled: input.sql.trim() !== "" && !tooLong,
      placeholderData: keepPreviousData,
      retry: false,
      staleTime: 30_000,
    }),
  );
  return { estimate, pending: !tooLong && (!settled || estimate.isFetching), tooLong };
}

export function useQueryRun() {
  const trpc = useTRPC();
  const runId = useRef<string | undefined>(undefined);
  const [cancelling, setCancelling] = useState(false);
  const [startedAt, setStartedAt] = useState<number | undefined>(undefined);
  const [lastRequest, setLastRequest] = useState<RunRequest | undefined>(undefined);
  const run = useMutation(
    trpc.queries.run.mutationOptions({
      onSettled: () => {
        setCancelling(false);
        setStartedAt(undefined);
      },
    }),
  );
  const cancel = useMutation(trpc.queries.cancel.mutationOptions());

  return {
    result: run.data,
    error: run.error,
    running: run.isPending,
    cancelling,
    startedAt,
    /** The request last sent, to tell whether the result is of the SQL as it is now. */
    lastRequest,
    start(request: RunRequest) {
      const id = crypto.randomUUID();
      runId.current = id;
      setStartedAt(Date.now());
      setLastRequest(request);
      run.mutate({ ...request, runId: id, maxRows: MAX_RESULT_ROWS });
    },
    cancel() {
      if (!runId.current || !run.isPending) return;
      setCancelling(true);
      cancel.mutate({ runId: runId.current });
    },
    reset() {
      run.reset();
    },
  };
}
