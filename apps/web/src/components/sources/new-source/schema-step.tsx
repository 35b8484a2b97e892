"use client";
// Step 2: how events are checked. A schema inferred from a pasted or uploaded sample (shown beside the
// sample, editable), one written in the editor, or none (each payload kept whole as JSON).
import { Sparkles, Upload } from "lucide-react";
import type { ChangeEvent } from "react";
import { JsonSchemaEditor } from "@/components/schema/json-schema-editor";
import { Button, buttonClasses } from "@/components/ui/button";
import { Label } from "@/components/ui/input";
import { formatCount } from "@/lib/format";
import { describedBy, FieldError, FieldHint, fieldIds, RadioCards } from "./wizard-field";
import {
  type FieldErrors,
  type SchemaMode,
  sampleKindOf,
  sampleSizeProblem,
  type WizardValues,
} from "./wizard-model";

const MODE_OPTIONS: readonly { value: SchemaMode; label: string; description: string }[] = [
  {
    value: "infer",
    label: "Infer from a sample",
    description: "Paste or upload NDJSON, a JSON array or CSV with a header; edit the result.",
  },
  {
    value: "write",
    label: "Write a schema",
    description: "A JSON Schema that every event is checked against.",
  },
  { value: "none", label: "Schemaless", description: "No checks: each payload is kept whole as JSON." },
];

const SCHEMA_TEMPLATE = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "properties": {
    "id": { "type": "string" },
    "time": { "type": "string", "format": "date-time" }
  },
  "required": ["id", "time"]
}
`;

const FORMAT_LABELS: Record<string, string> = {
  ndjson: "NDJSON",
  "json-array": "JSON array",
  json: "JSON",
  csv: "CSV",
};

export interface InferenceSummary {
  format: string;
  rows: number;
}

export function SchemaStep({
  values,
  errors,
  inference,
  inferring,
  onChange,
  onInfer,
  onFieldError,
}: {
  values: WizardValues;
  errors: FieldErrors;
  inference: InferenceSummary | undefined;
  inferring: boolean;
  onChange: (patch: Partial<WizardValues>) => void;
  onInfer: () => void;
  onFieldError: (field: string, message: string) => void;
}) {
  const sampleIds = fieldIds("sample");

  const readFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = "";
    if (!file) return;
    const tooLarge = sampleSizeProblem(file.size, file.name);
    if (tooLarge) {
      onFieldError("sample", tooLarge);
      return;
    }
    onChange({ sample: await file.text(), sampleFile: file.name, sampleKind: sampleKindOf(file.name) });
  };

  const editor = (
    <div id={fieldIds("schema").control}>
      <JsonSchemaEditor
        ariaLabel="JSON Schema"
        value={values.schemaText}
        onChange={(schemaText) => onChange({ schemaText })}
        errors={errors.schema ? [errors.schema] : []}
        height="24rem"
      />
    </div>
  );

  return (
    <div className="space-y-5">
      <RadioCards
        field="schemaMode"
        name="schemaMode"
        legend="How are events checked?"
        value={values.schemaMode}
        options={MODE_OPTIONS}
        onChange={(schemaMode) =>
          onChange(
            schemaMode === "write" && values.schemaText.trim() === ""
              ? { schemaMode, schemaText: SCHEMA_TEMPLATE }
              : { schemaMode },
          )
        }
      />

      {values.schemaMode === "infer" ? (
        <div className="grid gap-5 lg:grid-cols-2">
          <div className="min-w-0">
            <Label htmlFor={sampleIds.control}>Sample</Label>
            <textarea
              id={sampleIds.control}
              value={values.sample}
              rows={16}
              spellCheck={false}
              placeholder={'{"id": "e1", "time": "2026-01-02T03:04:05Z", "amount": 12.5}\n{"id": "e2", …}'}
              aria-invalid={errors.sample ? true : undefined}
              aria-describedby={describedBy("sample", true, errors.sample)}
              onChange={(e) =>
                onChange({ sample: e.target.value, sampleFile: undefined, sampleKind: undefined })
              }
              className="mt-2 block h-[24rem] w-full resize-y rounded-md border border-gray-300 px-3 py-2 font-mono text-gray-900 text-xs shadow-xs focus:border-accent-500 focus:outline-none focus:ring-3 focus:ring-accent-500/20 aria-invalid:border-red-400"
            />
            <FieldError field="sample" message={errors.sample} />
            <FieldHint field="sample">
              {values.sampleFile ? `From ${values.sampleFile}. ` : ""}NDJSON (one object per line), a JSON
              array of objects, or CSV with a header row; at most 5 MB and 10,000 rows.
            </FieldHint>
            <div className="mt-3 flex flex-wrap items-center gap-2">
              <Button
                variant="secondary"
                loading={inferring}
                disabled={values.sample.trim() === ""}
                icon={<Sparkles className="size-4" aria-hidden="true" />}
                onClick={onInfer}
              >
                Infer schema
              </Button>
              <label
                className={buttonClasses(
                  "ghost",
                  "md",
                  "cursor-pointer has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-offset-2 has-[:focus-visible]:outline-accent-500",
                )}
              >
                <Upload className="size-4" aria-hidden="true" />
                Upload a file
                <input
                  type="file"
                  accept=".json,.ndjson,.jsonl,.csv,application/json,text/csv"
                  className="sr-only"
                  aria-label="Upload a sample file"
                  onChange={(e) => void readFile(e)}
                />
              </label>
            </div>
          </div>
          <section aria-labelledby="new-source-inferred-title" className="min-w-0">
            <h3 id="new-source-inferred-title" className="font-medium text-gray-900 text-sm">
              Inferred schema{" "}
              <span className="font-normal text-gray-500">
                {inference
                  ? `(from ${formatCount(inference.rows)} ${FORMAT_LABELS[inference.format] ?? inference.format} ${inference.rows === 1 ? "row" : "rows"}; edit it as needed)`
                  : ""}
              </span>
            </h3>
            <div className="mt-2">
              {values.schemaText.trim() === "" ? (
                <div className="flex h-[24rem] items-center justify-center rounded-md border border-gray-300 border-dashed px-6 text-center text-gray-500 text-sm">
                  The schema inferred from the sample appears here, ready to edit.
                </div>
              ) : (
                editor
              )}
            </div>
          </section>
        </div>
      ) : null}

      {values.schemaMode === "write" ? (
        <section aria-labelledby="new-source-write-title">
          <h3 id="new-source-write-title" className="font-medium text-gray-900 text-sm">
            JSON Schema
          </h3>
          <p className="mt-0.5 text-gray-500 text-xs">
            Draft 2020-12 (draft-07 schemas read the same). Each declared property becomes a column of the
            curated table.
          </p>
          <div className="mt-2">{editor}</div>
        </section>
      ) : null}

      {values.schemaMode === "none" ? (
        <p className="rounded-md bg-gray-50 px-4 py-3 text-gray-700 text-sm ring-1 ring-gray-200 ring-inset">
          Events are not checked. Each payload is stored whole in the curated table's <code>_payload</code>{" "}
          column as JSON; the event id and time are still read from the fields you name next. A schema can be
          registered later.
        </p>
      ) : null}
    </div>
  );
}
