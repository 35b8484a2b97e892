"use client";
// The Alerts page: alerts firing now (acknowledge), the history of episodes (filter by kind, subject and
// state; paged), the rules table (thresholds edited inline by on-call and admins: Enter saves, Escape
// reverts) and, for admins, the webhook's URL, signing secret and latest postings.
import type { AppRouter } from "@inlet/api/router";
import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { BellOff, History } from "lucide-react";
import { type FormEvent, type KeyboardEvent, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { Input, Label } from "@/components/ui/input";
import { LoadMoreFooter } from "@/components/ui/load-more-footer";
import { PageHeader } from "@/components/ui/page-header";
import { Select } from "@/components/ui/select";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TBody, Td, THead, Th, Tr } from "@/components/ui/table";
import { formatCount, formatDateTime } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";
import { describeError } from "@/lib/trpc-errors";

type Outputs = inferRouterOutputs<AppRouter>;
type Rule = Outputs["alerts"]["rules"][number];
type Kind = Rule["kind"];

const PAGE_SIZE = 25;

const round = (n: number) => Math.round(n * 100) / 100;

export function AlertsView() {
  const trpc = useTRPC();
  const me = useQuery(trpc.me.queryOptions());
  const roles = me.data?.roles ?? [];
  const canSetRules = roles.includes("admin") || roles.includes("oncall");
  const isAdmin = roles.includes("admin");
  const evaluation = useQuery(trpc.alerts.evaluation.queryOptions(undefined, { refetchInterval: 15_000 }));
  const every =
    evaluation.data?.running === true ? ` every ${formatInterval(evaluation.data.intervalMs)}` : "";
  return (
    <>
      <PageHeader
        title="Alerts"
        description={`Thresholds on dead-letter inflow, queue age, freshness, throughput and silence, judged${every}.`}
      />
      <div className="space-y-6">
        {evaluation.data ? <EvaluationStatus status={evaluation.data} /> : null}
        <ActiveAlerts />
        <AlertHistory />
        <RulesTable canEdit={canSetRules} />
        {isAdmin ? <WebhookSettings /> : null}
      </div>
    </>
  );
}

