"use client";
// The New analytics table form of the Tables page: a name, the SQL that defines the table (checked by
// the API as the person's own query, its refusal placed by line and column), and when it is refreshed.
// The table is materialized as it is created; the form then opens it.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { useRouter } from "next/navigation";
import { type FormEvent, useId, useMemo, useState } from "react";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { Input, Label } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { useTRPC } from "@/lib/trpc";
import { describeError, fieldIssues } from "@/lib/trpc-errors";
import { AnalyticsSqlEditor } from "./analytics-sql-editor";

type RefreshMode = "on_commit" | "schedule";

/** The API's issue about one field, with its line and column when it points into the SQL. */
export function issueAt(
  error: unknown,
  path: string,
): { message: string; line?: number; column?: number } | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  const issues: unknown = (error.data as { issues?: unknown } | undefined)?.issues;
  if (!Array.isArray(issues)) return undefined;
  for (const issue of issues as { path?: unknown; message?: unknown; line?: unknown; column?: unknown }[]) {
    if (issue.path !== path || typeof issue.message !== "string") continue;
    return {
      message: issue.message,
      ...(typeof issue.line === "number" ? { line: issue.line } : {}),
      ...(typeof issue.column === "number" ? { column: issue.column } : {}),
    };
  }
  return undefined;
}

export function NewAnalyticsTableForm({
  tables,
  onCancel,
}: {
  /** The tables a definition may read, with their columns, for completion. */
  tables: { name: string; zone: string; columns: { name: string }[] }[];
  onCancel: () => void;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const nameId = useId();
  const minutesId = useId();
  const [name, setName] = useState("");
  const [definition, setDefinition] = useState("");
  const [refreshMode, setRefreshMode] = useState<RefreshMode>("on_commit");
  const [minutes, setMinutes] = useState("60");
  const create = useMutation(
    trpc.analytics.create.mutationOptions({
      onSuccess: (created) => {
        void queryClient.invalidateQueries({ queryKey: trpc.tables.pathKey() });
        router.push(`/tables/${encodeURIComponent(created.table.name)}`);
      },
    }),
  );
  const schema = useMemo(
    () =>
      Object.fromEntries(
        tables
          .filter((t) => t.zone === "curated" || t.zone === "analytics")
          .map((t) => [t.name, t.columns.map((c) => c.name)]),
      ),
    [tables],
  );
  const issues = fieldIssues(create.error);
  const definitionIssue = issueAt(create.error, "definition");
  const unplaced = create.isError && Object.keys(issues).length === 0;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({
      name: name.trim(),
      definition,
      refreshMode,
      ...(refreshMode === "schedule" ? { scheduleMinutes: Number(minutes) } : {}),
    });
  };
  const problem = (field: string, id: string) =>
    issues[field] ? (
      <p id={`${id}-problem`} role="alert" className="mt-1 text-red-700 text-xs">
        {issues[field]}
      </p>
    ) : null;

  return (
    <Card>
      <CardHeader
        title="New analytics table"
        description="SQL over curated and analytics tables, materialized as Parquet and refreshed when an input commits or on a schedule."
      />
      <CardBody>
        <form onSubmit={submit} aria-label="New analytics table" className="space-y-4">
          <div className="max-w-md">
            <Label htmlFor={nameId}>Name</Label>
            <div className="mt-1 flex items-center gap-1.5">
              <span className="font-mono text-gray-500 text-sm" aria-hidden="true">
                analytics.
              </span>
              <Input
                id={nameId}
                value={name}
                onChange={(event) => setName(event.target.value)}
                // The form replaces the button that opened it: the name takes the focus.
                autoFocus
                placeholder="daily_orders"
                autoComplete="off"
                spellCheck={false}
                required
                aria-invalid={issues.name ? true : undefined}
                aria-describedby={`${nameId}-hint${issues.name ? ` ${nameId}-problem` : ""}`}
                className="font-mono"
              />
            </div>
            <p id={`${nameId}-hint`} className="mt-1 text-gray-500 text-xs">
              A lower-case letter, then letters, digits or _. Queries read it as analytics.
              {name.trim() || "name"}.
            </p>
            {problem("name", nameId)}
          </div>
          <div>
            <span className="block font-medium text-gray-700 text-sm">Definition</span>
            <div className="mt-1">
              <AnalyticsSqlEditor
                value={definition}
                onChange={setDefinition}
                ariaLabel="Definition SQL"
                error={definitionIssue}
                schema={schema}
              />
            </div>
          </div>
          <div className="flex flex-wrap items-start gap-4">
            <Select
              label="Refresh"
              value={refreshMode}
              onChange={(event) => setRefreshMode(event.target.value as RefreshMode)}
              className="w-56"
            >
              <option value="on_commit">When an input commits</option>
              <option value="schedule">On a schedule</option>
            </Select>
            {refreshMode === "schedule" ? (
              <div>
                <Label htmlFor={minutesId}>Every (minutes)</Label>
                <Input
                  id={minutesId}
                  type="number"
                  inputMode="numeric"
                  min={1}
                  max={10080}
                  step={1}
                  value={minutes}
                  onChange={(event) => setMinutes(event.target.value)}
                  aria-invalid={issues.scheduleMinutes ? true : undefined}
                  aria-describedby={issues.scheduleMinutes ? `${minutesId}-problem` : undefined}
                  className="mt-1 max-w-28"
                />
                {problem("scheduleMinutes", minutesId)}
              </div>
            ) : null}
          </div>
          <div className="flex items-center gap-3">
            <Button type="submit" loading={create.isPending}>
              Create table
            </Button>
            <Button variant="ghost" onClick={onCancel} disabled={create.isPending}>
              Cancel
            </Button>
            {create.isPending ? (
              <p role="status" className="text-gray-500 text-sm">
                Checking the SQL and materializing the table…
              </p>
            ) : null}
            {unplaced ? (
              <p role="alert" className="text-red-700 text-sm">
                {describeError(create.error)}
              </p>
            ) : null}
          </div>
        </form>
      </CardBody>
    </Card>
  );
}
