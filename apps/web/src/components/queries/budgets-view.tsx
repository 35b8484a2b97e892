"use client";
// Byte budgets (admins): for each role, the most a query may scan and the most its people may scan in a
// UTC day, written in human units ("10 GB"; empty: no limit). A run over either is refused before it
// starts, naming the limit. Each role saves on its own; the API audits every change.
import { ROLE_LABELS, type Role } from "@inlet/db/roles";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { QueryError } from "@/components/query-error";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { Input, Label } from "@/components/ui/input";
import { PageHeader } from "@/components/ui/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { formatDateTime } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";
import { describeError, fieldIssues } from "@/lib/trpc-errors";
import { formatBytesInput, parseBytes } from "./byte-units";
import { QueriesNav } from "./queries-nav";
import type { RoleBudgetRow } from "./query-run-types";

type LimitField = "perQueryBytes" | "perDayBytes";

function limitText(bytes: number | null): string {
  return bytes === null ? "" : formatBytesInput(bytes);
}

/** An input's text as a limit: empty is none. */
function readLimit(text: string): { ok: true; bytes: number | null } | { ok: false; problem: string } {
  if (text.trim() === "") return { ok: true, bytes: null };
  const parsed = parseBytes(text);
  return parsed.ok ? { ok: true, bytes: parsed.bytes } : parsed;
}

function LimitInput({
  label,
  value,
  onChange,
  problem,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  problem: string | undefined;
}) {
  const id = useId();
  return (
    <div>
      <Label htmlFor={id} className="text-xs">
        {label}
      </Label>
      <Input
        id={id}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        placeholder="no limit"
        autoComplete="off"
        spellCheck={false}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? `${id}-problem` : undefined}
        className="mt-1 w-36 font-mono"
      />
      {problem ? (
        <p id={`${id}-problem`} className="mt-1 max-w-48 text-red-700 text-xs">
          {problem}
        </p>
      ) : null}
    </div>
  );
}

function RoleBudgetForm({ row }: { row: RoleBudgetRow }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const role = row.role as Role;
  const label = ROLE_LABELS[role] ?? row.role;
  const [values, setValues] = useState<Record<LimitField, string>>({
    perQueryBytes: limitText(row.perQueryBytes),
    perDayBytes: limitText(row.perDayBytes),
  });
  const [problems, setProblems] = useState<Partial<Record<LimitField, string>>>({});
  const [saved, setSaved] = useState(false);
  const set = useMutation(
    trpc.budgets.set.mutationOptions({
      onSuccess: (next) => {
        setValues({ perQueryBytes: limitText(next.perQueryBytes), perDayBytes: limitText(next.perDayBytes) });
        setSaved(true);
        void queryClient.invalidateQueries({ queryKey: trpc.budgets.list.queryKey() });
      },
    }),
  );
  const apiProblems = fieldIssues(set.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const perQuery = readLimit(values.perQueryBytes);
    const perDay = readLimit(values.perDayBytes);
    const found: Partial<Record<LimitField, string>> = {};
    if (!perQuery.ok) found.perQueryBytes = perQuery.problem;
    if (!perDay.ok) found.perDayBytes = perDay.problem;
    if (
      perQuery.ok &&
      perDay.ok &&
      perQuery.bytes !== null &&
      perDay.bytes !== null &&
      perDay.bytes < perQuery.bytes
    ) {
      found.perDayBytes = "The daily limit is below the per-query limit: no query could use all of it";
    }
    setProblems(found);
    if (!perQuery.ok || !perDay.ok || found.perDayBytes) return;
    set.mutate({ role, perQueryBytes: perQuery.bytes, perDayBytes: perDay.bytes });
  };
  return (
    <form
      onSubmit={submit}
      aria-label={`${label} budget`}
      className="flex flex-wrap items-start gap-x-6 gap-y-3 border-gray-100 border-b px-5 py-4 last:border-b-0"
      noValidate
    >
      <div className="w-32 pt-6">
        <p className="font-medium text-gray-900 text-sm">{label}</p>
      </div>
      <LimitInput
        label={`Per query (${label})`}
        value={values.perQueryBytes}
        onChange={(v) => {
          setSaved(false);
          setValues((now) => ({ ...now, perQueryBytes: v }));
        }}
        problem={problems.perQueryBytes ?? apiProblems.perQueryBytes}
      />
      <LimitInput
        label={`Per day (${label})`}
        value={values.perDayBytes}
        onChange={(v) => {
          setSaved(false);
          setValues((now) => ({ ...now, perDayBytes: v }));
        }}
        problem={problems.perDayBytes ?? apiProblems.perDayBytes}
      />
      <div className="flex items-center gap-3 pt-6">
        <Button type="submit" variant="secondary" size="sm" loading={set.isPending}>
          Save {label} budget
        </Button>
        <span role="status" className="text-xs">
          {saved ? (
            <span className="text-emerald-700">Saved</span>
          ) : set.isError && !apiProblems.perQueryBytes && !apiProblems.perDayBytes ? (
            <span className="text-red-700">{describeError(set.error)}</span>
          ) : row.updatedBy && row.updatedAt ? (
            <span className="text-gray-500">
              Set by {row.updatedBy}, {formatDateTime(new Date(row.updatedAt))}
            </span>
          ) : null}
        </span>
      </div>
    </form>
  );
}

export function BudgetsView() {
  const trpc = useTRPC();
  const budgets = useQuery(trpc.budgets.list.queryOptions());
  return (
    <>
      <PageHeader
        title="Query budgets"
        description="How many bytes each role may scan per query and per UTC day."
        actions={<QueriesNav />}
      />
      <Card>
        <CardHeader
          title="Bytes-scanned limits by role"
          description="Write amounts like 500 MB, 10 GB or 1 TB (1 GB = 1,024 MB, as Athena bills); leave empty for no limit. A person with several roles gets the most generous; a run over a limit is refused before it starts, naming it."
        />
        {budgets.isPending ? (
          <CardBody>
            <div role="status" aria-busy="true" aria-label="Loading budgets" className="space-y-3">
              <Skeleton className="h-9 w-full" />
              <Skeleton className="h-9 w-full" />
              <Skeleton className="h-9 w-full" />
            </div>
          </CardBody>
        ) : budgets.isError ? (
          <QueryError
            error={budgets.error}
            sectionLabel="Query budgets"
            onRetry={() => void budgets.refetch()}
            retrying={budgets.isFetching}
          />
        ) : (
          <div>
            {budgets.data.map((row) => (
              <RoleBudgetForm key={row.role} row={row} />
            ))}
          </div>
        )}
      </Card>
    </>
  );
}
