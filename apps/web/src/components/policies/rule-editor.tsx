"use client";
// A compact editor of one rule: a select (no rule, allow, deny, mask, mask keeping the last N
// characters, a fixed text, hash) and, for the two masks that take one, an input for N or the text.
// Used by the grid's cells and by a tag's rules.
import { clsx } from "clsx";
import { useId } from "react";
import { choiceOf, RULE_CHOICES, type RuleChoice, ruleOfChoice } from "./policy-draft";
import type { ColumnRule } from "./policy-types";

const control =
  "block w-full rounded border border-gray-300 bg-white px-1.5 text-gray-900 text-xs shadow-xs focus:border-accent-500 focus:outline-none focus:ring-2 focus:ring-accent-500/20 aria-invalid:border-red-400";

export function RuleEditor({
  rule,
  onChange,
  label,
  invalid,
  describedBy,
  testId,
}: {
  rule: ColumnRule | null | undefined;
  onChange: (rule: ColumnRule | null) => void;
  /** The select's accessible name, e.g. "Analyst's rule for email". */
  label: string;
  invalid?: boolean;
  describedBy?: string | undefined;
  testId?: string;
}) {
  const id = useId();
  const choice = choiceOf(rule);
  return (
    <div className="space-y-1">
      <select
        id={id}
        aria-label={label}
        value={choice}
        onChange={(event) => onChange(ruleOfChoice(event.target.value as RuleChoice, rule))}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy}
        data-testid={testId ? `${testId}-select` : undefined}
        className={clsx(control, "h-7", choice === "" && "text-gray-500")}
      >
        {RULE_CHOICES.map((c) => (
          <option key={c.value} value={c.value}>
            {c.label}
          </option>
        ))}
      </select>
      {rule?.action === "mask" && rule.mask.style === "last" ? (
        <label className="flex items-center gap-1 text-[11px] text-gray-600">
          <span className="shrink-0">Keep last</span>
          <input
            type="number"
            min={1}
            max={64}
            step={1}
            value={Number.isFinite(rule.mask.keep) ? rule.mask.keep : ""}
            onChange={(event) =>
              onChange({ action: "mask", mask: { style: "last", keep: event.target.valueAsNumber } })
            }
            aria-invalid={invalid || undefined}
            aria-describedby={describedBy}
            data-testid={testId ? `${testId}-keep` : undefined}
            className={clsx(control, "h-6 w-14")}
          />
          <span className="shrink-0">chars</span>
        </label>
      ) : null}
      {rule?.action === "mask" && rule.mask.style === "fixed" ? (
        <input
          type="text"
          aria-label={`${label}: replacement text`}
          value={rule.mask.replacement}
          maxLength={200}
          onChange={(event) =>
            onChange({ action: "mask", mask: { style: "fixed", replacement: event.target.value } })
          }
          aria-invalid={invalid || undefined}
          aria-describedby={describedBy}
          data-testid={testId ? `${testId}-replacement` : undefined}
          className={clsx(control, "h-6")}
          placeholder="Shown instead"
        />
      ) : null}
    </div>
  );
}
