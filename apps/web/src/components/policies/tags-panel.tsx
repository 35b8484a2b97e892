"use client";
// Tags: each tag's rule per role and whether it denies columns no rule covers — they hold for every
// column carrying the tag, in every table, now and later — saved with a reason; and a new tag.
import { ROLE_LABELS, ROLES, type Role } from "@inlet/db/roles";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { clsx } from "clsx";
import { Plus, Tags } from "lucide-react";
import { type FormEvent, useId, useState } from "react";
import { QueryError } from "@/components/query-error";
import { Button } from "@/components/ui/button";
import { CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Input, Label } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { formatCount } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";
import { describeError, fieldIssues } from "@/lib/trpc-errors";
import { normalizeTag, ruleProblem, sameRule } from "./policy-draft";
import type { ColumnRule, PolicyTag } from "./policy-types";
import { RuleEditor } from "./rule-editor";

type Rules = Partial<Record<Role, ColumnRule>>;

function rulesOf(tag: PolicyTag): Rules {
  const out: Rules = {};
  for (const r of tag.rules) if (r.rule) out[r.role] = r.rule;
  return out;
}

function useInvalidatePolicies() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: trpc.policies.tags.queryKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.policies.get.queryKey() });
  };
}

function TagEditor({ tag }: { tag: PolicyTag }) {
  const trpc = useTRPC();
  const id = useId();
  const invalidate = useInvalidatePolicies();
  const [rules, setRules] = useState<Rules>(() => rulesOf(tag));
  const [defaultDeny, setDefaultDeny] = useState(tag.defaultDeny);
  const [description, setDescription] = useState(tag.description);
  const [reason, setReason] = useState("");
  const save = useMutation(
    trpc.policies.saveTag.mutationOptions({
      onSuccess: (saved) => {
        setRules(rulesOf(saved));
        setDefaultDeny(saved.defaultDeny);
        setDescription(saved.description);
        setReason("");
        invalidate();
      },
    }),
  );
  const saved = rulesOf(tag);
  const changedRoles = ROLES.filter((r) => !sameRule(rules[r], saved[r]));
  const changed =
    changedRoles.length > 0 || defaultDeny !== tag.defaultDeny || description.trim() !== tag.description;
  const problems = fieldIssues(save.error);
  const invalid = ROLES.some((r) => ruleProblem(rules[r]));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!changed || invalid || !reason.trim()) return;
    save.mutate({
      tag: tag.name,
      reason,
      description,
      defaultDeny,
      rules: ROLES.map((role) => ({ role, rule: rules[role] ?? null })),
    });
  };
  return (
    <form
      onSubmit={submit}
      className="border-gray-100 border-t px-5 py-4"
      aria-labelledby={`${id}-name`}
      data-testid={`policy-tag-${tag.name}`}
    >
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h3 id={`${id}-name`} className="font-mono font-semibold text-gray-900 text-sm">
          {tag.name}
        </h3>
        <span className="text-gray-500 text-xs">
          On {formatCount(tag.columns)} {tag.columns === 1 ? "column" : "columns"}
        </span>
      </div>
      <div className="mt-2 grid gap-3 lg:grid-cols-[1fr_auto]">
        <div>
          <Label htmlFor={`${id}-description`} className="text-xs">
            Description
          </Label>
          <Input
            id={`${id}-description`}
            value={description}
            onChange={(event) => setDescription(event.target.value)}
            maxLength={500}
            className="mt-1 h-8"
          />
        </div>
        <label className="flex items-center gap-2 self-end pb-1.5 text-sm">
          <input
            type="checkbox"
            checked={defaultDeny}
            onChange={(event) => setDefaultDeny(event.target.checked)}
          />
          Deny to roles without a rule
        </label>
      </div>
      <div className="mt-3 grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5">
        {ROLES.map((role) => (
          <div
            key={role}
            className={clsx(
              "rounded p-1.5",
              changedRoles.includes(role) && "bg-amber-50 ring-1 ring-amber-300",
            )}
          >
            <div className="mb-1 font-medium text-gray-600 text-xs">{ROLE_LABELS[role]}</div>
            <RuleEditor
              rule={rules[role]}
              label={`${ROLE_LABELS[role]}'s rule for tag ${tag.name}`}
              onChange={(rule) => {
                const next = { ...rules };
                if (rule) next[role] = rule;
                else delete next[role];
                setRules(next);
              }}
              invalid={ruleProblem(rules[role]) !== undefined}
            />
            {ruleProblem(rules[role]) ? (
              <p role="alert" className="mt-1 text-[11px] text-red-700">
                {ruleProblem(rules[role])}
              </p>
            ) : null}
          </div>
        ))}
      </div>
      {changed ? (
        <div className="mt-3 flex flex-wrap items-end gap-2">
          <div className="min-w-64 flex-1">
            <Label htmlFor={`${id}-reason`} className="text-xs">
              Reason (required)
            </Label>
            <Input
              id={`${id}-reason`}
              value={reason}
              onChange={(event) => setReason(event.target.value)}
              maxLength={500}
              placeholder="Why the tag's rules change; goes to the audit log"
              aria-invalid={problems.reason ? true : undefined}
              className="mt-1 h-8"
            />
          </div>
          <Button
            variant="secondary"
            size="sm"
            onClick={() => {
              setRules(saved);
              setDefaultDeny(tag.defaultDeny);
              setDescription(tag.description);
              save.reset();
            }}
          >
            Discard
          </Button>
          <Button type="submit" size="sm" loading={save.isPending} disabled={invalid || !reason.trim()}>
            Save tag
          </Button>
        </div>
      ) : null}
      {save.isError ? (
        <p role="alert" className="mt-2 text-red-700 text-xs">
          {describeError(save.error)}
        </p>
      ) : null}
    </form>
  );
}

