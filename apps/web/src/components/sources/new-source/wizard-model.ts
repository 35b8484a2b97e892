// The new-source wizard's rules, apart from its screens: the steps and which fields each holds, a slug
// from a name, the checks a step makes before it lets the person on, the schema's properties offered as
// id, time and partition fields, the sources.create input, and the API's refusals mapped to fields.
import { findJsonSyntaxError } from "@/lib/json-syntax";

/** The longest name and description a source may have (as the API checks them). */
export const NAME_MAX = 100;
export const DESCRIPTION_MAX = 2000;

/** The event-time choice for events without a time field: each is stored at the time it was received. */
export const NO_TIME_FIELD = "(receive time)";

export const STEPS = [
  { id: "details", title: "Name and kind" },
  { id: "schema", title: "Schema" },
  { id: "fields", title: "Fields, partitioning and retention" },
  { id: "review", title: "Review and create" },
] as const;

export type StepId = (typeof STEPS)[number]["id"];

export type SourceKind = "http" | "file" | "both";
export type SchemaMode = "infer" | "write" | "none";
export type SampleKind = "ndjson" | "json-array" | "json" | "csv";

export const KIND_OPTIONS: readonly { value: SourceKind; label: string; description: string }[] = [
  {
    value: "http",
    label: "HTTP push",
    description: "Producers post events to an ingest URL with an API key.",
  },
  {
    value: "file",
    label: "File drop",
    description: "Files dropped into the source's landing folder are ingested.",
  },
  { value: "both", label: "Both", description: "An ingest URL and a landing folder." },
];

export const COMPATIBILITY_OPTIONS = [
  "backward",
  "backward_transitive",
  "forward",
  "forward_transitive",
  "full",
  "full_transitive",
  "none",
] as const;

export type Compatibility = (typeof COMPATIBILITY_OPTIONS)[number];

/** lake-core's MAX_SAMPLE_BYTES: the API refuses a larger sample. */
export const SAMPLE_LIMIT_BYTES = 5 * 1024 * 1024;

export const DEFAULT_RETENTION_DAYS = 365;
export const DEFAULT_RAW_RETENTION_DAYS = 30;
const MAX_RETENTION_DAYS = 3650;

export interface WizardValues {
  name: string;
  slug: string;
  /** Once the slug is typed in, the name no longer changes it. */
  slugEdited: boolean;
  description: string;
  kind: SourceKind;
  schemaMode: SchemaMode;
  sample: string;
  /** The uploaded file's name, when the sample came from one. */
  sampleFile: string | undefined;
  sampleKind: SampleKind | undefined;
  /** The JSON Schema text in the editor (inferred, then possibly edited, or written). */
  schemaText: string;
  idField: string;
  timeField: string;
  /** "" for none. */
  partitionProperty: string;
  retentionDays: string;
  rawRetentionDays: string;
  compatibility: Compatibility;
}

export const INITIAL_VALUES: WizardValues = {
  name: "",
  slug: "",
  slugEdited: false,
  description: "",
  kind: "http",
  schemaMode: "infer",
  sample: "",
  sampleFile: undefined,
  sampleKind: undefined,
  schemaText: "",
  idField: "",
  timeField: "",
  partitionProperty: "",
  retentionDays: String(DEFAULT_RETENTION_DAYS),
  rawRetentionDays: String(DEFAULT_RAW_RETENTION_DAYS),
  compatibility: "backward",
};

/** The form's fields that the API names in its refusals, and the step each is on. */
export const FIELD_STEP: Readonly<Record<string, StepId>> = {
  name: "details",
  slug: "details",
  description: "details",
  kind: "details",
  sample: "schema",
  schema: "schema",
  idField: "fields",
  timeField: "fields",
  partitionProperty: "fields",
  retentionDays: "fields",
  rawRetentionDays: "fields",
  compatibility: "fields",
};

export type FieldErrors = Partial<Record<string, string>>;

/** A slug from a name: "Checkout Orders (EU)" → "checkout-orders-eu". */
export function slugFromName(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^[^a-z]+/, "")
    .replace(/-+$/, "")
    .slice(0, 63)
    .replace(/-+$/, "");
}

