// One event a source's schema accepts, to show a producer what to send: every declared property with a
// plausible value (enums' first value, formats honoured, bounds respected), the event-id field a
// fresh UUID and the event-time field the current time; a small object for a schemaless source.
import { randomUUID } from "node:crypto";
import { effectiveTypes, isSchemaObject, type SchemaObject, schemaNode } from "./schema-node";

export interface ExampleEventOptions {
  /** Dotted path of the event-id field ("id", "meta.event_id"). */
  idField: string;
  /** Dotted path of the event-time field. */
  timeField: string;
  /** The time the example is made at (default: now). */
  now?: Date;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Objects and arrays nested deeper than this hold only what their schema requires. */
const FULL_DEPTH = 4;
/** A schema that refers to itself stops here. */
const MAX_DEPTH = 12;

const TYPE_PREFERENCE = ["object", "string", "integer", "number", "boolean", "array", "null"];

/** Plausible strings for common property names; anything else is "example". */
const NAMED_STRINGS: Readonly<Record<string, string>> = {
  name: "Ada Lovelace",
  first_name: "Ada",
  last_name: "Lovelace",
  country: "NL",
  currency: "EUR",
  city: "Amsterdam",
  language: "en",
  locale: "en-GB",
  status: "ok",
  type: "example",
  phone: "+31 20 123 4567",
  description: "An example event",
  message: "Hello from Inlet",
};

/** Candidates tried, in order, for a string with a pattern and no example of its own. */
const PATTERN_CANDIDATES = ["example", "EXAMPLE", "a", "A", "1", "abc123", "ABC123", "ab-12", "x_1", "1.0.0"];

interface Context {
  root: unknown;
  now: Date;
}

function hasOwn(o: object, key: string): boolean {
  return Object.hasOwn(o, key);
}

function normalName(name: string): string {
  return name.toLowerCase().replace(/[-\s]/g, "_");
}

/** A JSON pointer reference ("#/$defs/address") inside the root schema, or undefined. */
function resolveRef(ref: string, root: unknown): unknown {
  if (!ref.startsWith("#")) return undefined;
  const tokens = ref
    .slice(1)
    .split("/")
    .slice(1)
    .map((t) => decodeURIComponent(t).replace(/~1/g, "/").replace(/~0/g, "~"));
  let node: unknown = root;
  for (const token of tokens) {
    if (!isSchemaObject(node) || !hasOwn(node, token)) return undefined;
    node = node[token];
  }
  return node;
}

/**
 * A node with its $ref followed and its allOf branches merged (properties and required united), then
 * a nullable or single-branch union folded; an unfoldable anyOf/oneOf is read as its first branch.
 */
function normalise(schema: unknown, ctx: Context, depth: number): SchemaObject {
  let node = isSchemaObject(schema) ? schema : {};
  if (typeof node.$ref === "string" && depth < MAX_DEPTH) {
    const { $ref, ...rest } = node;
    node = { ...normalise(resolveRef($ref, ctx.root), ctx, depth + 1), ...rest };
  }
  if (Array.isArray(node.allOf)) {
    const { allOf, ...rest } = node;
    let merged: SchemaObject = rest;
    for (const branch of allOf) {
      const b = normalise(branch, ctx, depth + 1);
      merged = {
        ...b,
        ...merged,
        properties: {
          ...(isSchemaObject(b.properties) ? b.properties : {}),
          ...(isSchemaObject(merged.properties) ? merged.properties : {}),
        },
        required: [...new Set([...stringList(b.required), ...stringList(merged.required)])],
      };
    }
    node = merged;
  }
  node = schemaNode(node);
  for (const key of ["anyOf", "oneOf"]) {
    const branches = node[key];
    if (node.type === undefined && Array.isArray(branches) && branches.length > 0) {
      const nonNull = branches.find((b) => !(isSchemaObject(b) && b.type === "null")) ?? branches[0];
      const { [key]: _union, ...rest } = node;
      return { ...normalise(nonNull, ctx, depth + 1), ...rest };
    }
  }
  return node;
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

function numberOf(node: SchemaObject, key: string): number | undefined {
  const v = node[key];
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** The type to make a value of: the first the schema names, non-null ones first. */
function chosenType(node: SchemaObject, name: string): string {
  const types = effectiveTypes(node);
  if (types === undefined || types.length === 0) {
    if (isSchemaObject(node.properties)) return "object";
    if (node.items !== undefined || node.prefixItems !== undefined) return "array";
    return name === "" ? "object" : "string";
  }
  const nonNull = types.filter((t) => t !== "null");
  if (nonNull.length === 0) return "null";
  return nonNull.find((t) => TYPE_PREFERENCE.includes(t)) ?? nonNull[0]!;
}

function formatted(format: string, ctx: Context, variant: number): string | undefined {
  switch (format) {
    case "date-time":
      return new Date(ctx.now.getTime() + variant * 1000).toISOString();
    case "date":
      return ctx.now.toISOString().slice(0, 10);
    case "time":
      return `${ctx.now.toISOString().slice(11, 19)}Z`;
    case "email":
      return variant === 0 ? "someone@example.com" : `someone${variant}@example.com`;
    case "idn-email":
      return "someone@example.com";
    case "uri":
    case "iri":
    case "url":
      return variant === 0 ? "https://example.com/" : `https://example.com/${variant}`;
    case "uri-reference":
    case "iri-reference":
      return "/example";
    case "uuid":
      return randomUUID();
    case "hostname":
    case "idn-hostname":
      return "example.com";
    case "ipv4":
      return `192.0.2.${1 + (variant % 254)}`;
    case "ipv6":
      return `2001:db8::${(variant + 1).toString(16)}`;
    case "duration":
      return "PT1M";
    default:
      return undefined;
  }
}

function patternAccepts(pattern: unknown, value: string): boolean {
  if (typeof pattern !== "string") return true;
  try {
    return new RegExp(pattern, "u").test(value);
  } catch {
    return true;
  }
}

function exampleString(node: SchemaObject, name: string, ctx: Context, variant: number): string {
  const format = typeof node.format === "string" ? formatted(node.format, ctx, variant) : undefined;
  if (format !== undefined) return format;
  const base = NAMED_STRINGS[normalName(name)] ?? "example";
  const min = numberOf(node, "minLength") ?? 0;
  const max = numberOf(node, "maxLength");
  const fit = (s: string) => {
    const long = s.length >= min ? s : s + "x".repeat(min - s.length);
    return max === undefined ? long : long.slice(0, Math.max(0, max));
  };
  const tagged = variant === 0 ? base : `${base}-${variant}`;
  if (node.pattern === undefined) return fit(tagged);
  const candidates = [tagged, base, ...PATTERN_CANDIDATES].map(fit);
  return candidates.find((c) => patternAccepts(node.pattern, c)) ?? fit(tagged);
}

/**
 * A number inside the node's bounds (minimum, maximum and their exclusive forms) and a multiple of
 * its multipleOf: `preferred` when allowed, else the nearest allowed value.
 */
function exampleNumber(node: SchemaObject, integer: boolean, preferred: number): number {
  const step = numberOf(node, "multipleOf");
  // The smallest step past an exclusive bound.
  const nudge = integer ? 1 : (step ?? 0.01);
  const exMin = numberOf(node, "exclusiveMinimum");
  const exMax = numberOf(node, "exclusiveMaximum");
  const lo = Math.max(
    numberOf(node, "minimum") ?? -Infinity,
    exMin === undefined ? -Infinity : exMin + nudge,
  );
  const hi = Math.min(numberOf(node, "maximum") ?? Infinity, exMax === undefined ? Infinity : exMax - nudge);
  let value = Math.min(Math.max(preferred, lo), hi);
  if (integer) value = Math.ceil(value) <= hi ? Math.ceil(value) : Math.floor(value);
  if (step !== undefined && step > 0) {
    let k = Math.ceil(value / step - 1e-9);
    if (k * step > hi) k = Math.floor(value / step + 1e-9);
    value = Number((k * step).toPrecision(12));
  }
  return value;
}

function exampleArray(node: SchemaObject, name: string, ctx: Context, depth: number): Json[] {
  const prefix = Array.isArray(node.prefixItems)
    ? node.prefixItems
    : Array.isArray(node.items)
      ? node.items
      : [];
  const items = Array.isArray(node.items) ? node.additionalItems : node.items;
  const min = numberOf(node, "minItems") ?? 0;
  const max = numberOf(node, "maxItems") ?? Infinity;
  const wanted = Math.min(max, Math.max(min, depth < FULL_DEPTH ? Math.max(1, prefix.length) : 0));
  const out: Json[] = [];
  for (let i = 0; i < wanted; i += 1) {
    const itemSchema = i < prefix.length ? prefix[i] : items;
    if (itemSchema === false) break;
    out.push(exampleValue(itemSchema, singular(name), ctx, depth + 1, i));
  }
  return out;
}

function singular(name: string): string {
  return name.endsWith("s") ? name.slice(0, -1) : name;
}

/** Every declared property (only the required ones deep down); `variant` tells array elements apart. */
function exampleObject(node: SchemaObject, ctx: Context, depth: number, variant: number): JsonObject {
  const properties = isSchemaObject(node.properties) ? node.properties : {};
  const required = new Set(stringList(node.required));
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(properties)) {
    if (depth >= FULL_DEPTH && !required.has(key)) continue;
    if (child === false) continue;
    out[key] = exampleValue(child, key, ctx, depth + 1, variant);
  }
  // Required names the schema does not declare take the shape of its additional properties.
  for (const key of required) {
    if (hasOwn(out, key)) continue;
    const extra = node.additionalProperties;
    out[key] = exampleValue(isSchemaObject(extra) ? extra : {}, key, ctx, depth + 1, variant);
  }
  return out;
}

function exampleValue(schema: unknown, name: string, ctx: Context, depth: number, variant: number): Json {
  const node = normalise(schema, ctx, depth);
  if ("const" in node) return node.const as Json;
  if (Array.isArray(node.enum) && node.enum.length > 0) {
    const values = node.enum.filter((v) => v !== null);
    const pool = values.length > 0 ? values : node.enum;
    return pool[variant % pool.length] as Json;
  }
  const examples = node.examples;
  if (Array.isArray(examples) && examples.length > 0 && examples[0] !== undefined) return examples[0] as Json;
  if (node.default !== undefined) return node.default as Json;
  if (depth > MAX_DEPTH) return null;
  switch (chosenType(node, name)) {
    case "object":
      return exampleObject(node, ctx, depth, variant);
    case "array":
      return exampleArray(node, name, ctx, depth);
    case "integer":
      return exampleNumber(node, true, 1 + variant);
    case "number":
      return exampleNumber(node, false, 9.99 + variant);
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      return exampleString(node, name, ctx, variant);
  }
}

/** The schema of the property at a dotted path, following declared object properties. */
function schemaAt(root: unknown, path: readonly string[], ctx: Context): SchemaObject | undefined {
  let node = normalise(root, ctx, 0);
  for (const part of path) {
    const properties = isSchemaObject(node.properties) ? node.properties : undefined;
    if (!properties || !hasOwn(properties, part)) return undefined;
    node = normalise(properties[part], ctx, 0);
  }
  return node;
}

/** Sets a value at a dotted path, making the objects on the way (a key spelled like the whole path wins). */
function setPath(event: JsonObject, path: string, value: Json, wholeKey: boolean): void {
  if (wholeKey || !path.includes(".")) {
    event[path] = value;
    return;
  }
  const parts = path.split(".");
  let current = event;
  for (const part of parts.slice(0, -1)) {
    const next = current[part];
    if (typeof next === "object" && next !== null && !Array.isArray(next)) {
      current = next;
    } else {
      const made: JsonObject = {};
      current[part] = made;
      current = made;
    }
  }
  current[parts[parts.length - 1]!] = value;
}

function idValue(node: SchemaObject | undefined, ctx: Context): Json {
  const type = node ? chosenType(node, "id") : "string";
  if (type === "integer" || type === "number") return exampleNumber(node ?? {}, true, ctx.now.getTime());
  if (node && (node.pattern !== undefined || node.maxLength !== undefined) && node.format !== "uuid") {
    const uuid = randomUUID();
    if (patternAccepts(node.pattern, uuid) && uuid.length <= (numberOf(node, "maxLength") ?? Infinity))
      return uuid;
    return exampleString(node, "id", ctx, 0);
  }
  return randomUUID();
}

function timeValue(node: SchemaObject | undefined, ctx: Context): Json {
  const type = node ? chosenType(node, "time") : "string";
  if (type === "integer" || type === "number") return exampleNumber(node ?? {}, true, ctx.now.getTime());
  if (node?.format === "date") return ctx.now.toISOString().slice(0, 10);
  return ctx.now.toISOString();
}

function isRecord(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * An event valid under `jsonSchema` (or, without one, a small object), with a new UUID in the
 * event-id field and the current time in ISO 8601 in the event-time field (epoch milliseconds where
 * the schema wants a number). Best effort for schemas that constrain strings by pattern without
 * giving an example: the example then shows the shape, and may need its value adjusting.
 */
export function exampleEvent(jsonSchema: unknown, options: ExampleEventOptions): Record<string, unknown> {
  const ctx: Context = { root: jsonSchema, now: options.now ?? new Date() };
  const schemaless = jsonSchema === null || jsonSchema === undefined || jsonSchema === true;
  const made = schemaless ? { message: "Hello from Inlet" } : exampleValue(jsonSchema, "", ctx, 0, 0);
  const event: JsonObject = isRecord(made) ? made : {};
  const properties = schemaless ? undefined : normalise(jsonSchema, ctx, 0).properties;
  const declared = (path: string) => isSchemaObject(properties) && hasOwn(properties, path);
  for (const [path, value] of [
    [options.idField, (node?: SchemaObject) => idValue(node, ctx)],
    [options.timeField, (node?: SchemaObject) => timeValue(node, ctx)],
  ] as const) {
    if (path === "") continue;
    const wholeKey = declared(path);
    const node = schemaless
      ? undefined
      : wholeKey
        ? normalise((properties as SchemaObject)[path], ctx, 0)
        : schemaAt(jsonSchema, path.split("."), ctx);
    setPath(event, path, value(node), wholeKey);
  }
  return event;
}
