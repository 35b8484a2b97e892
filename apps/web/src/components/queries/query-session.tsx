"use client";
// One editing session of the Queries page: the SQL (new, or a saved query opened by its address), its
// parameters' inputs, the estimate as it is typed, Run (Ctrl/Cmd+Enter) and Cancel, Format, Save, Save
// as, versions and delete, and the run's answer with its chart.
import { ROLE_LABELS } from "@inlet/db/roles";
import { clsx } from "clsx";
import { AlignLeft, Copy, History, Play, Save, Square, Trash2 } from "lucide-react";
import { useRouter } from "next/navigation";
import { type KeyboardEvent, useEffect, useMemo, useRef, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardBody } from "@/components/ui/card";
import { describeError, fieldIssues } from "@/lib/trpc-errors";
import { CHART_TYPE_LABELS, type ChartSettings, chartFits, chartFor } from "./chart-defaults";
import type { CompletionSchema } from "./completion-schema";
import { DeleteQueryDialog } from "./delete-query-dialog";
import { DownloadCsvButton } from "./download-csv-button";
import { editorMark } from "./editor-mark";
import { EstimatePanel } from "./estimate-panel";
import { formatSql } from "./format-sql";
import { ParameterInputs } from "./parameter-inputs";
import { ResultPanel } from "./result-panel";
import { inletCode, issuePosition, runFailureTitle } from "./run-error";
import { RunningFor } from "./run-status";
import { SaveQueryDialog } from "./save-query-dialog";
import type { SavedQuery } from "./saved-query-types";
import { SqlEditor } from "./sql-editor";
import {
  bindParameters,
  type DeclaredParameter,
  draftOf,
  type ParameterDrafts,
  type ParameterType,
  parametersToSave,
  reconcileParameters,
} from "./sql-parameters";
import { type RunParams, useQueryEstimate, useQueryRun } from "./use-query-run";
import { VersionsDialog } from "./versions-dialog";

type DialogKind = "save" | "saveAs" | "versions" | "delete";

function draftsOf(parameters: readonly DeclaredParameter[]): ParameterDrafts {
  return Object.fromEntries(parameters.map((p) => [p.name, draftOf(p)]));
}