function NewTagForm() {
  const trpc = useTRPC();
  const id = useId();
  const invalidate = useInvalidatePolicies();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [problem, setProblem] = useState<string | undefined>();
  const create = useMutation(
    trpc.policies.createTag.mutationOptions({
      onSuccess: () => {
        setName("");
        setDescription("");
        invalidate();
      },
    }),
  );
  const shown =
    problem ?? fieldIssues(create.error).name ?? (create.isError ? describeError(create.error) : undefined);
  return (
    <form
      className="flex flex-wrap items-end gap-3 px-5 py-4"
      onSubmit={(event) => {
        event.preventDefault();
        const parsed = normalizeTag(name);
        if ("problem" in parsed) {
          setProblem(parsed.problem);
          return;
        }
        setProblem(undefined);
        create.mutate({ name: parsed.tag, description });
      }}
    >
      <div className="w-48">
        <Label htmlFor={`${id}-name`}>New tag</Label>
        <Input
          id={`${id}-name`}
          value={name}
          onChange={(event) => {
            setName(event.target.value);
            setProblem(undefined);
          }}
          maxLength={40}
          placeholder="e.g. health"
          aria-invalid={shown ? true : undefined}
          aria-describedby={shown ? `${id}-problem` : undefined}
          className="mt-1 font-mono"
        />
      </div>
      <div className="min-w-64 flex-1">
        <Label htmlFor={`${id}-description`}>Description</Label>
        <Input
          id={`${id}-description`}
          value={description}
          onChange={(event) => setDescription(event.target.value)}
          maxLength={500}
          placeholder="What data carries it"
          className="mt-1"
        />
      </div>
      <Button
        type="submit"
        variant="secondary"
        loading={create.isPending}
        icon={<Plus className="size-4" aria-hidden="true" />}
      >
        Create tag
      </Button>
      {shown ? (
        <p id={`${id}-problem`} role="alert" className="w-full text-red-700 text-xs">
          {shown}
        </p>
      ) : null}
    </form>
  );
}

export function TagsPanel() {
  const trpc = useTRPC();
  const tags = useQuery(trpc.policies.tags.queryOptions());
  return (
    <div>
      <CardHeader
        title="Tags"
        description="A tag's rules hold for every column carrying it, in every table, now and later. Where a column's own rule differs, the stricter wins."
      />
      {tags.isPending ? (
        <div role="status" aria-busy="true" aria-label="Loading tags" className="space-y-3 px-5 py-4">
          <Skeleton className="h-24 w-full" />
          <Skeleton className="h-24 w-full" />
        </div>
      ) : tags.isError ? (
        <QueryError
          error={tags.error}
          sectionLabel="Policies"
          onRetry={() => void tags.refetch()}
          retrying={tags.isFetching}
        />
      ) : tags.data.tags.length === 0 ? (
        <EmptyState
          icon={Tags}
          title="No tags yet"
          description="Create one below, or type one on a column."
        />
      ) : (
        tags.data.tags.map((t) => (
          <TagEditor key={`${t.name}:${JSON.stringify(t.rules)}:${t.defaultDeny}:${t.description}`} tag={t} />
        ))
      )}
      <div className="border-gray-100 border-t bg-gray-50/50">
        <NewTagForm />
      </div>
    </div>
  );
}
