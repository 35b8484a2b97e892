// What registering a candidate schema would do, as the check found it: the compatibility verdict
// (each problem naming the field, the change and the rule), the meaning-level diff against the active
// version, the curated columns it adds (with the tags its schema gives them and the rule each role
// would get) or retypes, and what downstream reads each changed column.
import { CircleCheck, CircleX, Equal } from "lucide-react";
import type { ReactNode } from "react";
import { type AddedColumn, accessLine } from "./added-column-access";
import { modeName } from "./compatibility-modes";
import { SchemaChangesList } from "./schema-changes-list";
import type { ColumnImpact, SchemaCheck } from "./schema-registry-outputs";

function Verdict({ check }: { check: SchemaCheck }) {
  const mode = modeName(check.compatibility);
  if (check.identical) {
    return (
      <div
        role="status"
        className="flex gap-2 rounded-md bg-gray-50 px-4 py-3 text-gray-800 text-sm ring-1 ring-gray-200 ring-inset"
      >
        <Equal className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
        <p>Identical to version {check.activeVersion}, the active version: there is nothing to register.</p>
      </div>
    );
  }
  if (check.compatible) {
    return (
      <div
        role="status"
        className="flex gap-2 rounded-md bg-emerald-50 px-4 py-3 text-emerald-900 text-sm ring-1 ring-emerald-200 ring-inset"
      >
        <CircleCheck className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
        <p>
          Compatible under {mode}: it can be registered as version {check.nextVersion}.
        </p>
      </div>
    );
  }
  return (
    <div
      role="alert"
      className="rounded-md bg-red-50 px-4 py-3 text-red-900 text-sm ring-1 ring-red-200 ring-inset"
    >
      <p className="flex gap-2 font-medium">
        <CircleX className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
        Not compatible under {mode}: version {check.nextVersion} would be refused.
      </p>
      <ul aria-label="Compatibility problems" className="mt-2 space-y-2">
        {check.problems.map((problem) => (
          <li
            key={`${problem.path}|${problem.version ?? ""}|${problem.change}`}
            className="rounded bg-white/70 px-3 py-2 ring-1 ring-red-100"
          >
            <dl className="grid grid-cols-[5rem_1fr] gap-x-2 gap-y-0.5 text-xs">
              <dt className="text-red-700">Field</dt>
              <dd className="font-mono">{problem.field || "(the event)"}</dd>
              <dt className="text-red-700">Change</dt>
              <dd>{problem.change}</dd>
              <dt className="text-red-700">Rule</dt>
              <dd>{problem.rule}</dd>
            </dl>
            <p className="mt-1 text-red-800 text-xs">{problem.reason}.</p>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  const id = `check-${title.toLowerCase().replace(/[^a-z]+/g, "-")}`;
  return (
    <section aria-labelledby={id} className="space-y-2">
      <h3 id={id} className="font-semibold text-gray-900 text-sm">
        {title}
      </h3>
      {children}
    </section>
  );
}

function ImpactList({ title, column, items }: { title: string; column: string; items: ReactNode[] }) {
  return (
    <div>
      <h5 className="font-medium text-gray-600 text-xs">{title}</h5>
      {items.length === 0 ? (
        <p className="text-gray-400 text-xs">None reference {column}.</p>
      ) : (
        <ul aria-label={`${title} reading ${column}`} className="list-disc pl-4 text-gray-800 text-xs">
          {items}
        </ul>
      )}
    </div>
  );
}

function ColumnImpactCard({ impact }: { impact: ColumnImpact }) {
  return (
    <li className="rounded-md px-3 py-2 ring-1 ring-gray-200 ring-inset">
      <h4 className="text-sm">
        <span className="font-medium font-mono">{impact.column}</span>{" "}
        <span className="text-gray-600">{impact.changes.join("; ")}</span>
        {impact.removed ? (
          <span className="text-gray-500 text-xs"> · old rows keep it; new rows read NULL</span>
        ) : null}
      </h4>
      <div className="mt-2 grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
        <ImpactList
          title="Saved queries"
          column={impact.column}
          items={impact.savedQueries.map((q) => (
            <li key={q.id}>
              {q.name}
              {q.owner ? <span className="text-gray-500"> ({q.owner})</span> : null}
            </li>
          ))}
        />
        <ImpactList
          title="Analytics tables"
          column={impact.column}
          items={impact.analyticsTables.map((t) => (
            <li key={t.name} className="font-mono">
              {t.name}
            </li>
          ))}
        />
        <ImpactList
          title="Column policies"
          column={impact.column}
          items={impact.columnPolicies.map((p) => (
            <li key={`${p.role}|${p.action}`}>
              {p.role}: {p.action}
            </li>
          ))}
        />
        <ImpactList
          title="Row filters"
          column={impact.column}
          items={impact.rowFilters.map((f) => (
            <li key={`${f.role}|${f.predicate}`}>
              {f.role}: <span className="font-mono">{f.predicate}</span>
            </li>
          ))}
        />
      </div>
    </li>
  );
}

function AddedColumnItem({ column }: { column: AddedColumn }) {
  return (
    <li>
      <span className="font-mono">{column.name}</span> <span className="text-gray-500">{column.type}</span>{" "}
      added: rows written before it read NULL there.
      {column.tags.length > 0 ? (
        <span className="text-gray-600 text-xs"> Tags from the schema: {column.tags.join(", ")}.</span>
      ) : null}
      <ul aria-label={`Who may read ${column.name}`} className="mt-0.5 pl-4 text-gray-600 text-xs">
        {column.access.map((a) => (
          <li key={a.roles.join(",")}>{accessLine(a)}</li>
        ))}
      </ul>
    </li>
  );
}

export function CheckResult({ check }: { check: SchemaCheck }) {
  return (
    <div className="space-y-5">
      <Verdict check={check} />
      <Section title={`Changes from version ${check.activeVersion}`}>
        <SchemaChangesList
          changes={check.changes}
          label={`Changes from version ${check.activeVersion} to the new version`}
        />
      </Section>
      <Section title="Curated columns">
        {check.columnsAdded.length === 0 && check.columnsRetyped.length === 0 ? (
          <p className="text-gray-500 text-sm">No column is added or retyped.</p>
        ) : (
          <ul aria-label="Column changes" className="space-y-1 text-sm">
            {check.columnsAdded.map((c) => (
              <AddedColumnItem key={c.name} column={c} />
            ))}
            {check.columnsRetyped.map((c) => (
              <li key={c.name}>
                <span className="font-mono">{c.name}</span> retyped from {c.from} to {c.to}.
              </li>
            ))}
          </ul>
        )}
      </Section>
      <Section title="Downstream impact">
        {check.impact.length === 0 ? (
          <p className="text-gray-500 text-sm">
            No existing column is changed or removed, so no saved query, analytics table or policy is
            affected.
          </p>
        ) : (
          <ul aria-label="Downstream impact by column" className="space-y-2">
            {check.impact.map((impact) => (
              <ColumnImpactCard key={impact.column} impact={impact} />
            ))}
          </ul>
        )}
      </Section>
    </div>
  );
}
