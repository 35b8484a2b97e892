"use client";
// Registering a source in four steps (name and kind, schema, fields and retention, review), then its
// ingest URL, API key and examples. Each step is a form: Enter moves on once the step's checks pass,
// focus goes to the step's heading, and the API's refusals appear at their fields, on their step.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ArrowLeft } from "lucide-react";
import Link from "next/link";
import { type FormEvent, useEffect, useMemo, useRef, useState } from "react";
import { AccessDenied } from "@/components/access-denied";
import { QueryError } from "@/components/query-error";
import { Button } from "@/components/ui/button";
import { Card, CardBody } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { useTRPC } from "@/lib/trpc";
import { describeError, fieldIssues } from "@/lib/trpc-errors";
import { CreatedScreen, type CreatedSource } from "./created-screen";
import { DetailsStep, type SlugCheck } from "./details-step";
import { FieldsStep } from "./fields-step";
import { ReviewStep } from "./review-step";
import { type InferenceSummary, SchemaStep } from "./schema-step";
import { StepList } from "./step-list";
import { fieldIds } from "./wizard-field";
import {
  createInput,
  defaultFields,
  type FieldErrors,
  INITIAL_VALUES,
  NO_TIME_FIELD,
  parseSchemaText,
  partitionCandidates,
  refusalByField,
  STEPS,
  sampleSizeProblem,
  slugFromName,
  slugProblem,
  stepErrors,
  topLevelProperties,
  utf8Bytes,
  type WizardValues,
} from "./wizard-model";

/** The slug as typed, once typing has paused, so the API is asked once per word rather than per key. */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/**
 * Puts focus on a field's control: the editor's text for the schema (once the editor has loaded), the
 * chosen option of a radio group; `fallback` (the step's heading) when there is none.
 */
function focusField(field: string, fallback?: HTMLElement | null) {
  let frames = 0;
  const attempt = () => {
    const control = document.getElementById(fieldIds(field).control);
    const target =
      control?.querySelector<HTMLElement>(".cm-content") ??
      (control && control.tagName !== "DIV" ? control : null) ??
      document.querySelector<HTMLElement>(`input[name="${field}"]:checked`);
    if (target) target.focus();
    else if (frames++ < 30) requestAnimationFrame(attempt);
    else fallback?.focus();
  };
  attempt();
}

