"use client";
// Deleting a saved query (its owner or an admin), once confirmed; its versions go with it, its runs stay
// in history.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Button } from "@/components/ui/button";
import { ModalDialog } from "@/components/ui/modal-dialog";
import { useTRPC } from "@/lib/trpc";
import { describeError } from "@/lib/trpc-errors";
import type { SavedQuery } from "./saved-query-types";

export function DeleteQueryDialog({
  open,
  query,
  onClose,
  onDeleted,
}: {
  open: boolean;
  query: SavedQuery;
  onClose: () => void;
  onDeleted: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const remove = useMutation(
    trpc.savedQueries.delete.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.savedQueries.list.queryKey() });
        queryClient.removeQueries({ queryKey: trpc.savedQueries.get.queryKey({ id: query.id }) });
        onDeleted();
      },
    }),
  );
  return (
    <ModalDialog open={open} title="Delete saved query" onClose={onClose}>
      <p className="text-gray-700 text-sm">
        Delete <span className="font-medium">{query.name}</span> and its {query.version}{" "}
        {query.version === 1 ? "version" : "versions"}? Its runs stay in the history. This cannot be undone.
      </p>
      {remove.isError ? (
        <p role="alert" className="mt-3 text-red-700 text-sm">
          {describeError(remove.error)}
        </p>
      ) : null}
      <div className="mt-5 flex justify-end gap-2">
        <Button variant="secondary" onClick={onClose}>
          Keep it
        </Button>
        <Button variant="danger" loading={remove.isPending} onClick={() => remove.mutate({ id: query.id })}>
          Delete
        </Button>
      </div>
    </ModalDialog>
  );
}