export function QuerySession({
  saved,
  schema,
  folders,
}: {
  saved: SavedQuery | undefined;
  schema: CompletionSchema;
  folders: string[];
}) {
  const router = useRouter();
  const [sql, setSql] = useState(saved?.sql ?? "");
  const [declared, setDeclared] = useState<DeclaredParameter[]>(saved?.parameters ?? []);
  const [drafts, setDrafts] = useState<ParameterDrafts>(() => draftsOf(saved?.parameters ?? []));
  const [savedChart, setSavedChart] = useState<ChartSettings | null>(saved?.chart ?? null);
  const [chartChoice, setChartChoice] = useState<ChartSettings | undefined>(undefined);
  const [attempted, setAttempted] = useState(false);
  const [dialog, setDialog] = useState<DialogKind | undefined>(undefined);
  const [formatProblem, setFormatProblem] = useState<string | undefined>(undefined);

  const parameters = useMemo(() => reconcileParameters(sql, declared), [sql, declared]);
  const bound = useMemo(() => bindParameters(parameters, drafts), [parameters, drafts]);
  const params = useMemo<RunParams>(
    () =>
      Object.fromEntries(
        parameters.flatMap((p) => {
          const value = bound.values[p.name];
          return value === undefined ? [] : [[p.name, { type: p.type, value }]];
        }),
      ),
    [parameters, bound],
  );
  const missing = parameters.filter((p) => bound.problems[p.name] !== undefined).map((p) => p.name);

  const { estimate, pending: estimating, tooLong } = useQueryEstimate(sql, params);
  const runner = useQueryRun();
  const result = runner.result;
  const ranSql = runner.lastRequest?.sql;
  const stale =
    result !== undefined &&
    (ranSql !== sql || JSON.stringify(runner.lastRequest?.params) !== JSON.stringify(params));

  const runError = runner.error ? describeError(runner.error) : undefined;
  const estimateError = estimate.isError && !tooLong ? describeError(estimate.error) : undefined;
  const mark =
    (runError && ranSql === sql ? editorMark(sql, runError, issuePosition(runner.error)) : undefined) ??
    editorMark(sql, estimateError, issuePosition(estimate.error));

  const serverProblems = Object.fromEntries(
    Object.entries(fieldIssues(runner.error)).flatMap(([path, message]) =>
      path.startsWith("params.") ? [[path.slice("params.".length), message]] : [],
    ),
  );
  const parameterProblems = { ...(attempted ? bound.problems : {}), ...serverProblems };

  // Kept the same object while nothing it depends on changes, so the memoized chart does not redraw.
  const chart = useMemo(() => {
    if (result === undefined) return undefined;
    return chartChoice && chartFits(chartChoice, result.columns)
      ? chartChoice
      : chartFor(savedChart, result.columns);
  }, [result, chartChoice, savedChart]);

  const dirty =
    saved !== undefined &&
    (sql !== saved.sql ||
      // A parameter's value is what it runs with, not a change to the query; its name and type are.
      JSON.stringify(parameters.map((p) => [p.name, p.type])) !==
        JSON.stringify(saved.parameters.map((p) => [p.name, p.type])) ||
      (chartChoice !== undefined && JSON.stringify(chart ?? null) !== JSON.stringify(saved.chart ?? null)));

  const run = () => {
    if (runner.running || sql.trim() === "") return;
    setAttempted(true);
    if (missing.length > 0) return;
    runner.start({ sql, params, savedQueryId: saved && sql === saved.sql ? saved.id : undefined });
  };

  // A saved query with a chart opens with its chart: it runs once on its own, as a saved question does
  // in Metabase, once its estimate is in — unless a parameter has no value or the estimate is over a
  // budget (then the note below asks for a run, and nothing is spent unasked).
  const autoRun = useRef(saved?.chart != null);
  useEffect(() => {
    if (!autoRun.current || estimating || !estimate.isSuccess) return;
    autoRun.current = false;
    if (missing.length > 0 || estimate.data.budget.refusal) return;
    run();
  });

  const format = () => {
    const out = formatSql(sql);
    if (out.ok) {
      setSql(out.sql);
      setFormatProblem(undefined);
    } else setFormatProblem(out.problem);
  };

  const load = (q: SavedQuery) => {
    setSql(q.sql);
    setDeclared(q.parameters);
    setDrafts(draftsOf(q.parameters));
    setSavedChart(q.chart);
    setChartChoice(undefined);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    // Ctrl/Cmd+Enter runs from the parameters too; the editor handles its own.
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.defaultPrevented) {
      event.preventDefault();
      run();
    }
  };

  const canSave = saved === undefined || saved.canEdit;
  const saveContent = {
    sql,
    parameters: parametersToSave(parameters, drafts),
    chart: chart ?? savedChart ?? undefined,
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the shortcut is Ctrl/Cmd+Enter from any field in the session
    <div className="min-w-0 space-y-4" onKeyDown={onKeyDown}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h2 className="flex items-center gap-2 truncate font-semibold text-base text-gray-900">
            {saved ? saved.name : "New query"}
            {dirty ? <Badge tone="warning">Unsaved changes</Badge> : null}
          </h2>
          {saved ? (
            <p className="mt-0.5 text-gray-500 text-xs">
              {saved.folder ? `${saved.folder} · ` : ""}version {saved.version}
              {saved.mine ? "" : ` · by ${saved.owner.email}`}
              {saved.sharedWithRoles.length > 0
                ? ` · shared with ${saved.sharedWithRoles.map((r) => ROLE_LABELS[r]).join(", ")}`
                : " · private"}
              {saved.description ? ` — ${saved.description}` : ""}
            </p>
          ) : (
            <p className="mt-0.5 text-gray-500 text-xs">
              SQL over the curated and analytics tables you may read.
            </p>
          )}
        </div>
        <div role="toolbar" aria-label="Query actions" className="flex flex-wrap items-center gap-2">
          {runner.running && runner.startedAt !== undefined ? (
            <RunningFor since={runner.startedAt} cancelling={runner.cancelling} />
          ) : null}
          {runner.running ? (
            <Button
              variant="danger"
              onClick={runner.cancel}
              disabled={runner.cancelling}
              icon={<Square className="size-3.5" aria-hidden="true" />}
            >
              Cancel
            </Button>
          ) : (
            <Button
              onClick={run}
              disabled={sql.trim() === ""}
              title="Run (Ctrl+Enter)"
              aria-keyshortcuts="Control+Enter Meta+Enter"
              icon={<Play className="size-3.5" aria-hidden="true" />}
            >
              Run
            </Button>
          )}
          <Button
            variant="secondary"
            onClick={format}
            disabled={sql.trim() === ""}
            icon={<AlignLeft className="size-3.5" aria-hidden="true" />}
          >
            Format
          </Button>
          {canSave ? (
            <Button
              variant="secondary"
              onClick={() => setDialog("save")}
              disabled={sql.trim() === ""}
              icon={<Save className="size-3.5" aria-hidden="true" />}
            >
              Save
            </Button>
          ) : null}
          <Button
            variant="secondary"
            onClick={() => setDialog("saveAs")}
            disabled={sql.trim() === ""}
            icon={<Copy className="size-3.5" aria-hidden="true" />}
          >
            Save as…
          </Button>
          {saved ? (
            <Button
              variant="secondary"
              onClick={() => setDialog("versions")}
              icon={<History className="size-3.5" aria-hidden="true" />}
            >
              Versions
            </Button>
          ) : null}
          {saved?.canEdit ? (
            <Button
              variant="ghost"
              onClick={() => setDialog("delete")}
              icon={<Trash2 className="size-3.5" aria-hidden="true" />}
            >
              Delete…
            </Button>
          ) : null}
        </div>
      </div>

      <ParameterInputs
        parameters={parameters}
        drafts={drafts}
        problems={parameterProblems}
        onTypeChange={(name, type: ParameterType) =>
          setDeclared(parameters.map((p) => (p.name === name ? { name, type } : p)))
        }
        onDraftChange={(name, value) => setDrafts((now) => ({ ...now, [name]: value }))}
      />

      <SqlEditor value={sql} onChange={setSql} onRun={run} schema={schema} mark={mark} />
      {formatProblem ? (
        <p role="alert" className="text-red-700 text-xs">
          {formatProblem}
        </p>
      ) : null}

      <EstimatePanel
        estimate={estimate.data}
        pending={estimating && sql.trim() !== ""}
        error={estimateError}
        empty={sql.trim() === ""}
        tooLong={tooLong}
      />

      {runError ? (
        <Card role="alert" className={clsx("border-red-200 bg-red-50/60")}>
          <CardBody>
            <p className="font-medium text-red-800 text-sm">{runFailureTitle(inletCode(runner.error))}</p>
            <p className="mt-1 break-words text-red-700 text-sm">{runError}</p>
          </CardBody>
        </Card>
      ) : null}

      {!result && !runner.running && savedChart ? (
        <p className="rounded-md border border-gray-200 border-dashed px-3 py-2 text-gray-600 text-xs">
          Saved with a {CHART_TYPE_LABELS[savedChart.type].toLowerCase()} chart of {savedChart.y.join(", ")}{" "}
          by {savedChart.x}: run the query to draw it.
        </p>
      ) : null}

      {result ? (
        <ResultPanel
          result={result}
          chart={chart}
          onChartChange={setChartChoice}
          stale={stale}
          download={
            <DownloadCsvButton
              sql={runner.lastRequest?.sql ?? sql}
              params={runner.lastRequest?.params ?? params}
              savedQueryId={runner.lastRequest?.savedQueryId}
            />
          }
        />
      ) : null}

      <SaveQueryDialog
        open={dialog === "save" || dialog === "saveAs"}
        mode={dialog === "saveAs" ? "saveAs" : "save"}
        existing={saved}
        content={saveContent}
        folders={folders}
        onClose={() => setDialog(undefined)}
        onSaved={(q) => {
          setDialog(undefined);
          setDeclared(q.parameters);
          setSavedChart(q.chart);
          if (q.id !== saved?.id) router.push(`/queries/${q.id}`);
        }}
      />
      {saved ? (
        <>
          <VersionsDialog
            open={dialog === "versions"}
            query={saved}
            onClose={() => setDialog(undefined)}
            onRestored={(q) => {
              load(q);
              setDialog(undefined);
            }}
          />
          <DeleteQueryDialog
            open={dialog === "delete"}
            query={saved}
            onClose={() => setDialog(undefined)}
            onDeleted={() => router.push("/queries")}
          />
        </>
      ) : null}
    </div>
  );
}
