"use client";
// The inputs above the editor for the `{{name}}` parameters the SQL uses: each one's type (date,
// number, text or a list of values) and its value, typed to match, with its problem beside it.
import { useId } from "react";
import { Input } from "@/components/ui/input";
import {
  type DeclaredParameter,
  PARAMETER_TYPE_LABELS,
  PARAMETER_TYPES,
  type ParameterDrafts,
  type ParameterType,
} from "./sql-parameters";

function ParameterField({
  parameter,
  draft,
  problem,
  onType,
  onDraft,
  disabled,
}: {
  parameter: DeclaredParameter;
  draft: string;
  problem: string | undefined;
  onType: (type: ParameterType) => void;
  onDraft: (value: string) => void;
  disabled: boolean;
}) {
  const id = useId();
  const valueId = `${id}-value`;
  const problemId = `${id}-problem`;
  const { name, type } = parameter;
  const shared = {
    id: valueId,
    value: draft,
    disabled,
    "aria-label": `Value of ${name}`,
    "aria-invalid": problem ? true : undefined,
    "aria-describedby": problem ? problemId : undefined,
  };
  return (
    <div className="min-w-44">
      <div className="flex items-center justify-between gap-2">
        <label htmlFor={valueId} className="font-medium font-mono text-gray-700 text-xs">
          {name}
        </label>
        <select
          aria-label={`Type of ${name}`}
          value={type}
          disabled={disabled}
          onChange={(event) => onType(event.target.value as ParameterType)}
          className="rounded border-0 bg-transparent py-0 pr-1 text-gray-500 text-xs focus:outline-2 focus:outline-accent-500"
        >
          {PARAMETER_TYPES.map((t) => (
            <option key={t} value={t}>
              {PARAMETER_TYPE_LABELS[t]}
            </option>
          ))}
        </select>
      </div>
      <div className="mt-1">
        {type === "list" ? (
          <textarea
            {...shared}
            rows={2}
            placeholder="One value per line"
            onChange={(event) => onDraft(event.target.value)}
            className="block w-full rounded-md border border-gray-300 px-2.5 py-1.5 font-mono text-sm shadow-xs focus:border-accent-500 focus:outline-none focus:ring-3 focus:ring-accent-500/20 aria-invalid:border-red-400"
          />
        ) : (
          <Input
            {...shared}
            type={type === "date" ? "date" : type === "number" ? "number" : "text"}
            inputMode={type === "number" ? "decimal" : undefined}
            step={type === "number" ? "any" : undefined}
            onChange={(event) => onDraft(event.target.value)}
            className="h-8 font-mono"
          />
        )}
      </div>
      {problem ? (
        <p id={problemId} className="mt-1 text-red-700 text-xs">
          {problem}
        </p>
      ) : null}
    </div>
  );
}

export function ParameterInputs({
  parameters,
  drafts,
  problems,
  onTypeChange,
  onDraftChange,
  disabled = false,
}: {
  parameters: readonly DeclaredParameter[];
  drafts: ParameterDrafts;
  /** Shown beside each input (after a run was tried, or for a value that cannot be read). */
  problems: Record<string, string>;
  onTypeChange: (name: string, type: ParameterType) => void;
  onDraftChange: (name: string, value: string) => void;
  disabled?: boolean;
}) {
  if (parameters.length === 0) return null;
  return (
    <fieldset className="rounded-md border border-gray-200 bg-gray-50/60 px-3 py-2.5">
      <legend className="px-1 font-medium text-gray-600 text-xs">Parameters</legend>
      <div className="flex flex-wrap gap-x-4 gap-y-3">
        {parameters.map((p) => (
          <ParameterField
            key={p.name}
            parameter={p}
            draft={drafts[p.name] ?? ""}
            problem={problems[p.name]}
            onType={(type) => onTypeChange(p.name, type)}
            onDraft={(value) => onDraftChange(p.name, value)}
            disabled={disabled}
          />
        ))}
      </div>
    </fieldset>
  );
}
