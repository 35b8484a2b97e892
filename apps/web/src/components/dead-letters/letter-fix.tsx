"use client";
// Fixing one dead letter: its payload in a JSON editor checked against the source's active schema as
// one types (parse errors with line and column, schema problems at their JSON pointer), then saved,
// replayed (a one-letter job) or discarded with a reason. On-call staff and admins only.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { clsx } from "clsx";
import { Pencil, RotateCcw, Trash2 } from "lucide-react";
import dynamic from "next/dynamic";
import { useId, useState } from "react";
import { useDebouncedValue } from "@/components/queries/use-debounced-value";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { indentJson } from "@/lib/json-indent";
import { useTRPC } from "@/lib/trpc";
import { describeError } from "@/lib/trpc-errors";
import { DiscardDialog } from "./discard-dialog";

const PayloadCodeMirror = dynamic(() => import("./payload-code-mirror"), {
  ssr: false,
  loading: () => <Skeleton className="h-full min-h-24 w-full" />,
});

const CHECK_DELAY_MS = 400;

/** The text the editor opens with: the newest edit, else the payload, indented when it is one JSON value. */
function initialText(payload: string): string {
  try {
    JSON.parse(payload);
  } catch {
    return payload;
  }
  return indentJson(payload) ?? payload;
}