function formatInterval(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${round(ms / 1000)} s`;
}

function ago(iso: string | Date): string {
  const seconds = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
  return seconds < 120 ? `${seconds} s ago` : `${Math.round(seconds / 60)} min ago`;
}

/**
 * Whether the rules are being judged at all: the last round, how long it took and what it could not
 * read, so a quiet page is not mistaken for a healthy lake when evaluation has stopped.
 */
function EvaluationStatus({ status }: { status: Outputs["alerts"]["evaluation"] }) {
  if (!status.running) {
    return (
      <p
        data-testid="alert-evaluation"
        data-state="off"
        className="rounded-md bg-amber-50 px-4 py-3 text-amber-900 text-sm"
      >
        This API process does not evaluate alert rules (INLET_ALERT_INTERVAL_MS is 0): nothing fires or
        resolves unless another API process does.
      </p>
    );
  }
  const stuck =
    status.runningSince !== null &&
    Date.now() - new Date(status.runningSince).getTime() > 5 * status.intervalMs;
  const stale =
    status.lastOutcome !== "elsewhere" &&
    (status.lastRoundAt === null ||
      Date.now() - new Date(status.lastRoundAt).getTime() > 3 * status.intervalMs);
  const state =
    stuck || status.lastOutcome === "failed" ? "failing" : stale && status.lastRoundAt ? "stale" : "ok";
  const tone =
    state === "ok" && status.problems.length === 0
      ? "bg-gray-50 text-gray-600"
      : state === "ok"
        ? "bg-amber-50 text-amber-900"
        : "bg-red-50 text-red-800";
  let text: string;
  if (stuck && status.runningSince) {
    text = `A round started ${ago(status.runningSince)} has not finished: no alert fires or resolves meanwhile.`;
  } else if (status.lastOutcome === "failed") {
    text = "The last round failed: alerts may be out of date.";
  } else if (status.lastOutcome === "elsewhere") {
    text = "Rules are evaluated by another API process (one at a time).";
  } else if (status.lastRoundAt === null) {
    text = "No round has finished yet: the first runs one interval after the API starts.";
  } else {
    const took = status.lastRoundMs === null ? "" : `, in ${formatCount(status.lastRoundMs)} ms`;
    text = `Last evaluated ${ago(status.lastRoundAt)}${took}.${stale ? " No round has finished since: alerts may be out of date." : ""}`;
  }
  return (
    <div data-testid="alert-evaluation" data-state={state} className={`rounded-md px-4 py-3 text-sm ${tone}`}>
      <p>{text}</p>
      {status.problems.length > 0 ? (
        <ul className="mt-1 list-disc pl-5 text-xs" aria-label="What the last round could not do">
          {status.problems.slice(0, 5).map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function ActiveAlerts() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const active = useQuery(trpc.alerts.active.queryOptions(undefined, { refetchInterval: 15_000 }));
  const [error, setError] = useState<string | null>(null);
  const ack = useMutation(
    trpc.alerts.acknowledge.mutationOptions({
      onSuccess: () => {
        setError(null);
        void queryClient.invalidateQueries({ queryKey: trpc.alerts.active.queryKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.alerts.history.pathKey() });
      },
      onError: (err) => setError(describeError(err)),
    }),
  );
  const rows = active.data ?? [];
  return (
    <Card data-testid="active-alerts">
      <CardHeader title="Firing now" description="Acknowledge an alert to tell others you are on it." />
      {error ? (
        <p role="alert" className="px-5 pt-3 text-red-600 text-sm">
          {error}
        </p>
      ) : null}
      {active.isPending ? (
        <CardBody>
          <Skeleton className="h-16" />
        </CardBody>
      ) : active.isError ? (
        <ErrorState message={describeError(active.error)} onRetry={() => void active.refetch()} />
      ) : rows.length === 0 ? (
        <EmptyState
          icon={BellOff}
          title="No alerts firing"
          description="Every rule is within its threshold."
        />
      ) : (
        <Table aria-label="Alerts firing now">
          <THead>
            <Tr>
              <Th>Alert</Th>
              <Th>Subject</Th>
              <Th>What</Th>
              <Th>Fired</Th>
              <Th>Acknowledged</Th>
            </Tr>
          </THead>
          <TBody>
            {rows.map((a) => (
              <Tr key={a.id} data-testid="active-alert" data-kind={a.kind} data-subject={a.subjectName}>
                <Td className="font-medium text-gray-900">{a.label}</Td>
                <Td className="font-mono text-xs">{a.subjectName}</Td>
                <Td className="text-gray-700">
                  {a.message}
                  <span className="block text-gray-500 text-xs">
                    now {round(a.lastValue)} {a.unit}
                  </span>
                </Td>
                <Td className="whitespace-nowrap text-gray-600">{formatDateTime(new Date(a.firedAt))}</Td>
                <Td>
                  {a.acknowledgedAt ? (
                    <span data-testid="alert-acknowledged-by" className="text-gray-600 text-xs">
                      {a.acknowledgedByEmail} at {formatDateTime(new Date(a.acknowledgedAt))}
                    </span>
                  ) : (
                    <Button
                      size="sm"
                      variant="secondary"
                      data-testid="alert-acknowledge"
                      aria-label={`Acknowledge ${a.label} for ${a.subjectName}`}
                      loading={ack.isPending && ack.variables?.id === a.id}
                      onClick={() => ack.mutate({ id: a.id })}
                    >
                      Acknowledge
                    </Button>
                  )}
                </Td>
              </Tr>
            ))}
          </TBody>
        </Table>
      )}
    </Card>
  );
}

function AlertHistory() {
  const trpc = useTRPC();
  const rules = useQuery(trpc.alerts.rules.queryOptions());
  const kinds = (rules.data ?? []).filter((r) => r.subject === "*");
  const [kind, setKind] = useState<Kind | "">("");
  const [subject, setSubject] = useState("");
  const [state, setState] = useState<"" | "open" | "resolved">("");
  const history = useInfiniteQuery(
    trpc.alerts.history.infiniteQueryOptions(
      {
        limit: PAGE_SIZE,
        ...(kind ? { kind } : {}),
        ...(subject.trim() ? { subject: subject.trim() } : {}),
        ...(state ? { state } : {}),
      },
      { getNextPageParam: (page) => page.nextCursor ?? undefined, placeholderData: keepPreviousData },
    ),
  );
  const rows = history.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Card data-testid="alert-history">
      <CardHeader
        title="History"
        description="Every alert: when it fired, who acknowledged it, when it resolved."
      />
      <div className="grid gap-3 border-gray-100 border-b px-5 py-3 sm:grid-cols-3">
        <Select
          label="Kind"
          value={kind}
          data-testid="alert-history-kind"
          onChange={(e) => setKind(e.target.value as Kind | "")}
        >
          <option value="">All kinds</option>
          {kinds.map((k) => (
            <option key={k.kind} value={k.kind}>
              {k.label}
            </option>
          ))}
        </Select>
        <div>
          <Label htmlFor="alert-history-subject">Source or queue</Label>
          <Input
            id="alert-history-subject"
            data-testid="alert-history-subject"
            placeholder="orders"
            value={subject}
            onChange={(e) => setSubject(e.target.value)}
          />
        </div>
        <Select
          label="State"
          value={state}
          data-testid="alert-history-state"
          onChange={(e) => setState(e.target.value as "" | "open" | "resolved")}
        >
          <option value="">Open and resolved</option>
          <option value="open">Open</option>
          <option value="resolved">Resolved</option>
        </Select>
      </div>
      {history.isPending ? (
        <CardBody>
          <Skeleton className="h-24" />
        </CardBody>
      ) : history.isError && rows.length === 0 ? (
        <ErrorState message={describeError(history.error)} onRetry={() => void history.refetch()} />
      ) : rows.length === 0 ? (
        <EmptyState icon={History} title="No alerts" description="No alert matches these filters." />
      ) : (
        <>
          <Table aria-label="Alert history">
            <THead>
              <Tr>
                <Th>Alert</Th>
                <Th>Subject</Th>
                <Th>Fired</Th>
                <Th>Acknowledged</Th>
                <Th>Resolved</Th>
              </Tr>
            </THead>
            <TBody>
              {rows.map((a) => (
                <Tr
                  key={a.id}
                  data-testid="alert-history-row"
                  data-kind={a.kind}
                  data-subject={a.subjectName}
                >
                  <Td>
                    <span className="font-medium text-gray-900">{a.label}</span>
                    <span className="block text-gray-500 text-xs">{a.message}</span>
                  </Td>
                  <Td className="font-mono text-xs">{a.subjectName}</Td>
                  <Td className="whitespace-nowrap text-gray-600">{formatDateTime(new Date(a.firedAt))}</Td>
                  <Td className="text-gray-600 text-xs">
                    {a.acknowledgedAt
                      ? `${a.acknowledgedByEmail ?? "someone"} at ${formatDateTime(new Date(a.acknowledgedAt))}`
                      : "—"}
                  </Td>
                  <Td className="whitespace-nowrap">
                    {a.resolvedAt ? (
                      <span className="text-gray-600">{formatDateTime(new Date(a.resolvedAt))}</span>
                    ) : (
                      <Badge tone="danger" dot>
                        Firing
                      </Badge>
                    )}
                  </Td>
                </Tr>
              ))}
            </TBody>
          </Table>
          <LoadMoreFooter
            summary={`${formatCount(rows.length)} shown`}
            hasMore={history.hasNextPage}
            loading={history.isFetchingNextPage}
            failed={history.isFetchNextPageError}
            failedMessage="Couldn't load more alerts."
            onLoadMore={() => void history.fetchNextPage()}
          />
        </>
      )}
    </Card>
  );
}

function RulesTable({ canEdit }: { canEdit: boolean }) {
  const trpc = useTRPC();
  const rules = useQuery(trpc.alerts.rules.queryOptions());
  return (
    <Card data-testid="alert-rules">
      <CardHeader
        title="Rules"
        description={
          canEdit
            ? "Defaults apply to every source and queue; change a row to override it. Enter saves, Escape reverts."
            : "Defaults apply to every source and queue; on-call staff and admins change them."
        }
      />
      {rules.isPending ? (
        <CardBody>
          <Skeleton className="h-40" />
        </CardBody>
      ) : rules.isError ? (
        <ErrorState message={describeError(rules.error)} onRetry={() => void rules.refetch()} />
      ) : (
        <Table aria-label="Alert rules">
          <THead>
            <Tr>
              <Th>Alert</Th>
              <Th>Applies to</Th>
              <Th>Threshold</Th>
              <Th>Window (min)</Th>
              <Th>On</Th>
              <Th>Set by</Th>
              <Th>
                <span className="sr-only">Actions</span>
              </Th>
            </Tr>
          </THead>
          <TBody>
            {rules.data.map((r) => (
              <RuleRow key={`${r.kind}:${r.subject}`} rule={r} canEdit={canEdit} />
            ))}
          </TBody>
        </Table>
      )}
    </Card>
  );
}

function RuleRow({ rule, canEdit }: { rule: Rule; canEdit: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [threshold, setThreshold] = useState(String(rule.threshold));
  const [windowMinutes, setWindowMinutes] = useState(String(rule.windowMinutes));
  const [enabled, setEnabled] = useState(rule.enabled);
  const [error, setError] = useState<string | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: trpc.alerts.rules.queryKey() });
  const save = useMutation(
    trpc.alerts.setRule.mutationOptions({
      onSuccess: () => {
        setError(null);
        refresh();
      },
      onError: (err) => setError(describeError(err)),
    }),
  );
  const clear = useMutation(
    trpc.alerts.clearRule.mutationOptions({
      onSuccess: (_data) => {
        setError(null);
        refresh();
      },
      onError: (err) => setError(describeError(err)),
    }),
  );
  const dirty =
    threshold !== String(rule.threshold) ||
    windowMinutes !== String(rule.windowMinutes) ||
    enabled !== rule.enabled;
  const name = `${rule.label}, ${rule.subjectName}`;
  const revert = () => {
    setThreshold(String(rule.threshold));
    setWindowMinutes(String(rule.windowMinutes));
    setEnabled(rule.enabled);
    setError(null);
  };
  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    const t = Number(threshold);
    const w = Number(windowMinutes);
    if (threshold.trim() === "" || !Number.isFinite(t) || t < 0) {
      setError("The threshold must be a number of 0 or more");
      return;
    }
    if (!Number.isInteger(w) || w < 1) {
      setError("The window must be a whole number of minutes, at least 1");
      return;
    }
    save.mutate({ kind: rule.kind, subject: rule.subject, threshold: t, windowMinutes: w, enabled });
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "Enter") submit();
    if (event.key === "Escape") revert();
  };
  const editable = canEdit;
  return (
    <Tr
      data-testid="alert-rule-row"
      data-kind={rule.kind}
      data-subject={rule.subjectName}
      className={rule.subject === "*" ? "bg-gray-50/60" : undefined}
    >
      <Td>
        <span className="font-medium text-gray-900">{rule.label}</span>
        {rule.subject === "*" ? (
          <span className="block max-w-xs text-gray-500 text-xs">
            {rule.direction === "above" ? "Fires above" : "Fires below"}: {rule.describe}
          </span>
        ) : null}
        {error ? (
          <span role="alert" className="block text-red-600 text-xs">
            {error}
          </span>
        ) : null}
      </Td>
      <Td className="font-mono text-xs">{rule.subjectName}</Td>
      <Td>
        {editable ? (
          <div className="flex items-center gap-1.5">
            <Input
              type="number"
              inputMode="decimal"
              min={0}
              step="any"
              className="h-8 w-24"
              aria-label={`Threshold for ${name} (${rule.unit})`}
              data-testid="alert-rule-threshold"
              aria-invalid={error ? true : undefined}
              value={threshold}
              onChange={(e) => setThreshold(e.target.value)}
              onKeyDown={onKeyDown}
            />
            <span className="text-gray-500 text-xs">{rule.unit}</span>
          </div>
        ) : (
          <span className="tabular-nums">
            {rule.threshold} {rule.unit}
          </span>
        )}
      </Td>
      <Td>
        {editable ? (
          <Input
            type="number"
            inputMode="numeric"
            min={1}
            step={1}
            className="h-8 w-20"
            aria-label={`Window in minutes for ${name}`}
            data-testid="alert-rule-window"
            value={windowMinutes}
            onChange={(e) => setWindowMinutes(e.target.value)}
            onKeyDown={onKeyDown}
          />
        ) : (
          <span className="tabular-nums">{rule.windowMinutes}</span>
        )}
      </Td>
      <Td>
        <input
          type="checkbox"
          className="size-4 rounded border-gray-300 text-accent-600 focus:ring-accent-500"
          aria-label={`${name} on`}
          data-testid="alert-rule-enabled"
          checked={enabled}
          disabled={!editable}
          onChange={(e) => setEnabled(e.target.checked)}
        />
      </Td>
      <Td className="text-gray-500 text-xs">
        {rule.origin === "default" ? (
          <Badge tone="neutral">Default</Badge>
        ) : (
          <>
            <Badge tone="accent">{rule.origin === "all" ? "All" : "Override"}</Badge>
            <span className="block">{rule.updatedByEmail}</span>
          </>
        )}
      </Td>
      <Td className="whitespace-nowrap text-right">
        {editable ? (
          <div className="flex justify-end gap-1.5">
            <Button
              size="sm"
              disabled={!dirty}
              loading={save.isPending}
              data-testid="alert-rule-save"
              aria-label={`Save ${name}`}
              onClick={() => submit()}
            >
              Save
            </Button>
            {rule.origin === "subject" || (rule.subject === "*" && rule.origin === "all") ? (
              <Button
                size="sm"
                variant="ghost"
                loading={clear.isPending}
                data-testid="alert-rule-reset"
                aria-label={`Reset ${name} to the default`}
                onClick={() => clear.mutate({ kind: rule.kind, subject: rule.subject })}
              >
                Reset
              </Button>
            ) : null}
          </div>
        ) : null}
      </Td>
    </Tr>
  );
}

function WebhookSettings() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const settings = useQuery(trpc.alerts.webhook.queryOptions(undefined, { refetchInterval: 15_000 }));
  const [url, setUrl] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const save = useMutation(
    trpc.alerts.setWebhook.mutationOptions({
      onSuccess: (data) => {
        setError(null);
        setSecret(data.secret);
        setUrl(null);
        void queryClient.invalidateQueries({ queryKey: trpc.alerts.webhook.queryKey() });
      },
      onError: (err) => setError(describeError(err)),
    }),
  );
  const current = settings.data?.url ?? "";
  const value = url ?? current;
  const submit = (event: FormEvent, rotateSecret = false) => {
    event.preventDefault();
    save.mutate({ url: value.trim() === "" ? null : value.trim(), rotateSecret });
  };
  return (
    <Card data-testid="alert-webhook">
      <CardHeader
        title="Webhook"
        description="Each fire and resolve is posted here as JSON, signed with HMAC-SHA-256 (see the README's Alerts section)."
      />
      <CardBody className="space-y-4">
        <form className="flex flex-col gap-2 sm:flex-row sm:items-end" onSubmit={(e) => submit(e)}>
          <div className="flex-1">
            <Label htmlFor="alert-webhook-url">Webhook URL</Label>
            <Input
              id="alert-webhook-url"
              data-testid="alert-webhook-url"
              type="url"
              placeholder="https://hooks.example.com/inlet"
              value={value}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? "alert-webhook-error" : undefined}
              onChange={(e) => setUrl(e.target.value)}
            />
          </div>
          <Button
            type="submit"
            loading={save.isPending && !save.variables?.rotateSecret}
            data-testid="alert-webhook-save"
          >
            Save
          </Button>
          {settings.data?.hasSecret ? (
            <Button
              type="button"
              variant="secondary"
              data-testid="alert-webhook-rotate"
              loading={save.isPending && save.variables?.rotateSecret === true}
              onClick={(e) => submit(e, true)}
            >
              Rotate secret
            </Button>
          ) : null}
        </form>
        {error ? (
          <p id="alert-webhook-error" role="alert" className="text-red-600 text-sm">
            {error}
          </p>
        ) : null}
        {secret ? (
          <div role="status" className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm">
            <p className="font-medium text-amber-900">Signing secret — copy it now, it is not shown again:</p>
            <code data-testid="alert-webhook-secret" className="mt-1 block break-all font-mono text-xs">
              {secret}
            </code>
          </div>
        ) : settings.data ? (
          <p className="text-gray-500 text-xs">
            {settings.data.url
              ? `Posting to ${settings.data.url}; a signing secret is ${settings.data.hasSecret ? "set" : "not set"}.`
              : "No webhook: alerts show in the console only."}
          </p>
        ) : null}
        {settings.data && settings.data.recent.length > 0 ? (
          <Table aria-label="Latest webhook postings">
            <THead>
              <Tr>
                <Th>Posting</Th>
                <Th>Attempts</Th>
                <Th>State</Th>
              </Tr>
            </THead>
            <TBody>
              {settings.data.recent.map((d) => (
                <Tr key={d.id} data-testid="alert-webhook-delivery">
                  <Td className="font-mono text-xs">
                    {d.transition} · {d.eventId}
                  </Td>
                  <Td className="tabular-nums">{d.attempts}</Td>
                  <Td className="text-xs">
                    {d.deliveredAt ? (
                      <Badge tone="success">Delivered {formatDateTime(new Date(d.deliveredAt))}</Badge>
                    ) : d.failedAt ? (
                      <Badge tone="danger">Given up: {d.lastError}</Badge>
                    ) : (
                      <span className="text-gray-600">
                        Next try {formatDateTime(new Date(d.nextAttemptAt))}
                        {d.lastError ? ` (${d.lastError})` : ""}
                      </span>
                    )}
                  </Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        ) : null}
      </CardBody>
    </Card>
  );
}
