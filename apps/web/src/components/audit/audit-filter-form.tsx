"use client";
// The Audit page's filter form: actor, action, table (suggesting the lake's tables), from and to in
// local time. Enter or Apply applies it; Clear removes every filter. Problems show beside their field.
import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useId } from "react";
import { Button } from "@/components/ui/button";
import { Input, Label } from "@/components/ui/input";
import { useTRPC } from "@/lib/trpc";
import type { AuditFilterKey, AuditFormValues } from "./audit-filters";

interface FieldSpec {
  key: AuditFilterKey;
  label: string;
  type: "search" | "datetime-local";
  placeholder?: string;
  maxLength?: number;
}

const FIELDS: FieldSpec[] = [
  { key: "actor", label: "Actor", type: "search", placeholder: "Part of an email", maxLength: 200 },
  { key: "action", label: "Action", type: "search", placeholder: "e.g. source.create", maxLength: 100 },
  { key: "table", label: "Table", type: "search", placeholder: "curated.orders", maxLength: 130 },
  { key: "from", label: "From", type: "datetime-local" },
  { key: "to", label: "To", type: "datetime-local" },
];

/** The browser's time zone, as the From and To inputs read it. */
function localZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return "local time";
  }
}

export function AuditFilterForm({
  form,
  problems,
  canClear,
  onChange,
  onApply,
  onClear,
}: {
  form: AuditFormValues;
  problems: Partial<Record<AuditFilterKey, string>>;
  canClear: boolean;
  onChange: (form: AuditFormValues) => void;
  /** Applies the form; answers with the first field at fault, if any. */
  onApply: () => AuditFilterKey | undefined;
  onClear: () => void;
}) {
  const id = useId();
  const trpc = useTRPC();
  const tables = useQuery(trpc.tables.list.queryOptions());
  const tableNames = (tables.data?.tables ?? []).map((t) => t.name);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const wrong = onApply();
    // The first field at fault takes the focus, so its message is read out beside it.
    const field = wrong ? event.currentTarget.elements.namedItem(wrong) : null;
    if (field instanceof HTMLInputElement) field.focus();
  };
  return (
    <form
      aria-label="Filter the audit log"
      className="border-gray-100 border-b px-5 py-3"
      onSubmit={submit}
      noValidate
    >
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-3 2xl:grid-cols-[repeat(3,minmax(0,1fr))_repeat(2,14rem)]">
        {FIELDS.map((field) => {
          const inputId = `${id}-${field.key}`;
          const problem = problems[field.key];
          return (
            <div key={field.key}>
              <Label htmlFor={inputId}>{field.label}</Label>
              <Input
                id={inputId}
                name={field.key}
                type={field.type}
                value={form[field.key]}
                onChange={(event) => onChange({ ...form, [field.key]: event.target.value })}
                placeholder={field.placeholder}
                maxLength={field.maxLength}
                list={field.key === "table" ? `${id}-tables` : undefined}
                autoComplete="off"
                spellCheck={false}
                aria-invalid={problem ? true : undefined}
                aria-describedby={problem ? `${inputId}-problem` : undefined}
                className="mt-1"
              />
              {problem ? (
                <p id={`${inputId}-problem`} className="mt-1 text-red-700 text-xs">
                  {problem}
                </p>
              ) : null}
            </div>
          );
        })}
      </div>
      <div className="mt-3 flex flex-col gap-2 sm:flex-row sm:items-center sm:justify-between">
        <p className="text-gray-500 text-xs">
          From and To are in your time zone ({localZone()}); From is included, To is not.
        </p>
        <div className="flex gap-2">
          <Button type="submit" size="sm">
            Apply filters
          </Button>
          <Button type="button" variant="secondary" size="sm" onClick={onClear} disabled={!canClear}>
            Clear
          </Button>
        </div>
      </div>
      <datalist id={`${id}-tables`}>
        {tableNames.map((name) => (
          <option key={name} value={name} />
        ))}
      </datalist>
    </form>
  );
}
