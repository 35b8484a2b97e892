"use client";
// Saving a table's policy: every change as before → after, and the reason (required), which goes to the
// audit log with the change. Enter in the reason saves.
import { ArrowRight } from "lucide-react";
import { type FormEvent, useId } from "react";
import { Button } from "@/components/ui/button";
import { Input, Label } from "@/components/ui/input";
import { ModalDialog } from "@/components/ui/modal-dialog";
import type { DraftChange } from "./policy-draft";

export function ChangeList({ changes }: { changes: readonly DraftChange[] }) {
  return (
    <div className="max-h-80 overflow-y-auto rounded-md border border-gray-200">
      <table className="w-full text-left text-xs" aria-label="Changes" data-testid="policy-diff">
        <thead className="sticky top-0 bg-gray-50">
          <tr className="text-gray-500">
            <th scope="col" className="px-3 py-2 font-medium">
              What
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Before
            </th>
            <th scope="col" className="sr-only">
              becomes
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              After
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-gray-100">
          {changes.map((c) => (
            <tr key={c.what}>
              <th scope="row" className="px-3 py-2 font-medium font-mono text-gray-800">
                {c.what}
              </th>
              <td className="px-3 py-2">
                <span className="rounded bg-red-50 px-1 py-0.5 font-mono text-red-800 line-through decoration-red-300">
                  {c.before}
                </span>
              </td>
              <td className="px-0 py-2 text-gray-400">
                <ArrowRight className="size-3.5" aria-label="becomes" />
              </td>
              <td className="px-3 py-2">
                <span className="rounded bg-emerald-50 px-1 py-0.5 font-mono text-emerald-800">
                  {c.after}
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function SavePolicyDialog({
  open,
  table,
  changes,
  reason,
  onReasonChange,
  onClose,
  onSave,
  saving,
  reasonProblem,
  problem,
}: {
  open: boolean;
  table: string;
  changes: readonly DraftChange[];
  reason: string;
  onReasonChange: (reason: string) => void;
  onClose: () => void;
  onSave: () => void;
  saving: boolean;
  reasonProblem?: string | undefined;
  /** A refusal that names no field of this dialog. */
  problem?: string | undefined;
}) {
  const id = useId();
  const missing = reason.trim() === "";
  const shownProblem = reasonProblem;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!missing) onSave();
  };
  const count = changes.length;
  return (
    <ModalDialog
      open={open}
      onClose={onClose}
      title={`Save the policy of ${table}`}
      description={`${count} ${count === 1 ? "change" : "changes"}; they hold for every query from the moment they are saved.`}
      width="max-w-2xl"
    >
      <form onSubmit={submit} className="space-y-4" noValidate>
        <ChangeList changes={changes} />
        <div>
          <Label htmlFor={`${id}-reason`}>Reason</Label>
          <Input
            id={`${id}-reason`}
            value={reason}
            onChange={(event) => onReasonChange(event.target.value)}
            maxLength={500}
            required
            autoFocus
            placeholder="e.g. Analysts only need the last 4 digits (ticket GOV-112)"
            aria-invalid={shownProblem ? true : undefined}
            aria-describedby={`${id}-reason-hint`}
            data-testid="policy-reason"
            className="mt-1"
          />
          <p
            id={`${id}-reason-hint`}
            className={`mt-1 text-xs ${shownProblem ? "text-red-700" : "text-gray-500"}`}
          >
            {shownProblem ?? "Required. Recorded in the audit log with the change."}
          </p>
        </div>
        {problem ? (
          <p role="alert" className="text-red-700 text-sm">
            {problem}
          </p>
        ) : null}
        <div className="flex justify-end gap-2 border-gray-100 border-t pt-4">
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={saving} disabled={missing} data-testid="policy-save-confirm">
            Save policy
          </Button>
        </div>
      </form>
    </ModalDialog>
  );
}