export function LetterFix({
  id,
  payload,
  truncated,
  status,
}: {
  id: string;
  /** The payload as the reader sees it (masked fields shown masked). */
  payload: string;
  truncated: boolean;
  status: string;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const letter = useQuery(trpc.replays.letter.queryOptions({ id }));
  const [text, setText] = useState<string | undefined>(undefined);
  const [discarding, setDiscarding] = useState(false);
  const [notice, setNotice] = useState<string | undefined>();
  const editorId = useId();
  const editing = text !== undefined;
  const checked = useDebouncedValue(text ?? "", CHECK_DELAY_MS);
  const check = useQuery(
    trpc.replays.checkEdit.queryOptions(
      { id, payload: checked },
      { enabled: editing && checked.trim() !== "", placeholderData: keepPreviousData, retry: false },
    ),
  );
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.deadLetters.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.replays.pathKey() });
  };
  const save = useMutation(
    trpc.replays.saveEdit.mutationOptions({
      onSuccess: (saved) => {
        setNotice(
          saved.passesSchema
            ? "Edit saved. It passes the active schema."
            : `Edit saved. It still has ${saved.problems.length} problem${saved.problems.length === 1 ? "" : "s"} against the active schema.`,
        );
        refresh();
      },
    }),
  );
  const replay = useMutation(
    trpc.replays.replayLetter.mutationOptions({
      onSuccess: (created) => {
        setText(undefined);
        setNotice(`Replay job ${created.job.id} queued: the letter is sent through the normal accept path.`);
        refresh();
      },
    }),
  );

  const heldBy = letter.data?.heldBy ?? null;
  const open = status === "open";
  const blocked = !open
    ? `This letter is ${status}: only open letters can be edited, replayed or discarded.`
    : heldBy
      ? `Replay job ${heldBy} holds this letter: wait for it to finish, or cancel it.`
      : undefined;
  const startEditing = () => {
    setNotice(undefined);
    setText(initialText(letter.data?.edited?.payload ?? payload));
  };
  // An empty editor is not checked (there is nothing to parse): it says so rather than showing the
  // last check of text that is gone.
  const empty = editing && text.trim() === "";
  const result = editing && !empty ? check.data : undefined;
  const stale = editing && (checked !== text || check.isFetching);
  const parseError = result?.parseError;
  const problems = result?.problems ?? [];
  const invalid = parseError !== undefined || problems.length > 0;
  const mutationError = save.error ?? replay.error;

  return (
    <section aria-label="Fix and replay" className="space-y-3" data-testid="letter-fix">
      {open ? (
        <div className="flex flex-wrap items-center gap-2">
          {!editing ? (
            <Button
              size="sm"
              variant="secondary"
              data-testid="letter-edit"
              disabled={blocked !== undefined || truncated || letter.isPending}
              onClick={startEditing}
              icon={<Pencil className="size-4" aria-hidden="true" />}
            >
              Edit payload
            </Button>
          ) : null}
          {editing ? (
            <Button
              size="sm"
              variant="secondary"
              data-testid="letter-save-edit"
              loading={save.isPending}
              disabled={empty || parseError !== undefined || blocked !== undefined}
              onClick={() => text !== undefined && save.mutate({ id, payload: text })}
            >
              Save edit
            </Button>
          ) : null}
          <Button
            size="sm"
            data-testid="letter-replay"
            loading={replay.isPending}
            disabled={empty || blocked !== undefined || parseError !== undefined}
            onClick={() => replay.mutate(text !== undefined ? { id, payload: text } : { id })}
            icon={<RotateCcw className="size-4" aria-hidden="true" />}
          >
            {editing ? "Replay edited" : "Replay"}
          </Button>
          <Button
            size="sm"
            variant="ghost"
            data-testid="letter-discard"
            disabled={blocked !== undefined}
            onClick={() => setDiscarding(true)}
            icon={<Trash2 className="size-4" aria-hidden="true" />}
          >
            Discard
          </Button>
          {editing ? (
            <Button
              size="sm"
              variant="ghost"
              data-testid="letter-edit-cancel"
              onClick={() => setText(undefined)}
            >
              Stop editing
            </Button>
          ) : null}
          {letter.data?.edited && !editing ? (
            <span className="text-gray-500 text-xs" data-testid="letter-has-edit">
              An edit is saved: a replay sends it.
            </span>
          ) : null}
        </div>
      ) : null}
      {!open && letter.data?.edited ? (
        <div className="space-y-1" data-testid="letter-sent-edit">
          <p className="text-gray-600 text-xs">
            {status === "replayed"
              ? "The edited payload, which the replay sent in place of the payload as received above:"
              : "The last edit saved, which was not sent:"}
          </p>
          <pre className="max-h-64 overflow-auto whitespace-pre-wrap break-all rounded-md bg-gray-50 p-2.5 font-mono text-gray-800 text-xs ring-1 ring-gray-200 ring-inset">
            {letter.data.edited.payload}
          </pre>
        </div>
      ) : null}
      {blocked ? (
        <p className="text-gray-600 text-xs" data-testid="letter-fix-blocked">
          {blocked}
        </p>
      ) : truncated ? (
        <p className="text-gray-600 text-xs">
          This payload is too large to edit here; it can still be replayed.
        </p>
      ) : null}
      {notice ? (
        <p role="status" className="text-green-800 text-xs" data-testid="letter-fix-notice">
          {notice}
        </p>
      ) : null}
      {mutationError ? (
        <p role="alert" className="text-red-700 text-xs" data-testid="letter-fix-error">
          {describeError(mutationError)}
        </p>
      ) : null}
      {editing ? (
        <div className="space-y-1.5">
          <div
            className={clsx(
              "rounded-md border bg-white shadow-xs focus-within:ring-3",
              invalid && !stale
                ? "border-red-400 focus-within:ring-red-500/20"
                : "border-gray-300 focus-within:border-accent-500 focus-within:ring-accent-500/20",
            )}
            style={{ height: "18rem" }}
            data-testid="letter-editor"
          >
            <PayloadCodeMirror
              value={text}
              onChange={setText}
              readOnly={false}
              ariaLabel="Edited payload"
              describedBy={`${editorId}-check ${editorId}-hint`}
              invalid={invalid}
              height="18rem"
            />
          </div>
          <p id={`${editorId}-hint`} className="text-gray-500 text-xs">
            Checked against the source's active schema as you type. Tab indents; press Escape, then Tab, to
            move on.
          </p>
          <div id={`${editorId}-check`} aria-live="polite" data-testid="letter-edit-check">
            {empty ? (
              <p className="text-red-700 text-xs" data-testid="letter-edit-empty">
                The payload is empty: write the event as JSON.
              </p>
            ) : check.isError ? (
              <p className="text-red-700 text-xs">{describeError(check.error)}</p>
            ) : !result ? (
              <p className="text-gray-500 text-xs">Checking…</p>
            ) : (
              <>
                {parseError ? (
                  <p className="text-red-700 text-xs" data-testid="letter-edit-parse-error">
                    Not valid JSON at line {parseError.line}, column {parseError.column}: {parseError.message}
                  </p>
                ) : null}
                {problems.length > 0 ? (
                  <ul className="space-y-0.5 text-red-700 text-xs" data-testid="letter-edit-problems">
                    {problems.map((p) => (
                      <li key={`${p.event}-${p.path}-${p.code}-${p.message}`}>
                        <span className="font-mono">{p.path || "(the event)"}</span>
                        {result.events > 1 ? ` (event ${p.event + 1})` : ""}: {p.message}
                      </li>
                    ))}
                  </ul>
                ) : null}
                {result.ok ? (
                  <p className="text-green-800 text-xs" data-testid="letter-edit-ok">
                    Passes the active schema
                    {result.schemaVersion !== undefined ? ` (version ${result.schemaVersion})` : ""}.
                  </p>
                ) : null}
                {result.restoredHiddenFields ? (
                  <p className="text-gray-600 text-xs" data-testid="letter-edit-restored">
                    Fields your column rules hide keep the letter's own values, whatever the edit shows.
                  </p>
                ) : null}
                {stale ? <p className="text-gray-400 text-xs">Checking…</p> : null}
              </>
            )}
          </div>
        </div>
      ) : null}
      <DiscardDialog
        open={discarding}
        ids={[id]}
        onClose={() => setDiscarding(false)}
        onDiscarded={() => setNotice("Letter discarded.")}
      />
    </section>
  );
}
