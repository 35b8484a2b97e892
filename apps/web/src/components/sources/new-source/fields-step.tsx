// Step 3: the fields that give each event its id and time, partitioning (event date, optionally one
// low-cardinality property), how long curated and raw data are kept, and the schema's compatibility mode.
import { SelectField, TextField } from "./wizard-field";
import {
  COMPATIBILITY_OPTIONS,
  type Compatibility,
  DEFAULT_RAW_RETENTION_DAYS,
  DEFAULT_RETENTION_DAYS,
  type FieldErrors,
  NO_TIME_FIELD,
  partitionCandidates,
  type SchemaProperty,
  type WizardValues,
} from "./wizard-model";

const COMPATIBILITY_HINTS: Record<Compatibility, string> = {
  backward: "A new version must accept every event the previous one accepted (the default).",
  backward_transitive: "A new version must accept every event any earlier version accepted.",
  forward: "Events valid under a new version must be valid under the previous one.",
  forward_transitive: "Events valid under a new version must be valid under every earlier one.",
  full: "Both backward and forward, against the previous version.",
  full_transitive: "Both backward and forward, against every earlier version.",
  none: "Any new version is accepted.",
};

function typeLabel(p: SchemaProperty): string {
  const types = p.types.filter((t) => t !== "null");
  return types.length > 0 ? ` (${types.join(" or ")})` : "";
}

/** The properties offered for a field, plus the current value when it is a nested path not among them. */
function fieldOptions(properties: readonly SchemaProperty[], current: string) {
  const names = properties.map((p) => ({ value: p.name, label: `${p.name}${typeLabel(p)}` }));
  if (current !== "" && !properties.some((p) => p.name === current))
    names.push({ value: current, label: current });
  return names;
}

export function FieldsStep({
  values,
  errors,
  properties,
  onChange,
}: {
  values: WizardValues;
  errors: FieldErrors;
  /** The schema's top-level properties; empty for a schemaless source. */
  properties: readonly SchemaProperty[];
  onChange: (patch: Partial<WizardValues>) => void;
}) {
  const schemaless = values.schemaMode === "none";
  const partitions = partitionCandidates(properties, values.idField);
  return (
    <div className="space-y-6">
      <fieldset className="space-y-4">
        <legend className="font-medium text-gray-900 text-sm">Event identity</legend>
        <div className="grid gap-4 sm:grid-cols-2">
          {schemaless ? (
            <>
              <TextField
                field="idField"
                label="Event-id field"
                value={values.idField}
                spellCheck={false}
                error={errors.idField}
                hint="A field of each payload (a dotted path like meta.id is fine); an event without one is given an id."
                onChange={(e) => onChange({ idField: e.target.value })}
              />
              <TextField
                field="timeField"
                label="Event-time field"
                value={values.timeField}
                spellCheck={false}
                error={errors.timeField}
                hint="ISO 8601 or epoch milliseconds; the time of ingest when absent."
                onChange={(e) => onChange({ timeField: e.target.value })}
              />
            </>
          ) : (
            <>
              <SelectField
                field="idField"
                label="Event-id field"
                value={values.idField}
                error={errors.idField}
                hint="Events with the same id are stored once."
                onChange={(e) => onChange({ idField: e.target.value })}
              >
                <option value="">Choose a field…</option>
                {fieldOptions(properties, values.idField).map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </SelectField>
              <SelectField
                field="timeField"
                label="Event-time field"
                value={values.timeField}
                error={errors.timeField}
                hint="Partitions by this date; ISO 8601 or epoch milliseconds."
                onChange={(e) => onChange({ timeField: e.target.value })}
              >
                <option value="">Choose a field…</option>
                {fieldOptions(properties, values.timeField).map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
                <option value={NO_TIME_FIELD}>None: store each event at the time it is received</option>
              </SelectField>
            </>
          )}
        </div>
      </fieldset>

      <fieldset className="space-y-3">
        <legend className="font-medium text-gray-900 text-sm">Partitioning</legend>
        <p className="text-gray-600 text-sm">
          Curated files are partitioned by event date (<code>dt=YYYY-MM-DD</code>)
          {schemaless ? "." : ", then optionally by one property with few distinct values, such as a region."}
        </p>
        {schemaless ? null : (
          <SelectField
            field="partitionProperty"
            label="Extra partition property"
            className="max-w-md"
            value={values.partitionProperty}
            error={errors.partitionProperty}
            hint={
              partitions.length === 0
                ? "The schema has no string, integer or boolean property to partition by."
                : "Only string, integer and boolean properties; choose one with few distinct values."
            }
            onChange={(e) => onChange({ partitionProperty: e.target.value })}
          >
            <option value="">None (event date only)</option>
            {partitions.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name}
                {typeLabel(p)}
              </option>
            ))}
          </SelectField>
        )}
      </fieldset>

      <fieldset className="space-y-3">
        <legend className="font-medium text-gray-900 text-sm">Retention</legend>
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField
            field="retentionDays"
            label="Curated retention (days)"
            type="number"
            inputMode="numeric"
            min={1}
            max={3650}
            step={1}
            value={values.retentionDays}
            error={errors.retentionDays}
            hint={`Curated partitions older than this are deleted; default ${DEFAULT_RETENTION_DAYS}, at most 3,650.`}
            onChange={(e) => onChange({ retentionDays: e.target.value })}
          />
          <TextField
            field="rawRetentionDays"
            label="Raw retention (days)"
            type="number"
            inputMode="numeric"
            min={1}
            max={3650}
            step={1}
            value={values.rawRetentionDays}
            error={errors.rawRetentionDays}
            hint={`Raw batches as received, kept for replays; default ${DEFAULT_RAW_RETENTION_DAYS}.`}
            onChange={(e) => onChange({ rawRetentionDays: e.target.value })}
          />
        </div>
      </fieldset>

      {schemaless ? null : (
        <SelectField
          field="compatibility"
          label="Compatibility mode"
          className="max-w-md"
          value={values.compatibility}
          error={errors.compatibility}
          hint={COMPATIBILITY_HINTS[values.compatibility]}
          onChange={(e) =>
            onChange({ compatibility: COMPATIBILITY_OPTIONS.find((m) => m === e.target.value) ?? "backward" })
          }
        >
          {COMPATIBILITY_OPTIONS.map((mode) => (
            <option key={mode} value={mode}>
              {mode.toUpperCase()}
              {mode === "backward" ? " (default)" : ""}
            </option>
          ))}
        </SelectField>
      )}
    </div>
  );
}
