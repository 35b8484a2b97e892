"use client";
// The Policies page: pick a curated or analytics table (`?table=curated.orders`, so it links), then edit
// its whole policy as a draft — a rule per column and role, column tags, a row filter per role, whether
// columns without a rule are denied — with unsaved changes marked and counted, preview it as any role
// before or after saving, and save it with a reason after seeing the change as a diff. The Tags tab sets
// each tag's rules. The open tab is in the URL (`?tab=`).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Save, ShieldCheck, Table2, Undo2 } from "lucide-react";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { type ReactNode, type RefObject, useEffect, useMemo, useRef, useState } from "react";
import { QueryError } from "@/components/query-error";
import { Badge } from "@/components/ui/badge";
import { Button, buttonClasses } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Select } from "@/components/ui/select";
import { Skeleton } from "@/components/ui/skeleton";
import { TabPanel, Tabs } from "@/components/ui/tabs";
import { useTRPC } from "@/lib/trpc";
import { describeError, fieldIssues } from "@/lib/trpc-errors";
import {
  type Draft,
  type DraftChange,
  draftChanges,
  draftInput,
  draftOf,
  type FieldTarget,
  ruleProblem,
  type TagRules,
  targetKey,
} from "./policy-draft";
import { PolicyGrid } from "./policy-grid";
import type { PolicyTableSummary, TablePolicy } from "./policy-types";
import { PreviewAsPanel } from "./preview-as-panel";
import { RowFiltersEditor } from "./row-filters-editor";
import { SavePolicyDialog } from "./save-policy-dialog";
import { TagsPanel } from "./tags-panel";
import { LEAVE_MESSAGE, useUnsavedChangesWarning } from "./use-unsaved-changes-warning";

const TABS = ["rules", "preview", "tags"] as const;
type Tab = (typeof TABS)[number];
const TAB_LABELS: Record<Tab, string> = { rules: "Rules", preview: "Preview as a role", tags: "Tags" };

/** The tags people start from, suggested first. */
const SEEDED_TAGS = ["pii", "email", "financial"];

function useUrlState() {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const given = params.get("tab");
  const tab = TABS.find((t) => t === given) ?? "rules";
  const go = (changes: Record<string, string | null>, push: boolean) => {
    const query = new URLSearchParams(params.toString());
    for (const [key, value] of Object.entries(changes)) {
      if (value === null) query.delete(key);
      else query.set(key, value);
    }
    const search = query.toString();
    const href = search ? `${pathname}?${search}` : pathname;
    if (push) router.push(href, { scroll: false });
    else router.replace(href, { scroll: false });
  };
  return {
    table: params.get("table"),
    tab,
    setTable: (name: string) => go({ table: name }, true),
    setTab: (next: Tab) => go({ tab: next === "rules" ? null : next }, false),
    replaceTable: (name: string) => go({ table: name }, false),
  };
}

function TablePicker({
  tables,
  value,
  onChange,
}: {
  tables: readonly PolicyTableSummary[];
  value: string;
  onChange: (name: string) => void;
}) {
  const zones = ["curated", "analytics"] as const;
  const summary = (t: PolicyTableSummary) => {
    const parts = [
      t.rules > 0 ? `${t.rules} ${t.rules === 1 ? "rule" : "rules"}` : "",
      t.rowFilters > 0 ? `${t.rowFilters} ${t.rowFilters === 1 ? "filter" : "filters"}` : "",
      t.taggedColumns > 0 ? `${t.taggedColumns} tagged` : "",
    ].filter(Boolean);
    return parts.length > 0 ? ` · ${parts.join(", ")}` : "";
  };
  return (
    <Select
      label="Table"
      value={value}
      onChange={(event) => onChange(event.target.value)}
      className="w-96"
      data-testid="policy-table"
    >
      {tables.some((t) => t.name === value) ? null : <option value={value}>{value}</option>}
      {zones.map((zone) => {
        const list = tables.filter((t) => t.zone === zone);
        return list.length === 0 ? null : (
          <optgroup key={zone} label={zone === "curated" ? "Curated" : "Analytics"}>
            {list.map((t) => (
              <option key={t.name} value={t.name}>
                {t.name}
                {summary(t)}
              </option>
            ))}
          </optgroup>
        );
      })}
    </Select>
  );
}

