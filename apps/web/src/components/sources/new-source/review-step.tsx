// Step 4: everything the source will be created with, each part with a way back to change it.
import type { ReactNode } from "react";
import { Button } from "@/components/ui/button";
import type { InferenceSummary } from "./schema-step";
import {
  KIND_OPTIONS,
  NO_TIME_FIELD,
  parseSchemaText,
  STEPS,
  type StepId,
  topLevelProperties,
  type WizardValues,
} from "./wizard-model";

function Row({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-3 gap-4 py-2">
      <dt className="text-gray-500 text-sm">{term}</dt>
      <dd className="col-span-2 break-words text-gray-900 text-sm">{children}</dd>
    </div>
  );
}

function schemaSummary(values: WizardValues, inference: InferenceSummary | undefined): string {
  if (values.schemaMode === "none") return "Schemaless: payloads kept whole as JSON, unchecked";
  const parsed = parseSchemaText(values.schemaText);
  const count = parsed.ok ? topLevelProperties(parsed.schema).length : 0;
  const properties = `${count} top-level ${count === 1 ? "property" : "properties"}`;
  if (values.schemaMode === "infer" && inference) {
    return `Inferred from a sample of ${inference.rows} ${inference.rows === 1 ? "row" : "rows"}; ${properties}`;
  }
  return `Written JSON Schema; ${properties}`;
}

export function ReviewStep({
  values,
  inference,
  onEdit,
}: {
  values: WizardValues;
  inference: InferenceSummary | undefined;
  onEdit: (step: StepId) => void;
}) {
  const section = (step: StepId, rows: ReactNode) => {
    const title = STEPS.find((s) => s.id === step)?.title ?? step;
    return (
      <section aria-label={title} className="rounded-md border border-gray-200">
        <div className="flex items-center justify-between border-gray-100 border-b px-4 py-2">
          <h3 className="font-medium text-gray-900 text-sm">{title}</h3>
          <Button
            variant="ghost"
            size="sm"
            onClick={() => onEdit(step)}
            aria-label={`Edit ${title.toLowerCase()}`}
          >
            Edit
          </Button>
        </div>
        <dl className="divide-y divide-gray-100 px-4">{rows}</dl>
      </section>
    );
  };
  const kind = KIND_OPTIONS.find((k) => k.value === values.kind)?.label ?? values.kind;
  return (
    <div className="space-y-4">
      {section(
        "details",
        <>
          <Row term="Name">{values.name}</Row>
          <Row term="Slug">
            <span className="font-mono">{values.slug}</span>{" "}
            <span className="text-gray-500">(table curated.{values.slug})</span>
          </Row>
          {values.description.trim() ? <Row term="Description">{values.description}</Row> : null}
          <Row term="Kind">{kind}</Row>
        </>,
      )}
      {section("schema", <Row term="Schema">{schemaSummary(values, inference)}</Row>)}
      {section(
        "fields",
        <>
          <Row term="Event-id field">
            <span className="font-mono">{values.idField}</span>
          </Row>
          <Row term="Event-time field">
            {values.timeField === NO_TIME_FIELD ? (
              "None: an NDJSON event is stored at the time it is received (a CloudEvent keeps its time attribute)"
            ) : (
              <span className="font-mono">{values.timeField}</span>
            )}
          </Row>
          <Row term="Partitioning">
            Event date
            {values.partitionProperty && values.schemaMode !== "none"
              ? `, then ${values.partitionProperty}`
              : ""}
          </Row>
          <Row term="Curated retention">{values.retentionDays} days</Row>
          <Row term="Raw retention">{values.rawRetentionDays} days</Row>
          {values.schemaMode === "none" ? null : (
            <Row term="Compatibility">{values.compatibility.toUpperCase()}</Row>
          )}
        </>,
      )}
    </div>
  );
}
