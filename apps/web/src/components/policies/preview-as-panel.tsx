"use client";
// "Preview as": a table's newest rows exactly as one role sees them — under the unsaved draft or the
// saved policy — and a saved query run as that role. Each preview is a read through the API's
// LakeReader and is audited (it shows data as a role the viewer may not hold), so it runs on request.
import { ROLE_LABELS, ROLES, type Role } from "@inlet/db/roles";
import { useMutation, useQuery } from "@tanstack/react-query";
import { Eye, FileCode2 } from "lucide-react";
import { useId, useState } from "react";
import { cellText, shortCellText } from "@/components/tables/cell-value";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Input, Label } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { Table, TBody, Td, THead, Th, Tr } from "@/components/ui/table";
import { formatCount } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";
import { describeError } from "@/lib/trpc-errors";
import type { PolicyDraftInput, PreviewableQuery } from "./policy-types";

type Row = Record<string, unknown>;

function ResultGrid({
  label,
  columns,
  rows,
  testId,
}: {
  label: string;
  columns: readonly { name: string; type: string }[];
  rows: readonly unknown[];
  testId: string;
}) {
  if (rows.length === 0) {
    return (
      <div data-testid={testId}>
        <EmptyState
          icon={Eye}
          title="No rows"
          description="Nothing to show: the table has no rows yet, or the row filter admits none."
          className="py-8!"
        />
      </div>
    );
  }
  return (
    <div className="max-h-[28rem] overflow-auto border-gray-100 border-t" data-testid={testId}>
      <Table aria-label={label}>
        <THead className="sticky top-0">
          <tr>
            {columns.map((c) => (
              <Th key={c.name} className="normal-case! font-mono tracking-normal!">
                {c.name}
              </Th>
            ))}
          </tr>
        </THead>
        <TBody>
          {rows.map((row, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: preview rows have no key of their own
            <Tr key={index}>
              {columns.map((c) => {
                const text = cellText((row as Row)[c.name]);
                return (
                  <Td
                    key={c.name}
                    className="max-w-xs truncate whitespace-nowrap py-2! font-mono text-xs"
                    title={text ?? "NULL"}
                  >
                    {text === null ? <span className="text-gray-400">NULL</span> : shortCellText(text)}
                  </Td>
                );
              })}
            </Tr>
          ))}
        </TBody>
      </Table>
    </div>
  );
}

function SavedQueryPreview({ role }: { role: Role }) {
  const trpc = useTRPC();
  const id = useId();
  const queries = useQuery(trpc.policies.savedQueries.queryOptions({ role }));
  const [chosen, setChosen] = useState("");
  const [values, setValues] = useState<Record<string, string>>({});
  const run = useMutation(trpc.policies.previewSavedQuery.mutationOptions());
  const items = queries.data?.items ?? [];
  const query: PreviewableQuery | undefined = items.find((q) => q.id === chosen);

  const params = () => {
    const out: Record<string, string | number | string[]> = {};
    for (const p of query?.parameters ?? []) {
      const text = values[p.name];
      if (text === undefined || text === "") continue;
      out[p.name] =
        p.type === "number"
          ? Number(text)
          : p.type === "list"
            ? text
                .split("\n")
                .map((v) => v.trim())
                .filter(Boolean)
            : text;
    }
    return out;
  };

  return (
    <div className="border-gray-100 border-t">
      <CardHeader
        title="A saved query as this role"
        description={`The saved queries a person holding only ${ROLE_LABELS[role]} could open, run as that role (at most 100 rows).`}
      />
      <form
        className="flex flex-wrap items-end gap-3 px-5 py-4"
        onSubmit={(event) => {
          event.preventDefault();
          if (query) run.mutate({ savedQueryId: query.id, role, params: params() });
        }}
      >
        <Select
          label="Saved query"
          value={chosen}
          onChange={(event) => {
            setChosen(event.target.value);
            setValues({});
            run.reset();
          }}
          className="w-72"
          disabled={queries.isPending}
          data-testid="policy-preview-query"
        >
          <option value="">
            {queries.isPending
              ? "Loading…"
              : items.length === 0
                ? "None this role may open"
                : "Choose a saved query"}
          </option>
          {items.map((q) => (
            <option key={q.id} value={q.id}>
              {q.folder ? `${q.folder}/` : ""}
              {q.name} ({q.owner})
            </option>
          ))}
        </Select>
        {query?.parameters.map((p) => (
          <div key={p.name} className="w-40">
            <Label htmlFor={`${id}-${p.name}`} className="font-mono text-xs">
              {p.name} <span className="font-normal text-gray-500">({p.type})</span>
            </Label>
            <Input
              id={`${id}-${p.name}`}
              value={values[p.name] ?? ""}
              placeholder={p.default === undefined ? "" : String(p.default)}
              onChange={(event) => setValues({ ...values, [p.name]: event.target.value })}
              className="mt-1 h-9 font-mono"
            />
          </div>
        ))}
        <Button
          type="submit"
          variant="secondary"
          disabled={!query}
          loading={run.isPending}
          icon={<FileCode2 className="size-4" aria-hidden="true" />}
        >
          Run as {ROLE_LABELS[role]}
        </Button>
      </form>
      {run.isError ? (
        <p role="alert" className="px-5 pb-4 text-red-700 text-sm">
          {describeError(run.error)}
        </p>
      ) : null}
      {run.data ? (
        <>
          <p role="status" className="px-5 pb-2 text-gray-600 text-xs">
            {run.data.savedQuery.name} as {ROLE_LABELS[run.data.role]}: {formatCount(run.data.rows.length)}{" "}
            {run.data.rows.length === 1 ? "row" : "rows"}
            {run.data.truncated ? " (first 100)" : ""}.
          </p>
          <ResultGrid
            label={`${run.data.savedQuery.name} as ${ROLE_LABELS[run.data.role]}`}
            columns={run.data.columns}
            rows={run.data.rows}
            testId="policy-preview-query-grid"
          />
        </>
      ) : null}
    </div>
  );
}

