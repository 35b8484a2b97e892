// Step 1: the source's name, its slug (derived from the name until edited, checked as typed), a
// description and how events arrive.
import { Label } from "@/components/ui/input";
import { Spinner } from "@/components/ui/spinner";
import { describedBy, FieldError, FieldHint, fieldIds, RadioCards, TextField } from "./wizard-field";
import { type FieldErrors, KIND_OPTIONS, type WizardValues } from "./wizard-model";

export type SlugCheck = "idle" | "checking" | "available" | "taken" | "unknown";

export function DetailsStep({
  values,
  errors,
  slugCheck,
  onChange,
}: {
  values: WizardValues;
  errors: FieldErrors;
  slugCheck: SlugCheck;
  onChange: (patch: Partial<WizardValues>) => void;
}) {
  const slugStatus =
    errors.slug || slugCheck === "idle" ? null : (
      <p className="mt-1 flex items-center gap-1.5 text-xs" aria-live="polite">
        {slugCheck === "checking" ? (
          <>
            <Spinner /> <span className="text-gray-500">Checking whether “{values.slug}” is free…</span>
          </>
        ) : slugCheck === "available" ? (
          <span className="text-emerald-700">“{values.slug}” is free</span>
        ) : slugCheck === "unknown" ? (
          <span className="text-gray-500">
            Could not check the slug now; it is checked again when you create.
          </span>
        ) : null}
      </p>
    );
  const ids = fieldIds("description");
  return (
    <div className="space-y-5">
      <TextField
        field="name"
        label="Name"
        value={values.name}
        autoComplete="off"
        placeholder="Checkout orders"
        error={errors.name}
        onChange={(e) => onChange({ name: e.target.value })}
      />
      <TextField
        field="slug"
        label="Slug"
        value={values.slug}
        autoComplete="off"
        spellCheck={false}
        className="max-w-md"
        error={errors.slug}
        status={slugStatus}
        hint="Lower-case letters, digits and -. It names the ingest URL, the landing folder and the table (curated.<slug>), and cannot change later."
        onChange={(e) => onChange({ slug: e.target.value, slugEdited: true })}
      />
      <div>
        <Label htmlFor={ids.control}>
          Description <span className="font-normal text-gray-500">(optional)</span>
        </Label>
        <textarea
          id={ids.control}
          rows={2}
          value={values.description}
          aria-invalid={errors.description ? true : undefined}
          aria-describedby={describedBy("description", true, errors.description)}
          onChange={(e) => onChange({ description: e.target.value })}
          className="mt-1 block w-full rounded-md border border-gray-300 px-3 py-2 text-gray-900 text-sm shadow-xs focus:border-accent-500 focus:outline-none focus:ring-3 focus:ring-accent-500/20"
        />
        <FieldError field="description" message={errors.description} />
        <FieldHint field="description">What the events are and who sends them.</FieldHint>
      </div>
      <RadioCards
        field="kind"
        name="kind"
        legend="How events arrive"
        value={values.kind}
        options={KIND_OPTIONS}
        error={errors.kind}
        onChange={(kind) => onChange({ kind })}
      />
    </div>
  );
}
