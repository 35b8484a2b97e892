"use client";
// The grid of a table's columns × roles: each cell the column's own rule for the role, with what holds
// instead when a tag or a default decides ("masked by tag pii (overrides allow)"); each column's tags.
// Cells that differ from the saved policy are highlighted.
import { ROLE_LABELS, ROLES, type Role } from "@inlet/db/roles";
import { clsx } from "clsx";
import { Table, TBody, Td, THead, Th, Tr } from "@/components/ui/table";
import { ColumnTagsEditor } from "./column-tags-editor";
import {
  type Draft,
  effectiveNote,
  resolveRule,
  ruleProblem,
  sameRule,
  type TagRules,
  targetKey,
} from "./policy-draft";
import type { ColumnRule, PolicyColumn } from "./policy-types";
import { RuleEditor } from "./rule-editor";

function RuleCell({
  column,
  role,
  draft,
  saved,
  tags,
  problem,
  onChange,
}: {
  column: string;
  role: Role;
  draft: Draft;
  saved: Draft;
  tags: readonly TagRules[];
  problem: string | undefined;
  onChange: (rule: ColumnRule | null) => void;
}) {
  const own = draft.rules[column]?.[role];
  const changed = !sameRule(own, saved.rules[column]?.[role]);
  const resolved = resolveRule(draft, tags, column, role);
  const note = effectiveNote(own, resolved);
  const shownProblem = ruleProblem(own) ?? problem;
  const testId = `policy-cell-${column}-${role}`;
  const problemId = `${testId}-problem`;
  const noteTone =
    resolved.rule.action === "deny"
      ? "text-red-700"
      : resolved.rule.action === "allow"
        ? "text-gray-500"
        : "text-amber-800";
  return (
    <Td
      className={clsx(
        "min-w-32 px-2! py-2! align-top",
        changed && "bg-amber-50 ring-1 ring-amber-300 ring-inset",
      )}
      data-testid={testId}
      data-changed={changed || undefined}
      data-effective={resolved.rule.action}
    >
      <RuleEditor
        rule={own}
        onChange={onChange}
        label={`${ROLE_LABELS[role]}'s rule for ${column}`}
        invalid={shownProblem !== undefined}
        describedBy={shownProblem ? problemId : note ? `${testId}-note` : undefined}
        testId={testId}
      />
      {note ? (
        <p
          id={`${testId}-note`}
          className={clsx("mt-1 text-[11px] leading-tight", noteTone)}
          data-testid={`${testId}-note`}
        >
          {note}
        </p>
      ) : null}
      {shownProblem ? (
        <p id={problemId} role="alert" className="mt-1 text-[11px] text-red-700 leading-tight">
          {shownProblem}
        </p>
      ) : null}
    </Td>
  );
}

export function PolicyGrid({
  columns,
  draft,
  saved,
  tags,
  knownTags,
  problems,
  onChange,
}: {
  columns: readonly PolicyColumn[];
  draft: Draft;
  saved: Draft;
  tags: readonly TagRules[];
  knownTags: string[];
  problems: Record<string, string>;
  onChange: (draft: Draft) => void;
}) {
  const setRule = (column: string, role: Role, rule: ColumnRule | null) => {
    const own = { ...(draft.rules[column] ?? {}) };
    if (rule) own[role] = rule;
    else delete own[role];
    onChange({ ...draft, rules: { ...draft.rules, [column]: own } });
  };
  const setTags = (column: string, list: string[]) =>
    onChange({ ...draft, tags: { ...draft.tags, [column]: list } });
  return (
    <Table aria-label="Column rules by role" data-testid="policy-grid">
      <THead>
        <tr>
          {/* Narrow enough that the five roles' rules fit beside them at 1280 px. */}
          <Th className="w-36">Column</Th>
          <Th className="w-44">Tags</Th>
          {ROLES.map((role) => (
            <Th key={role}>{ROLE_LABELS[role]}</Th>
          ))}
        </tr>
      </THead>
      <TBody>
        {columns.map((column) => {
          const tagsChanged =
            [...(draft.tags[column.name] ?? [])].sort().join() !==
            [...(saved.tags[column.name] ?? [])].sort().join();
          return (
            <Tr key={column.name} className="hover:bg-transparent">
              <Td className="align-top">
                <div className="font-medium font-mono text-gray-900 text-xs">{column.name}</div>
                <div className="mt-0.5 font-mono text-[11px] text-gray-500">{column.type}</div>
              </Td>
              <Td className="px-2! py-2! align-top">
                <ColumnTagsEditor
                  column={column.name}
                  tags={draft.tags[column.name] ?? []}
                  known={knownTags}
                  onChange={(list) => setTags(column.name, list)}
                  changed={tagsChanged}
                  problem={problems[targetKey({ kind: "tags", column: column.name })]}
                />
              </Td>
              {ROLES.map((role) => (
                <RuleCell
                  key={role}
                  column={column.name}
                  role={role}
                  draft={draft}
                  saved={saved}
                  tags={tags}
                  problem={problems[targetKey({ kind: "rule", column: column.name, role })]}
                  onChange={(rule) => setRule(column.name, role, rule)}
                />
              ))}
            </Tr>
          );
        })}
      </TBody>
    </Table>
  );
}
