"use client";
// One dead letter: why it was refused, where (JSON pointer), from which batch, and the payload as
// received, pretty-printed when it is JSON, with the value at the JSON pointer highlighted; for on-call
// staff, the editor and replay, discard controls; for everyone, the letter's history.
import { useQuery } from "@tanstack/react-query";
import { X } from "lucide-react";
import { useEffect, useMemo, useRef, useState } from "react";
import { QueryError } from "@/components/query-error";
import { CopyField } from "@/components/sources/copy-field";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { letterCopiesText } from "@/lib/dead-letter-copies";
import { formatCount, formatDateTime } from "@/lib/format";
import { indentJson } from "@/lib/json-indent";
import { useTRPC } from "@/lib/trpc";
import { errorCode } from "@/lib/trpc-errors";
import { HighlightedPayload } from "./highlighted-payload";
import { LetterFix } from "./letter-fix";
import { LetterHistory } from "./letter-history";
import { useCanReplay } from "./use-can-replay";

export function DeadLetterDetail({ id, onClose }: { id: string; onClose: () => void }) {
  const trpc = useTRPC();
  const letter = useQuery(trpc.deadLetters.get.queryOptions({ id }));
  const canReplay = useCanReplay();
  const [indented, setIndented] = useState(true);
  const region = useRef<HTMLDivElement>(null);
  // Opened from a row far down the list: bring it into view and move focus to it.
  useEffect(() => {
    // After the router's own scroll handling (Back and Forward restore a scroll position).
    const timer = setTimeout(() => {
      region.current?.scrollIntoView({ block: "start", behavior: "smooth" });
      region.current?.focus({ preventScroll: true });
    }, 50);
    return () => clearTimeout(timer);
  }, []);
  const payload = letter.data?.payload ?? "";
  // Offered only for one valid JSON value: a malformed body is shown as it came, its fault in view.
  const pretty = useMemo(() => {
    if (payload.length > 2_000_000) return undefined;
    try {
      JSON.parse(payload);
    } catch {
      return undefined;
    }
    return indentJson(payload);
  }, [payload]);
  const close = (
    <Button size="sm" variant="ghost" onClick={onClose} icon={<X className="size-4" aria-hidden="true" />}>
      Close
    </Button>
  );
  return (
    <Card
      ref={region}
      tabIndex={-1}
      aria-label="Dead letter"
      role="region"
      className="scroll-mt-20 outline-none focus-visible:ring-2 focus-visible:ring-accent-500"
      onKeyDown={(event) => {
        if (event.key === "Escape") onClose();
      }}
    >
      {letter.isPending ? (
        <div role="status" aria-busy="true" aria-label="Loading dead letter" className="space-y-3 px-5 py-4">
          <Skeleton className="h-5 w-1/3" />
          <Skeleton className="h-24 w-full" />
        </div>
      ) : letter.isError ? (
        <>
          <CardHeader
            title="Dead letter"
            description={<span className="font-mono">{id}</span>}
            actions={close}
          />
          {errorCode(letter.error) === "NOT_FOUND" ? (
            <p className="px-5 py-4 text-gray-700 text-sm">
              There is no dead letter with this id. Check it against the 4xx answer that named it.
            </p>
          ) : (
            <QueryError
              error={letter.error}
              sectionLabel="Dead letters"
              onRetry={() => void letter.refetch()}
              retrying={letter.isFetching}
            />
          )}
        </>
      ) : (
        <>
          <CardHeader
            title={
              <span className="inline-flex flex-wrap items-center gap-2">
                <Badge tone="danger">{letter.data.reasonCode}</Badge>
                <span className="font-mono text-gray-500 text-xs">{letter.data.id}</span>
              </span>
            }
            description={
              letterCopiesText(letter.data)
                ? `First received ${formatDateTime(letter.data.createdAt)} · ${letterCopiesText(letter.data)} · ${letter.data.status}`
                : `Received ${formatDateTime(letter.data.createdAt)} · ${letter.data.status}`
            }
            actions={close}
          />
          <CardBody className="space-y-4">
            <p className="text-gray-900 text-sm">{letter.data.reason}</p>
            <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-2 lg:grid-cols-5">
              <div>
                <dt className="text-gray-500 text-xs">Source</dt>
                <dd className="font-mono text-gray-800 text-xs">{letter.data.source ?? "—"}</dd>
              </div>
              <div>
                <dt className="text-gray-500 text-xs">JSON pointer</dt>
                <dd className="font-mono text-gray-800 text-xs">{letter.data.path || "—"}</dd>
              </div>
              <div>
                <dt className="text-gray-500 text-xs">Schema version</dt>
                <dd className="font-mono text-gray-800 text-xs">{letter.data.schemaVersion ?? "—"}</dd>
              </div>
              <div>
                <dt className="text-gray-500 text-xs">Event id</dt>
                <dd className="break-all font-mono text-gray-800 text-xs">{letter.data.eventId ?? "—"}</dd>
              </div>
              <div>
                <dt className="text-gray-500 text-xs">Batch · attempts</dt>
                <dd className="break-all font-mono text-gray-800 text-xs">
                  {letter.data.batchId ?? "—"} · {letter.data.attempts}
                </dd>
              </div>
            </dl>
            <div>
              <div className="mb-1 flex flex-wrap items-center justify-between gap-2">
                <p className="font-medium text-gray-700 text-xs">
                  {letter.data.payloadMasked
                    ? "Payload with your roles' column rules applied"
                    : "Payload as received"}{" "}
                  ({formatCount(letter.data.payloadChars)} characters
                  {letter.data.payloadTruncated ? ", the first million shown" : ""})
                </p>
                <div className="flex items-center gap-3">
                  {pretty !== undefined ? (
                    <label className="inline-flex items-center gap-1.5 text-gray-600 text-xs">
                      <input
                        type="checkbox"
                        checked={indented}
                        onChange={(event) => setIndented(event.target.checked)}
                      />
                      Indent (spacing only: every value as sent)
                    </label>
                  ) : null}
                  <a
                    href={`/api/dead-letters/${encodeURIComponent(letter.data.id)}/payload`}
                    className="rounded text-accent-700 text-xs hover:underline focus-visible:outline-2 focus-visible:outline-accent-500"
                  >
                    Download whole payload
                  </a>
                </div>
              </div>
              <HighlightedPayload
                testId="dead-letter-payload"
                text={indented && pretty !== undefined ? pretty : letter.data.payload}
                pointer={letter.data.path}
              />
            </div>
            {letter.data.payload.length <= 100_000 ? (
              <div className="max-w-xl">
                <CopyField value={letter.data.payload} label="payload as received" />
              </div>
            ) : null}
            {canReplay ? (
              <LetterFix
                id={letter.data.id}
                payload={letter.data.payload}
                truncated={letter.data.payloadTruncated}
                status={letter.data.status}
              />
            ) : null}
            <LetterHistory id={letter.data.id} />
          </CardBody>
        </>
      )}
    </Card>
  );
}