export function NewSourceWizard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useQuery(trpc.me.queryOptions());
  const [values, setValues] = useState<WizardValues>(INITIAL_VALUES);
  const [stepIndex, setStepIndex] = useState(0);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [general, setGeneral] = useState<string>();
  const [inference, setInference] = useState<InferenceSummary>();
  const [suggestions, setSuggestions] = useState<{ idField?: string; timeField?: string }>();
  const [created, setCreated] = useState<CreatedSource>();
  const heading = useRef<HTMLHeadingElement>(null);
  const createdHeading = useRef<HTMLHeadingElement>(null);
  const moved = useRef(false);
  const pendingFocus = useRef<string | undefined>(undefined);

  const step = STEPS[stepIndex]!;

  // Focus follows the step: its heading, or the first field the API refused.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the step or the outcome changes
  useEffect(() => {
    if (!moved.current) return;
    const field = pendingFocus.current;
    pendingFocus.current = undefined;
    if (created) createdHeading.current?.focus();
    else if (field) focusField(field, heading.current);
    else heading.current?.focus();
  }, [stepIndex, created]);

  const settledSlug = useSettled(values.slug, 300);
  const slugSyntaxOk = slugProblem(settledSlug) === undefined;
  const slugQuery = useQuery({
    ...trpc.sources.slugAvailable.queryOptions({ slug: settledSlug }),
    enabled: slugSyntaxOk && settledSlug === values.slug,
    staleTime: 5_000,
  });
  const slugCheck: SlugCheck =
    slugProblem(values.slug) !== undefined
      ? "idle"
      : settledSlug !== values.slug || slugQuery.isFetching
        ? "checking"
        : slugQuery.data?.slug === values.slug
          ? slugQuery.data.available
            ? "available"
            : "taken"
          : slugQuery.isError
            ? "unknown"
            : "checking";
  const slugTaken = slugCheck === "taken";
  const slugError =
    errors.slug ??
    (slugTaken && slugQuery.data ? `A source with slug '${slugQuery.data.slug}' exists already` : undefined);

  const parsedSchema = useMemo(() => {
    if (values.schemaMode === "none") return undefined;
    const parsed = parseSchemaText(values.schemaText);
    return parsed.ok ? parsed.schema : undefined;
  }, [values.schemaMode, values.schemaText]);
  const properties = useMemo(() => topLevelProperties(parsedSchema), [parsedSchema]);

  const infer = useMutation(
    trpc.sources.inferSchema.mutationOptions({
      onSuccess: (out) => {
        setInference({ format: out.format, rows: out.rows });
        setSuggestions(out.suggestions);
        setValues((v) => ({ ...v, schemaText: `${JSON.stringify(out.schema, null, 2)}\n` }));
        setErrors((e) => ({ ...e, sample: undefined, schema: undefined }));
      },
      onError: (err) => {
        setErrors((e) => ({ ...e, sample: fieldIssues(err).sample ?? describeError(err) }));
      },
    }),
  );

  const create = useMutation(
    trpc.sources.create.mutationOptions({
      onSuccess: (out) => {
        moved.current = true;
        setCreated(out);
        void queryClient.invalidateQueries({ queryKey: trpc.sources.list.queryKey() });
      },
      onError: (err) => {
        const refusal = refusalByField(fieldIssues(err), describeError(err));
        setErrors(refusal.fields);
        setGeneral(refusal.general);
        if (refusal.step) {
          const first = Object.keys(refusal.fields).find((f) => refusal.fields[f] !== undefined);
          goTo(
            STEPS.findIndex((s) => s.id === refusal.step),
            first,
          );
        }
      },
    }),
  );

  const change = (patch: Partial<WizardValues>) => {
    setValues((v) => {
      const next = { ...v, ...patch };
      if ("name" in patch && !v.slugEdited) next.slug = slugFromName(patch.name ?? "");
      return next;
    });
    // An error goes once its field is changed.
    setErrors((e) => {
      const cleared = { ...e };
      for (const key of Object.keys(patch)) delete cleared[key];
      if ("name" in patch && !values.slugEdited) delete cleared.slug;
      if ("schemaText" in patch || "schemaMode" in patch) delete cleared.schema;
      if ("sample" in patch) delete cleared.sample;
      return cleared;
    });
    if ("sample" in patch) setInference(undefined);
    setGeneral(undefined);
  };

  /** Going to the fields step: id and time fields the schema offers, defaults where none fits. */
  const withFieldDefaults = (v: WizardValues): WizardValues => {
    const names = new Set(properties.map((p) => p.name));
    const fits = (field: string) =>
      field !== "" && (v.schemaMode === "none" || names.has(field) || names.has(field.split(".")[0] ?? ""));
    const defaults = defaultFields(parsedSchema, suggestions);
    const idField = fits(v.idField) ? v.idField : defaults.idField;
    const partitions = new Set(partitionCandidates(properties, idField).map((p) => p.name));
    return {
      ...v,
      idField,
      timeField:
        (v.timeField === NO_TIME_FIELD && v.schemaMode !== "none") || fits(v.timeField)
          ? v.timeField
          : defaults.timeField,
      partitionProperty: partitions.has(v.partitionProperty) ? v.partitionProperty : "",
    };
  };

  function goTo(index: number, focus?: string) {
    moved.current = true;
    pendingFocus.current = focus;
    if (STEPS[index]?.id === "fields") setValues(withFieldDefaults);
    setStepIndex(index);
  }

  const submitStep = (event: FormEvent) => {
    event.preventDefault();
    const found = stepErrors(step.id, values, slugTaken);
    const first = Object.keys(found)[0];
    if (first) {
      setErrors(found);
      focusField(first, heading.current);
      return;
    }
    if (step.id === "review") {
      setGeneral(undefined);
      create.mutate(createInput(values));
      return;
    }
    goTo(stepIndex + 1);
  };

  const runInference = () => {
    const tooLarge = sampleSizeProblem(utf8Bytes(values.sample));
    if (tooLarge) {
      setErrors((e) => ({ ...e, sample: tooLarge }));
      focusField("sample", heading.current);
      return;
    }
    infer.mutate({ sample: values.sample, ...(values.sampleKind ? { kind: values.sampleKind } : {}) });
  };

  const startOver = () => {
    moved.current = true;
    setValues(INITIAL_VALUES);
    setErrors({});
    setGeneral(undefined);
    setInference(undefined);
    setSuggestions(undefined);
    setCreated(undefined);
    setStepIndex(0);
  };

  const back = (
    <Link
      href="/sources"
      className="mb-3 inline-flex items-center gap-1 rounded text-gray-500 text-sm hover:text-gray-800 focus-visible:outline-2 focus-visible:outline-accent-500"
    >
      <ArrowLeft className="size-4" aria-hidden="true" /> Sources
    </Link>
  );

  if (me.isPending) {
    return (
      <div role="status" aria-busy="true" aria-label="Loading">
        <Skeleton className="h-6 w-48" />
        <Skeleton className="mt-8 h-96 w-full" />
      </div>
    );
  }
  if (me.isError) {
    return (
      <Card>
        <QueryError
          error={me.error}
          sectionLabel="Sources"
          onRetry={() => void me.refetch()}
          retrying={me.isFetching}
        />
      </Card>
    );
  }
  if (!me.data.roles.some((r) => r === "engineer" || r === "admin")) {
    return (
      <AccessDenied
        sectionLabel="registering sources"
        message="Registering a source needs the role engineer. Ask an administrator if you need it."
      />
    );
  }

  return (
    <>
      {back}
      <PageHeader
        title="New source"
        description="Name it, describe its events with a JSON Schema (or infer one from a sample), choose how its data is kept, and get an ingest URL and API key."
      />
      {created ? (
        <CreatedScreen created={created} headingRef={createdHeading} onAnother={startOver} />
      ) : (
        <div className="grid gap-6 lg:grid-cols-[14rem_1fr]">
          <StepList current={stepIndex} onSelect={(i) => goTo(i)} />
          <Card>
            <form onSubmit={submitStep} noValidate aria-labelledby="new-source-step-title">
              <CardBody className="space-y-6 py-5">
                <div>
                  <p className="text-gray-500 text-xs">
                    Step {stepIndex + 1} of {STEPS.length}
                  </p>
                  <h2
                    id="new-source-step-title"
                    ref={heading}
                    tabIndex={-1}
                    className="font-semibold text-gray-900 text-lg focus:outline-none"
                  >
                    {step.title}
                  </h2>
                </div>
                {step.id === "details" ? (
                  <DetailsStep
                    values={values}
                    errors={{ ...errors, slug: slugError }}
                    slugCheck={slugCheck}
                    onChange={change}
                  />
                ) : null}
                {step.id === "schema" ? (
                  <SchemaStep
                    values={values}
                    errors={errors}
                    inference={inference}
                    inferring={infer.isPending}
                    onChange={change}
                    onInfer={runInference}
                    onFieldError={(field, message) => setErrors((e) => ({ ...e, [field]: message }))}
                  />
                ) : null}
                {step.id === "fields" ? (
                  <FieldsStep values={values} errors={errors} properties={properties} onChange={change} />
                ) : null}
                {step.id === "review" ? (
                  <ReviewStep
                    values={values}
                    inference={inference}
                    onEdit={(id) => goTo(STEPS.findIndex((s) => s.id === id))}
                  />
                ) : null}
                {general ? (
                  <p
                    role="alert"
                    className="rounded-md bg-red-50 px-3 py-2 text-red-800 text-sm ring-1 ring-red-200 ring-inset"
                  >
                    {general}
                  </p>
                ) : null}
              </CardBody>
              <div className="flex items-center justify-between gap-3 border-gray-100 border-t px-5 py-3">
                {stepIndex > 0 ? (
                  <Button variant="ghost" onClick={() => goTo(stepIndex - 1)}>
                    Back
                  </Button>
                ) : (
                  <span />
                )}
                <Button type="submit" loading={step.id === "review" && create.isPending}>
                  {step.id === "review" ? "Create source" : "Next"}
                </Button>
              </div>
            </form>
          </Card>
        </div>
      )}
    </>
  );
}