export function PoliciesView() {
  const trpc = useTRPC();
  const tables = useQuery(trpc.policies.tables.queryOptions());
  const url = useUrlState();
  const dirty = useRef(false);
  const first = tables.data?.tables[0]?.name;
  const table = url.table ?? first;

  // With no table in the link, the first one opens, and the link says so.
  const { replaceTable } = url;
  const given = url.table;
  useEffect(() => {
    if (!given && first) replaceTable(first);
  }, [given, first, replaceTable]);

  const header = (actions?: ReactNode) => (
    <PageHeader
      title="Policies"
      description="Who sees which columns and rows of each table: a rule per column and role, tags whose rules follow the column everywhere, and row filters."
      actions={actions}
    />
  );

  if (tables.isPending) {
    return (
      <div role="status" aria-busy="true" aria-label="Loading policies">
        {header()}
        <Skeleton className="h-10 w-80" />
        <Skeleton className="mt-6 h-96 w-full" />
      </div>
    );
  }
  if (tables.isError) {
    return (
      <>
        {header()}
        <Card>
          <QueryError
            error={tables.error}
            sectionLabel="Policies"
            onRetry={() => void tables.refetch()}
            retrying={tables.isFetching}
          />
        </Card>
      </>
    );
  }
  if (tables.data.tables.length === 0 || !table) {
    return (
      <>
        {header()}
        <Card>
          <EmptyState
            icon={Table2}
            title="No tables yet"
            description="Policies apply to curated and analytics tables. Register a source and its curated table appears here once it exists."
            action={
              <Link href="/sources" className={buttonClasses("secondary", "sm")}>
                Go to Sources
              </Link>
            }
          />
        </Card>
        <Card className="mt-6">
          <TagsPanel />
        </Card>
      </>
    );
  }
  return (
    <>
      {header(
        <TablePicker
          tables={tables.data.tables}
          value={table}
          onChange={(name) => {
            if (name === table) return;
            if (dirty.current && !window.confirm(LEAVE_MESSAGE)) return;
            url.setTable(name);
          }}
        />,
      )}
      <TablePolicyEditor key={table} table={table} tab={url.tab} onTab={url.setTab} dirty={dirty} />
    </>
  );
}

/** A problem the API named, placed on the page. */
interface PlacedProblem {
  target: FieldTarget;
  message: string;
}

/** The draft's value at a target, to tell whether the person has changed it since the API complained. */
function valueAt(draft: Draft, target: FieldTarget): string {
  if (target.kind === "rule") return JSON.stringify(draft.rules[target.column]?.[target.role] ?? null);
  if (target.kind === "filter") return draft.rowFilters[target.role];
  return (draft.tags[target.column] ?? []).join(",");
}

