"use client";
// "Send a test event": an event the source's schema accepts, prefilled and editable, sent through the
// real ingest API with a key made for the one request; then what became of it — accepted (with the row
// as it landed in curated), dead-lettered (and why), a duplicate, refused by ingest, or still processing.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { CheckCircle2, Clock, Send, XCircle } from "lucide-react";
import Link from "next/link";
import { type FormEvent, type ReactNode, useEffect, useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { describeJsonSyntaxError, findJsonSyntaxError } from "@/lib/json-syntax";
import { useTRPC } from "@/lib/trpc";
import { describeError, fieldIssues } from "@/lib/trpc-errors";
import { cellText } from "./latest-events-card";

type Parsed = { ok: true; event: Record<string, unknown> } | { ok: false; message: string };

/** The editor's text as the event to send, or why it cannot be one. */
export function parseTestEvent(text: string): Parsed {
  if (text.trim() === "") return { ok: false, message: "Write the event as a JSON object" };
  const syntax = findJsonSyntaxError(text);
  if (syntax) return { ok: false, message: describeJsonSyntaxError(syntax) };
  const value: unknown = JSON.parse(text);
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return { ok: false, message: "The event must be a JSON object: { … }" };
  return { ok: true, event: value as Record<string, unknown> };
}

function Outcome({
  tone,
  icon,
  title,
  children,
}: {
  tone: "success" | "danger" | "warning";
  icon: ReactNode;
  title: string;
  children?: ReactNode;
}) {
  const tones = {
    success: "border-emerald-200 bg-emerald-50 text-emerald-900",
    danger: "border-red-200 bg-red-50 text-red-900",
    warning: "border-amber-200 bg-amber-50 text-amber-900",
  };
  return (
    <div className={`rounded-md border px-4 py-3 text-sm ${tones[tone]}`}>
      <p className="flex items-center gap-2 font-semibold">
        {icon}
        {title}
      </p>
      {children ? <div className="mt-2 space-y-2">{children}</div> : null}
    </div>
  );
}

function RowAsLanded({ row, columns }: { row: Record<string, unknown>; columns: { name: string }[] }) {
  return (
    <dl
      aria-label="Row as it landed in curated"
      className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 rounded-md bg-white/70 p-3 font-mono text-gray-800 text-xs ring-1 ring-emerald-200 ring-inset"
    >
      {columns.map((c) => (
        <div key={c.name} className="contents">
          <dt className="text-gray-500">{c.name}</dt>
          <dd className="break-all">{cellText(row[c.name])}</dd>
        </div>
      ))}
    </dl>
  );
}

export function TestEventPanel({ slug, onClose }: { slug: string; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const editorId = useId();
  const errorId = useId();
  const helpId = useId();
  const [text, setText] = useState<string | undefined>(undefined);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const example = useQuery({
    ...trpc.sources.testEventExample.queryOptions({ slug }),
    staleTime: Number.POSITIVE_INFINITY,
    refetchOnWindowFocus: false,
  });
  // Filled once from the example; a person's edits are never overwritten by a refetch.
  useEffect(() => {
    if (text === undefined && example.data) setText(JSON.stringify(example.data.event, null, 2));
  }, [example.data, text]);

  const send = useMutation(
    trpc.sources.sendTestEvent.mutationOptions({
      onSettled: () => {
        for (const key of [
          trpc.sources.activity.queryKey(),
          trpc.sources.freshness.queryKey(),
          trpc.sources.latestEvents.queryKey(),
          trpc.sources.rejects.queryKey(),
        ])
          void queryClient.invalidateQueries({ queryKey: key });
      },
    }),
  );
  const serverProblem = send.isError ? fieldIssues(send.error).event : undefined;
  const shownProblem = problem ?? serverProblem;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const parsed = parseTestEvent(text ?? "");
    if (!parsed.ok) {
      // An outcome shown from an earlier send would read as this text's.
      send.reset();
      setProblem(parsed.message);
      document.getElementById(editorId)?.focus();
      return;
    }
    setProblem(undefined);
    send.mutate({ slug, event: parsed.event });
  };

  const newExample = async () => {
    const fresh = await example.refetch();
    if (fresh.data) {
      setText(JSON.stringify(fresh.data.event, null, 2));
      setProblem(undefined);
    }
  };

  const outcome = send.data;
  let result: ReactNode = null;
  if (send.isPending) {
    result = (
      <Outcome tone="warning" icon={<Clock className="size-4" aria-hidden="true" />} title="Sending…">
        <p>Posted to the ingest API; waiting for the workers to commit it (up to 20 seconds).</p>
      </Outcome>
    );
  } else if (send.isError && !serverProblem) {
    result = (
      <Outcome tone="danger" icon={<XCircle className="size-4" aria-hidden="true" />} title="Not sent">
        <p>{describeError(send.error)}</p>
      </Outcome>
    );
  } else if (outcome?.outcome === "accepted") {
    result = (
      <Outcome
        tone="success"
        icon={<CheckCircle2 className="size-4" aria-hidden="true" />}
        title="Accepted: the event landed in curated"
      >
        <p className="font-mono text-xs">
          event {outcome.eventId} · batch {outcome.batchId}
        </p>
        {outcome.row ? (
          <RowAsLanded row={outcome.row} columns={outcome.columns} />
        ) : (
          <p>It was committed; its row is not among the table's newest files any more.</p>
        )}
      </Outcome>
    );
  } else if (outcome?.outcome === "dead_lettered") {
    result = (
      <Outcome
        tone="danger"
        icon={<XCircle className="size-4" aria-hidden="true" />}
        title={`Dead-lettered: ${outcome.reasonCode}`}
      >
        <p>{outcome.reason}</p>
        {outcome.path ? (
          <p>
            At <span className="font-mono text-xs">{outcome.path}</span>
          </p>
        ) : null}
        <p className="text-xs">
          {outcome.stage === "ingest" ? "Refused by the ingest API" : "Refused by the workers' schema check"}
          {outcome.deadLetterId ? (
            <>
              {" · "}
              <Link
                className="underline"
                href={`/dead-letters?id=${encodeURIComponent(outcome.deadLetterId)}`}
              >
                Open the dead letter
              </Link>
            </>
          ) : null}
        </p>
      </Outcome>
    );
  } else if (outcome?.outcome === "duplicate") {
    result = (
      <Outcome
        tone="warning"
        icon={<XCircle className="size-4" aria-hidden="true" />}
        title="Duplicate: not stored again"
      >
        <p>
          An event with id <span className="font-mono text-xs">{outcome.eventId}</span> was accepted before,
          so this one was dropped. Change its id, or take a new example, to send another.
        </p>
      </Outcome>
    );
  } else if (outcome?.outcome === "processing") {
    result = (
      <Outcome tone="warning" icon={<Clock className="size-4" aria-hidden="true" />} title="Still processing">
        <p>
          Accepted by the ingest API (batch <span className="font-mono text-xs">{outcome.batchId}</span>) but
          not committed after {Math.round(outcome.waitedMs / 1000)} seconds. It shows in Latest events once
          the workers commit it; if it does not, check that workers are running.
        </p>
      </Outcome>
    );
  } else if (outcome?.outcome === "refused") {
    result = (
      <Outcome
        tone="danger"
        icon={<XCircle className="size-4" aria-hidden="true" />}
        title={`Refused by ingest: ${outcome.status} ${outcome.code}`}
      >
        <p>{outcome.message}</p>
        {outcome.status === 409 ? <p>Resume ingest to send events to this source.</p> : null}
      </Outcome>
    );
  }

  return (
    <section aria-label="Test event" className="rounded-md border border-gray-200 bg-gray-50/60 p-4">
      <form onSubmit={submit} noValidate className="space-y-3">
        <div>
          <Label htmlFor={editorId}>Test event JSON</Label>
          <p id={helpId} className="mt-0.5 text-gray-500 text-xs">
            Made from the source's schema with a fresh id and the current time; edit it freely. It is posted
            as one NDJSON line through the ingest API with a key made for this request and revoked right
            after.
          </p>
          {text === undefined ? (
            example.isError ? (
              <p role="alert" className="mt-2 text-red-700 text-sm">
                {describeError(example.error)}
              </p>
            ) : (
              <div role="status" aria-busy="true" aria-label="Loading example event">
                <Skeleton className="mt-2 h-40 w-full" />
              </div>
            )
          ) : (
            <textarea
              id={editorId}
              value={text}
              onChange={(e) => {
                setText(e.target.value);
                if (problem) setProblem(undefined);
              }}
              rows={Math.min(18, Math.max(6, text.split("\n").length + 1))}
              spellCheck={false}
              aria-invalid={shownProblem ? true : undefined}
              aria-describedby={shownProblem ? `${errorId} ${helpId}` : helpId}
              className="mt-2 block w-full rounded-md border border-gray-300 bg-white px-3 py-2 font-mono text-gray-900 text-xs shadow-xs focus:border-accent-500 focus:outline-none focus:ring-3 focus:ring-accent-500/20 aria-invalid:border-red-400"
            />
          )}
          {shownProblem ? (
            <p id={errorId} className="mt-1 text-red-700 text-xs">
              {shownProblem}
            </p>
          ) : null}
        </div>
        <div className="flex flex-wrap items-center gap-2">
          <Button
            type="submit"
            loading={send.isPending}
            disabled={text === undefined}
            icon={<Send className="size-4" aria-hidden="true" />}
          >
            Send test event
          </Button>
          <Button variant="secondary" onClick={() => void newExample()} disabled={send.isPending}>
            New example
          </Button>
          <Button variant="ghost" onClick={onClose}>
            Close
          </Button>
        </div>
      </form>
      <div role="status" aria-live="polite" aria-label="Test event outcome" className="mt-3 empty:mt-0">
        {result}
      </div>
    </section>
  );
}
