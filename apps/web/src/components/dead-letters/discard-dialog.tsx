"use client";
// Discarding dead letters with a reason (required): one letter from its detail, or a selection from a
// list. The reason goes into the letters' history and the audit log.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { ModalDialog } from "@/components/ui/modal-dialog";
import { formatCount } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";
import { describeError, fieldIssues } from "@/lib/trpc-errors";

/** What the list says once letters are discarded, since they then leave it without a trace. */
export function discardedNotice(count: number): string {
  return `${formatCount(count)} ${count === 1 ? "letter" : "letters"} discarded.`;
}

export function DiscardDialog({
  open,
  ids,
  onClose,
  onDiscarded,
}: {
  open: boolean;
  ids: readonly string[];
  onClose: () => void;
  onDiscarded?: (count: number) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState("");
  const [touched, setTouched] = useState(false);
  const fieldId = useId();
  const discard = useMutation(
    trpc.replays.discard.mutationOptions({
      onSuccess: (result) => {
        void queryClient.invalidateQueries({ queryKey: trpc.deadLetters.pathKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.replays.pathKey() });
        setReason("");
        setTouched(false);
        onDiscarded?.(result.discarded);
        onClose();
      },
    }),
  );
  const local = reason.trim().length < 3 ? "Say why, in at least 3 characters." : undefined;
  const server = discard.error ? fieldIssues(discard.error).reason : undefined;
  const shownError = (touched ? local : undefined) ?? server;
  const other = discard.error && !server ? describeError(discard.error) : undefined;
  const count = ids.length;
  return (
    <ModalDialog
      open={open}
      onClose={onClose}
      title={count === 1 ? "Discard this dead letter" : `Discard ${formatCount(count)} dead letters`}
      description="Discarded letters are not replayed. The reason is kept in each letter's history and the audit log."
    >
      <form
        data-testid="discard-form"
        className="space-y-3"
        onSubmit={(event) => {
          event.preventDefault();
          setTouched(true);
          if (local) return;
          discard.mutate({ ids: [...ids], reason: reason.trim() });
        }}
      >
        <div>
          <label htmlFor={fieldId} className="mb-1 block font-medium text-gray-700 text-xs">
            Reason (required)
          </label>
          <textarea
            id={fieldId}
            data-testid="discard-reason"
            required
            minLength={3}
            maxLength={500}
            rows={3}
            value={reason}
            aria-invalid={shownError ? true : undefined}
            aria-describedby={shownError ? `${fieldId}-error` : undefined}
            onChange={(event) => setReason(event.target.value)}
            className="w-full rounded-md border border-gray-300 px-3 py-2 text-sm shadow-xs focus:border-accent-500 focus:outline-none focus:ring-3 focus:ring-accent-500/20"
          />
          {shownError ? (
            <p id={`${fieldId}-error`} className="mt-1 text-red-700 text-xs">
              {shownError}
            </p>
          ) : null}
        </div>
        {other ? (
          <p role="alert" className="text-red-700 text-xs">
            {other}
          </p>
        ) : null}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" variant="danger" loading={discard.isPending} data-testid="discard-confirm">
            {count === 1 ? "Discard letter" : `Discard ${formatCount(count)} letters`}
          </Button>
        </div>
      </form>
    </ModalDialog>
  );
}