export function PreviewAsPanel({
  table,
  draft,
  hasChanges,
  onDraftError,
}: {
  table: string;
  /** The draft as the API's input. */
  draft: PolicyDraftInput;
  hasChanges: boolean;
  /** A preview of the draft the API refused (a row filter it cannot read): shown beside its field too. */
  onDraftError: (error: unknown) => void;
}) {
  const trpc = useTRPC();
  const [role, setRole] = useState<Role>("analyst");
  const [source, setSource] = useState<"draft" | "saved">("draft");
  const preview = useMutation(trpc.policies.preview.mutationOptions({ onError: onDraftError }));
  const useDraft = source === "draft" && hasChanges;
  const show = () => preview.mutate({ table, role, ...(useDraft ? { draft } : {}) });
  const data = preview.data;

  return (
    <div>
      <form
        className="flex flex-wrap items-end gap-3 px-5 py-4"
        onSubmit={(event) => {
          event.preventDefault();
          show();
        }}
      >
        <Select
          label="Preview as"
          value={role}
          onChange={(event) => {
            setRole(event.target.value as Role);
            preview.reset();
          }}
          className="w-44"
          data-testid="policy-preview-role"
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {ROLE_LABELS[r]}
            </option>
          ))}
        </Select>
        <fieldset className="flex h-9 items-center gap-4">
          <legend className="sr-only">Which policy</legend>
          <label className="inline-flex items-center gap-1.5 text-sm">
            <input
              type="radio"
              name="policy-preview-source"
              checked={source === "draft"}
              onChange={() => {
                setSource("draft");
                preview.reset();
              }}
            />
            With unsaved changes
          </label>
          <label className="inline-flex items-center gap-1.5 text-sm">
            <input
              type="radio"
              name="policy-preview-source"
              checked={source === "saved"}
              onChange={() => {
                setSource("saved");
                preview.reset();
              }}
            />
            Saved policy
          </label>
        </fieldset>
        <Button
          type="submit"
          loading={preview.isPending}
          icon={<Eye className="size-4" aria-hidden="true" />}
          data-testid="policy-preview-run"
        >
          Show rows
        </Button>
      </form>
      {source === "draft" && !hasChanges ? (
        <p className="-mt-2 px-5 pb-3 text-gray-500 text-xs">
          No unsaved changes: the draft is the saved policy.
        </p>
      ) : null}
      {preview.isError ? (
        <p role="alert" className="px-5 pb-4 text-red-700 text-sm">
          {describeError(preview.error)}
        </p>
      ) : null}
      {data ? (
        <>
          <div role="status" className="flex flex-wrap items-center gap-2 px-5 pb-3 text-gray-600 text-xs">
            <Badge tone={data.draft ? "warning" : "neutral"}>
              {data.draft ? "Unsaved draft" : "Saved policy"}
            </Badge>
            <span>
              {ROLE_LABELS[data.role]} sees {formatCount(data.rows.length)}{" "}
              {data.rows.length === 1 ? "row" : "rows"} of {data.table} (snapshot {formatCount(data.snapshot)}
              ; a preview reads at most the newest 100 rows).
            </span>
            <span>
              Row filter:{" "}
              {data.rowFilter ? (
                <code className="font-mono text-gray-800">{data.rowFilter}</code>
              ) : (
                "none (every row)"
              )}
              .
            </span>
            {data.hiddenColumns.length > 0 ? (
              <span>
                Hidden: <span className="font-mono text-gray-800">{data.hiddenColumns.join(", ")}</span>.
              </span>
            ) : null}
          </div>
          <ResultGrid
            label={`${data.table} as ${ROLE_LABELS[data.role]}`}
            columns={data.columns}
            rows={data.rows}
            testId="policy-preview-grid"
          />
        </>
      ) : preview.isPending || preview.isError ? null : (
        <p className="px-5 pb-5 text-gray-500 text-sm">
          Choose a role and show its rows: each preview is recorded in the audit log.
        </p>
      )}
      <SavedQueryPreview key={role} role={role} />
    </div>
  );
}