function TablePolicyEditor({
  table,
  tab,
  onTab,
  dirty,
}: {
  table: string;
  tab: Tab;
  onTab: (tab: Tab) => void;
  dirty: RefObject<boolean>;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const policy = useQuery(trpc.policies.get.queryOptions({ table }));
  const [base, setBase] = useState<TablePolicy | undefined>();
  const [draft, setDraft] = useState<Draft | undefined>();
  const [problems, setProblems] = useState<PlacedProblem[]>([]);
  const [dialogOpen, setDialogOpen] = useState(false);
  const [reason, setReason] = useState("");
  // What the last save changed, said until the next edit: the draft then simply has no changes.
  const [savedNote, setSavedNote] = useState<string | undefined>();

  const saved = useMemo(() => (base ? draftOf(base) : undefined), [base]);
  const columnNames = useMemo(() => base?.columns.map((c) => c.name) ?? [], [base]);
  const changes: DraftChange[] = useMemo(
    () => (saved && draft ? draftChanges(saved, draft, columnNames) : []),
    [saved, draft, columnNames],
  );
  const hasChanges = changes.length > 0;
  useEffect(() => {
    dirty.current = hasChanges;
  }, [dirty, hasChanges]);
  useUnsavedChangesWarning(hasChanges);

  // The saved policy as the API has it now; a draft with unsaved changes is kept as it is.
  useEffect(() => {
    if (!policy.data) return;
    if (!hasChanges) {
      setBase(policy.data);
      setDraft(draftOf(policy.data));
    }
  }, [policy.data, hasChanges]);

  const tagRules: TagRules[] = policy.data?.tags ?? [];
  const knownTags = useMemo(() => {
    const names = (policy.data?.tags ?? []).map((t) => t.name);
    return [
      ...SEEDED_TAGS.filter((t) => names.includes(t)),
      ...names.filter((t) => !SEEDED_TAGS.includes(t)),
    ];
  }, [policy.data]);

  const problemMap = useMemo(() => {
    const out: Record<string, string> = {};
    for (const p of problems) out[targetKey(p.target)] ??= p.message;
    return out;
  }, [problems]);

  const edit = (next: Draft) => {
    setSavedNote(undefined);
    setProblems((list) => list.filter((p) => draft && valueAt(draft, p.target) === valueAt(next, p.target)));
    setDraft(next);
  };

  const placeProblems = (error: unknown, targets: (path: string) => FieldTarget | undefined): boolean => {
    const placed: PlacedProblem[] = [];
    for (const [path, message] of Object.entries(fieldIssues(error))) {
      const target = targets(path);
      if (target) placed.push({ target, message });
    }
    setProblems(placed);
    return placed.length > 0;
  };

  const save = useMutation(
    trpc.policies.save.mutationOptions({
      onSuccess: (result) => {
        setSavedNote(
          `Saved ${changes.length} ${changes.length === 1 ? "change" : "changes"}, with your reason in the audit log.`,
        );
        setBase(result);
        setDraft(draftOf(result));
        setProblems([]);
        setDialogOpen(false);
        setReason("");
        queryClient.setQueryData(trpc.policies.get.queryKey({ table }), result);
        void queryClient.invalidateQueries({ queryKey: trpc.policies.tables.queryKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.policies.tags.queryKey() });
      },
    }),
  );

  if (policy.isPending || !base || !draft || !saved) {
    if (policy.isError) {
      return (
        <Card>
          <QueryError
            error={policy.error}
            sectionLabel="Policies"
            onRetry={() => void policy.refetch()}
            retrying={policy.isFetching}
          />
        </Card>
      );
    }
    return (
      <div role="status" aria-busy="true" aria-label={`Loading the policy of ${table}`}>
        <Skeleton className="h-10 w-full" />
        <Skeleton className="mt-4 h-96 w-full" />
      </div>
    );
  }

  const localProblems = columnNames.flatMap((c) =>
    Object.values(draft.rules[c] ?? {}).filter((r) => ruleProblem(r) !== undefined),
  ).length;
  const { input, targets } = draftInput(draft, columnNames);
  const saveIssues = fieldIssues(save.error);

  const submit = () => {
    save.mutate(
      { table, reason, ...input },
      {
        onError: (error) => {
          // A complaint about a cell, filter or column closes the dialog so it shows beside that field.
          if (placeProblems(error, targets) && !fieldIssues(error).reason) {
            setDialogOpen(false);
            // Once the dialog has handed focus back, move it to the first field the API named.
            window.setTimeout(() => {
              const field = document.querySelector<HTMLElement>("[data-policy-editor] [aria-invalid='true']");
              field?.focus();
              field?.scrollIntoView({ block: "center" });
            }, 50);
          }
        },
      },
    );
  };
  const dialogProblem =
    save.isError && !saveIssues.reason && problems.length === 0 ? describeError(save.error) : undefined;

  return (
    <>
      <section
        className="sticky top-16 z-10 mb-4 flex flex-wrap items-center justify-between gap-3 rounded-lg border border-gray-200 bg-white/95 px-4 py-2.5 shadow-xs backdrop-blur"
        aria-label="Unsaved changes"
      >
        <div className="flex items-center gap-2 text-sm">
          <ShieldCheck className="size-4 text-gray-500" aria-hidden="true" />
          <span className="font-medium font-mono text-gray-900">{base.table.name}</span>
          <Badge tone="accent">{base.table.zone}</Badge>
          <span aria-live="polite" data-testid="policy-unsaved-count">
            {hasChanges ? (
              <Badge tone="warning" dot>
                {changes.length} unsaved {changes.length === 1 ? "change" : "changes"}
              </Badge>
            ) : (
              <span className="text-gray-500 text-xs">No unsaved changes</span>
            )}
          </span>
          {savedNote && !hasChanges ? (
            <span role="status" className="text-green-800 text-xs">
              {savedNote}
            </span>
          ) : null}
          {problems.length > 0 || localProblems > 0 ? (
            <Badge tone="danger">
              {problems.length + localProblems}{" "}
              {problems.length + localProblems === 1 ? "problem" : "problems"}
            </Badge>
          ) : null}
        </div>
        <div className="flex items-center gap-2">
          <Button
            variant="ghost"
            size="sm"
            disabled={!hasChanges}
            onClick={() => {
              setDraft(saved);
              setProblems([]);
              save.reset();
            }}
            icon={<Undo2 className="size-3.5" aria-hidden="true" />}
          >
            Discard
          </Button>
          <Button
            size="sm"
            disabled={!hasChanges || localProblems > 0}
            onClick={() => {
              save.reset();
              setDialogOpen(true);
            }}
            icon={<Save className="size-3.5" aria-hidden="true" />}
            data-testid="policy-save"
          >
            Save changes…
          </Button>
        </div>
      </section>
      <Card data-policy-editor="">
        <Tabs
          label={`Policy of ${table}`}
          idPrefix="policies"
          className="px-3"
          tabs={TABS.map((id) => ({ id, label: TAB_LABELS[id] }))}
          selected={tab}
          onSelect={onTab}
        />
        <TabPanel idPrefix="policies" id={tab}>
          {tab === "rules" ? (
            <>
              <CardHeader
                title="Columns"
                description="Each cell is the column's own rule for the role. Where a tag's rule is stricter, or a default applies, the cell says what holds instead."
                actions={
                  <label className="flex items-center gap-2 text-sm">
                    <input
                      type="checkbox"
                      checked={draft.denyUnruledColumns}
                      onChange={(event) => edit({ ...draft, denyUnruledColumns: event.target.checked })}
                      data-testid="policy-deny-unruled"
                    />
                    <span
                      className={
                        draft.denyUnruledColumns !== saved.denyUnruledColumns
                          ? "rounded bg-amber-50 px-1 ring-1 ring-amber-300"
                          : ""
                      }
                    >
                      Deny columns without a rule
                    </span>
                  </label>
                }
              />
              {base.missingColumns.length > 0 ? (
                <p className="border-gray-100 border-b bg-amber-50 px-5 py-2 text-amber-900 text-xs">
                  Rules or tags name columns the table no longer has ({base.missingColumns.join(", ")});
                  saving removes them.
                </p>
              ) : null}
              {base.columns.length === 0 ? (
                <EmptyState
                  icon={Table2}
                  title="No columns yet"
                  description="The table has no columns to set rules on."
                />
              ) : (
                <PolicyGrid
                  columns={base.columns}
                  draft={draft}
                  saved={saved}
                  tags={tagRules}
                  knownTags={knownTags}
                  problems={problemMap}
                  onChange={edit}
                />
              )}
              <div className="border-gray-100 border-t">
                <CardHeader
                  title="Row filters"
                  description="A SQL condition over the table's columns per role: the role sees only the rows it admits. Empty: every row."
                />
                <RowFiltersEditor
                  draft={draft}
                  saved={saved}
                  problems={problemMap}
                  heldByInputs={base.rowFilters.filter((f) => f.heldByInputs).map((f) => f.role)}
                  onChange={edit}
                />
              </div>
            </>
          ) : tab === "preview" ? (
            <PreviewAsPanel
              table={table}
              draft={input}
              hasChanges={hasChanges}
              onDraftError={(error) => placeProblems(error, targets)}
            />
          ) : (
            <TagsPanel />
          )}
        </TabPanel>
      </Card>
      <SavePolicyDialog
        open={dialogOpen}
        table={table}
        changes={changes}
        reason={reason}
        onReasonChange={setReason}
        onClose={() => setDialogOpen(false)}
        onSave={submit}
        saving={save.isPending}
        reasonProblem={saveIssues.reason}
        problem={dialogProblem}
      />
    </>
  );
}
