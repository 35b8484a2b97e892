"use client";
// A row filter per role: a SQL condition over the table's columns (empty: the role sees every row),
// checked by the API when the policy is saved or previewed; its complaint shows under the role's box.
// On an analytics table, a role an input's row filter holds sees none of its rows until it has a filter
// here: its box says so.
import { ROLE_LABELS, ROLES, type Role } from "@inlet/db/roles";
import { clsx } from "clsx";
import { Label } from "@/components/ui/input";
import { type Draft, targetKey } from "./policy-draft";

export function RowFiltersEditor({
  draft,
  saved,
  problems,
  heldByInputs = [],
  onChange,
}: {
  draft: Draft;
  saved: Draft;
  problems: Record<string, string>;
  /** Roles an input's row filter holds (analytics tables): no rows without a filter here. */
  heldByInputs?: readonly Role[];
  onChange: (draft: Draft) => void;
}) {
  const set = (role: Role, text: string) =>
    onChange({ ...draft, rowFilters: { ...draft.rowFilters, [role]: text } });
  return (
    <div className="grid gap-4 px-5 py-4 md:grid-cols-2 xl:grid-cols-3">
      {ROLES.map((role) => {
        const id = `policy-filter-${role}`;
        const problem = problems[targetKey({ kind: "filter", role })];
        const changed = draft.rowFilters[role].trim() !== saved.rowFilters[role].trim();
        const held = heldByInputs.includes(role) && draft.rowFilters[role].trim() === "";
        return (
          <div key={role}>
            <Label htmlFor={id} className="flex items-center gap-2">
              {ROLE_LABELS[role]}
              {changed ? <span className="font-normal text-amber-800 text-xs">changed</span> : null}
            </Label>
            <textarea
              id={id}
              value={draft.rowFilters[role]}
              onChange={(event) => set(role, event.target.value)}
              rows={2}
              maxLength={4000}
              spellCheck={false}
              placeholder={held ? "No rows (see below). e.g. region = 'eu'" : "Every row. e.g. region = 'eu'"}
              aria-invalid={problem ? true : undefined}
              aria-describedby={problem ? `${id}-problem` : held ? `${id}-held` : undefined}
              data-testid={id}
              className={clsx(
                "mt-1 block w-full rounded-md border border-gray-300 px-2.5 py-1.5 font-mono text-xs shadow-xs",
                "placeholder:font-sans placeholder:text-gray-400 focus:border-accent-500 focus:outline-none focus:ring-3 focus:ring-accent-500/20",
                "aria-invalid:border-red-400",
                changed && "bg-amber-50 ring-1 ring-amber-300",
              )}
            />
            {held && !problem ? (
              <p id={`${id}-held`} className="mt-1 text-amber-800 text-xs" data-testid={`${id}-held`}>
                No rows: an input table filters this role's rows, and those filters cannot choose this table's
                rows. Set a condition over this table's columns to show the rows it admits.
              </p>
            ) : null}
            {problem ? (
              <p
                id={`${id}-problem`}
                role="alert"
                className="mt-1 text-red-700 text-xs"
                data-testid={`${id}-problem`}
              >
                {problem}
              </p>
            ) : null}
          </div>
        );
      })}
    </div>
  );
}