/** Why a slug cannot be used as typed, or undefined; the API checks the same (and whether it is free). */
export function slugProblem(slug: string): string | undefined {
  if (slug === "") return "Enter a slug: it names the ingest URL and the table";
  const outside = [...new Set(slug.replace(/[a-z0-9-]/g, ""))];
  if (outside.length > 0) {
    const shown = outside.map((c) => (c === " " ? "space" : `'${c}'`)).join(", ");
    return `Use only a-z, 0-9 and -; remove ${shown}`;
  }
  if (!/^[a-z]/.test(slug)) return "Start with a letter (a-z)";
  if (slug.length < 2) return "Use at least 2 characters";
  if (slug.length > 63) return "Use at most 63 characters";
  if (slug === "new") return "'new' is reserved (it is this page's address); choose another slug";
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export type ParsedSchema = { ok: true; schema: Record<string, unknown> } | { ok: false; message: string };

/** The editor's text as a schema object, or why it is not one. */
export function parseSchemaText(text: string): ParsedSchema {
  if (text.trim() === "") return { ok: false, message: "Enter a JSON Schema" };
  const syntax = findJsonSyntaxError(text);
  if (syntax)
    return { ok: false, message: `Fix the JSON first: line ${syntax.line}, column ${syntax.column}` };
  const value: unknown = JSON.parse(text);
  if (!isObject(value)) return { ok: false, message: "The schema must be a JSON object" };
  return { ok: true, schema: value };
}

export interface SchemaProperty {
  name: string;
  /** The types the property's `type` keyword names (empty when it names none). */
  types: string[];
  format: string | undefined;
}

/** The schema's top-level properties, in their order. */
export function topLevelProperties(schema: Record<string, unknown> | undefined): SchemaProperty[] {
  const properties = schema?.properties;
  if (!isObject(properties)) return [];
  return Object.entries(properties).map(([name, node]) => {
    const type = isObject(node) ? node.type : undefined;
    const types = typeof type === "string" ? [type] : Array.isArray(type) ? type.map(String) : [];
    const format = isObject(node) && typeof node.format === "string" ? node.format : undefined;
    return { name, types, format };
  });
}

const PARTITION_TYPES = new Set(["string", "integer", "boolean"]);
/** Formats of values that are nearly all distinct: a partition per value would be a file per event. */
const DISTINCT_FORMATS = new Set(["date-time", "uuid", "email", "uri", "time"]);

/**
 * Properties offered as the extra partition: declared string, integer or boolean (or null) ones, as the
 * API takes, other than the event id and values that are nearly all distinct (times, UUIDs, emails).
 */
export function partitionCandidates(properties: readonly SchemaProperty[], idField = ""): SchemaProperty[] {
  return properties.filter(
    (p) =>
      p.name !== idField &&
      !(p.format && DISTINCT_FORMATS.has(p.format)) &&
      /^[A-Za-z_][A-Za-z0-9_]*$/.test(p.name) &&
      p.name !== "dt" &&
      p.types.length > 0 &&
      p.types.some((t) => t !== "null") &&
      p.types.every((t) => t === "null" || PARTITION_TYPES.has(t)),
  );
}

const ID_NAMES = ["event_id", "eventid", "id", "uuid", "message_id"];
const TIME_NAMES = ["event_time", "eventtime", "timestamp", "time", "ts", "occurred_at", "created_at"];

/** A field whose name is one of `names` (in their order of preference; case, "-" and "_" ignored). */
function byName(properties: readonly SchemaProperty[], names: readonly string[]): string | undefined {
  const normal = (s: string) => s.toLowerCase().replace(/[-_]/g, "");
  for (const wanted of names) {
    const found = properties.find((p) => normal(p.name) === normal(wanted));
    if (found) return found.name;
  }
  return undefined;
}

/** A string or integer property named like an id of something ("order_id", "orderId"). */
function idLike(properties: readonly SchemaProperty[]): string | undefined {
  return properties.find(
    (p) => /(?:^|_)id$|[a-z]Id$/i.test(p.name) && p.types.some((t) => t === "string" || t === "integer"),
  )?.name;
}

/**
 * The id and time fields to start from: the inference's suggestions, else a property named like an
 * event id or time, else one named like an id of something ("order_id") and (for a time) a property
 * whose format is a date-time.
 */
export function defaultFields(
  schema: Record<string, unknown> | undefined,
  suggestions: { idField?: string | undefined; timeField?: string | undefined } | undefined,
): { idField: string; timeField: string } {
  const properties = topLevelProperties(schema);
  if (properties.length === 0 && schema === undefined) {
    return { idField: suggestions?.idField ?? "id", timeField: suggestions?.timeField ?? "time" };
  }
  const dateTime = Object.entries(isObject(schema?.properties) ? schema.properties : {}).find(
    ([, node]) => isObject(node) && node.format === "date-time",
  )?.[0];
  return {
    idField: suggestions?.idField ?? byName(properties, ID_NAMES) ?? idLike(properties) ?? "",
    timeField: suggestions?.timeField ?? byName(properties, TIME_NAMES) ?? dateTime ?? "",
  };
}

/** A retention in days as typed, checked as the API checks it. */
export function daysProblem(text: string): string | undefined {
  if (text.trim() === "") return "Enter a number of days";
  const n = Number(text);
  if (!Number.isInteger(n)) return "Enter a whole number of days";
  if (n < 1) return "Keep data for at least 1 day";
  if (n > MAX_RETENTION_DAYS) return "At most 3,650 days (10 years)";
  return undefined;
}

/** UTF-8 bytes of a text, as the API counts a sample. */
export function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

function formatMb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, "")} MB`;
}

/** Why a sample (pasted or a file of `bytes`) is over the limit, or undefined. */
export function sampleSizeProblem(bytes: number, fileName?: string): string | undefined {
  if (bytes <= SAMPLE_LIMIT_BYTES) return undefined;
  const what = fileName ? `${fileName} is` : "The sample is";
  return `${what} ${formatMb(bytes)}; a sample may be at most 5 MB (5,242,880 bytes). Use its first rows.`;
}

/** What a file's extension says the sample is (the API detects it when undefined). */
export function sampleKindOf(fileName: string): SampleKind | undefined {
  const ext = fileName.toLowerCase().split(".").pop();
  if (ext === "ndjson" || ext === "jsonl") return "ndjson";
  if (ext === "csv") return "csv";
  if (ext === "json") return "json";
  return undefined;
}

/** The checks a step makes before the wizard moves on (the API checks again, and more). */
export function stepErrors(step: StepId, values: WizardValues, slugTaken: boolean): FieldErrors {
  const errors: FieldErrors = {};
  if (step === "details") {
    if (values.name.trim() === "") errors.name = "Enter a name";
    else if (values.name.trim().length > NAME_MAX)
      errors.name = `Keep the name to ${NAME_MAX} characters (it has ${values.name.trim().length})`;
    if (values.description.trim().length > DESCRIPTION_MAX)
      errors.description = `Keep the description to ${DESCRIPTION_MAX} characters (it has ${values.description.trim().length})`;
    const slug = slugProblem(values.slug);
    if (slug) errors.slug = slug;
    else if (slugTaken) errors.slug = `A source with slug '${values.slug}' exists already`;
  }
  if (step === "schema" && values.schemaMode !== "none") {
    if (values.schemaMode === "infer" && values.schemaText.trim() === "") {
      errors.sample = "Infer a schema from a sample first, or choose another way";
    } else {
      const parsed = parseSchemaText(values.schemaText);
      if (!parsed.ok) errors.schema = parsed.message;
    }
  }
  if (step === "fields") {
    if (values.idField.trim() === "") errors.idField = "Choose the field that holds each event's id";
    if (values.timeField.trim() === "")
      errors.timeField = "Choose the field that holds each event's time, or that the events have none";
    const retention = daysProblem(values.retentionDays);
    if (retention) errors.retentionDays = retention;
    const raw = daysProblem(values.rawRetentionDays);
    if (raw) errors.rawRetentionDays = raw;
  }
  return errors;
}

export interface CreateSourceInput {
  name: string;
  slug: string;
  description: string;
  kind: SourceKind;
  schema: Record<string, unknown> | null;
  idField: string;
  /** null: the events have no time field; each is stored at the time it was received. */
  timeField: string | null;
  partitionProperty: string | null;
  retentionDays: number;
  rawRetentionDays: number;
  compatibility: Compatibility;
}

/** The sources.create input the values make (after every step's checks passed). */
export function createInput(values: WizardValues): CreateSourceInput {
  const parsed = values.schemaMode === "none" ? undefined : parseSchemaText(values.schemaText);
  return {
    name: values.name.trim(),
    slug: values.slug,
    description: values.description.trim(),
    kind: values.kind,
    schema: parsed?.ok ? parsed.schema : null,
    idField: values.idField.trim(),
    timeField: values.timeField === NO_TIME_FIELD ? null : values.timeField.trim(),
    partitionProperty:
      values.schemaMode === "none" || values.partitionProperty === "" ? null : values.partitionProperty,
    retentionDays: Number(values.retentionDays),
    rawRetentionDays: Number(values.rawRetentionDays),
    compatibility: values.compatibility,
  };
}

/**
 * The API's refusal as messages per field (fieldIssues of the error), the first step holding one of
 * them, and the message to show when it names none of the form's fields.
 */
export function refusalByField(
  issues: Readonly<Record<string, string>>,
  message: string,
): { fields: FieldErrors; step: StepId | undefined; general: string | undefined } {
  const fields: FieldErrors = {};
  let general: string | undefined;
  for (const [path, text] of Object.entries(issues)) {
    const field = path.split(".")[0] ?? "";
    if (FIELD_STEP[field] && fields[field] === undefined) fields[field] = text;
    else general = message;
  }
  if (Object.keys(fields).length === 0) general = message;
  const steps = Object.keys(fields).map((f) => STEPS.findIndex((s) => s.id === FIELD_STEP[f]));
  const first = steps.length > 0 ? STEPS[Math.min(...steps)]?.id : undefined;
  return { fields, step: first, general };
}
