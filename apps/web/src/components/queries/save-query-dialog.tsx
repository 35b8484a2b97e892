"use client";
// Save and Save as: the query's name, description, folder and the roles it is shared with (private when
// none), and whether its chart is kept with it. Saving an open query of yours writes its next version;
// Save as makes a new query. The API's complaints are shown beside the field they name.
import { ROLE_LABELS, ROLES, type Role } from "@inlet/db/roles";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { Input, Label } from "@/components/ui/input";
import { ModalDialog } from "@/components/ui/modal-dialog";
import { useTRPC } from "@/lib/trpc";
import { describeError, fieldIssues } from "@/lib/trpc-errors";
import type { ChartSettings } from "./chart-defaults";
import type { SavedQuery } from "./saved-query-types";
import { type DeclaredParameter, typedDeclaration } from "./sql-parameters";

export interface SaveContent {
  sql: string;
  parameters: DeclaredParameter[];
  chart: ChartSettings | undefined;
}

function FieldProblem({ id, problem }: { id: string; problem: string | undefined }) {
  return problem ? (
    <p id={id} className="mt-1 text-red-700 text-xs">
      {problem}
    </p>
  ) : null;
}

function SaveForm({
  mode,
  existing,
  content,
  folders,
  onSaved,
  onCancel,
}: {
  mode: "save" | "saveAs";
  existing: SavedQuery | undefined;
  content: SaveContent;
  folders: string[];
  onSaved: (saved: SavedQuery) => void;
  onCancel: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const updating = mode === "save" && existing !== undefined;
  const [name, setName] = useState(
    existing ? (mode === "saveAs" ? `${existing.name} (copy)` : existing.name) : "",
  );
  const [description, setDescription] = useState(existing?.description ?? "");
  const [folder, setFolder] = useState(existing?.folder ?? "");
  const [shared, setShared] = useState<Role[]>(existing?.sharedWithRoles ?? []);
  const [keepChart, setKeepChart] = useState(content.chart !== undefined);

  const onSuccess = (saved: SavedQuery) => {
    void queryClient.invalidateQueries({ queryKey: trpc.savedQueries.list.queryKey() });
    queryClient.setQueryData(trpc.savedQueries.get.queryKey({ id: saved.id }), saved);
    onSaved(saved);
  };
  const create = useMutation(trpc.savedQueries.create.mutationOptions({ onSuccess }));
  const update = useMutation(trpc.savedQueries.update.mutationOptions({ onSuccess }));
  const mutation = updating ? update : create;
  const problems = fieldIssues(mutation.error);
  const parameterProblem = Object.entries(problems).find(([path]) => path.startsWith("parameters"))?.[1];
  const otherProblem =
    mutation.isError && !problems.name && !problems.folder && !problems.description
      ? (parameterProblem ?? problems.sql ?? describeError(mutation.error))
      : undefined;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const doc = {
      name,
      description,
      folder,
      sql: content.sql,
      parameters: content.parameters.map(typedDeclaration),
      chart: keepChart && content.chart ? content.chart : null,
      sharedWithRoles: shared,
    };
    if (updating) update.mutate({ ...doc, id: existing.id });
    else create.mutate(doc);
  };

  return (
    <form onSubmit={submit} className="space-y-4" noValidate>
      <div>
        <Label htmlFor={`${id}-name`}>Name</Label>
        <Input
          id={`${id}-name`}
          value={name}
          onChange={(event) => setName(event.target.value)}
          required
          maxLength={120}
          autoFocus
          aria-invalid={problems.name ? true : undefined}
          aria-describedby={problems.name ? `${id}-name-problem` : undefined}
          className="mt-1"
        />
        <FieldProblem id={`${id}-name-problem`} problem={problems.name} />
      </div>
      <div>
        <Label htmlFor={`${id}-description`}>Description</Label>
        <textarea
          id={`${id}-description`}
          value={description}
          onChange={(event) => setDescription(event.target.value)}
          rows={2}
          maxLength={2000}
          aria-invalid={problems.description ? true : undefined}
          className="mt-1 block w-full rounded-md border border-gray-300 px-3 py-2 text-sm shadow-xs focus:border-accent-500 focus:outline-none focus:ring-3 focus:ring-accent-500/20"
        />
        <FieldProblem id={`${id}-description-problem`} problem={problems.description} />
      </div>
      <div>
        <Label htmlFor={`${id}-folder`}>Folder</Label>
        <Input
          id={`${id}-folder`}
          value={folder}
          onChange={(event) => setFolder(event.target.value)}
          list={`${id}-folders`}
          placeholder="e.g. finance/daily (empty: top level)"
          maxLength={200}
          aria-invalid={problems.folder ? true : undefined}
          aria-describedby={problems.folder ? `${id}-folder-problem` : undefined}
          className="mt-1"
        />
        <datalist id={`${id}-folders`}>
          {folders.map((f) => (
            <option key={f} value={f} />
          ))}
        </datalist>
        <FieldProblem id={`${id}-folder-problem`} problem={problems.folder} />
      </div>
      <fieldset>
        <legend className="font-medium text-gray-700 text-sm">Share with roles</legend>
        <p className="text-gray-500 text-xs">
          People with a role ticked may open and run it; only you and admins change it.
        </p>
        <div className="mt-2 flex flex-wrap gap-x-4 gap-y-1.5">
          {ROLES.map((role) => (
            <label key={role} className="inline-flex items-center gap-1.5 text-sm">
              <input
                type="checkbox"
                checked={shared.includes(role)}
                onChange={(event) =>
                  setShared((now) => (event.target.checked ? [...now, role] : now.filter((r) => r !== role)))
                }
              />
              {ROLE_LABELS[role]}
            </label>
          ))}
        </div>
      </fieldset>
      <label className="flex items-start gap-2 text-sm">
        <input
          type="checkbox"
          checked={keepChart && content.chart !== undefined}
          disabled={content.chart === undefined}
          onChange={(event) => setKeepChart(event.target.checked)}
          className="mt-1"
        />
        <span>
          Save the chart with it
          <span className="block text-gray-500 text-xs">
            {content.chart
              ? `${content.chart.type} of ${content.chart.y.join(", ")} by ${content.chart.x}; shown when the query is opened.`
              : "Run the query and choose a chart first."}
          </span>
        </span>
      </label>
      {content.parameters.length > 0 ? (
        <p className="text-gray-600 text-xs">
          Parameters saved with their types, the values entered now as defaults:{" "}
          <span className="font-mono">
            {content.parameters.map((p) => `${p.name} (${p.type})`).join(", ")}
          </span>
          .
        </p>
      ) : null}
      {otherProblem ? (
        <p role="alert" className="text-red-700 text-sm">
          {otherProblem}
        </p>
      ) : null}
      <div className="flex justify-end gap-2 border-gray-100 border-t pt-4">
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" loading={mutation.isPending}>
          {updating ? "Save version" : "Save query"}
        </Button>
      </div>
    </form>
  );
}

export function SaveQueryDialog({
  open,
  mode,
  existing,
  content,
  folders,
  onSaved,
  onClose,
}: {
  open: boolean;
  mode: "save" | "saveAs";
  existing: SavedQuery | undefined;
  content: SaveContent;
  folders: string[];
  onSaved: (saved: SavedQuery) => void;
  onClose: () => void;
}) {
  const updating = mode === "save" && existing !== undefined;
  return (
    <ModalDialog
      open={open}
      title={updating ? "Save query" : "Save as a new query"}
      description={
        updating
          ? `Saves version ${existing.version + 1} of '${existing.name}'; every earlier version is kept.`
          : "Saved queries keep every version; open them again from the list or by their address."
      }
      onClose={onClose}
    >
      {open ? (
        <SaveForm
          mode={mode}
          existing={existing}
          content={content}
          folders={folders}
          onSaved={onSaved}
          onCancel={onClose}
        />
      ) : null}
    </ModalDialog>
  );
}
