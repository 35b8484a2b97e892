// Type sketches: a summary of the values seen at one place of a sample (their kinds, nulls, the string
// format they share, an object's fields, an array's items), merged value by value and turned into a
// JSON Schema (draft 2020-12) that every one of those values satisfies.
import type { Place } from "./decimal-literals";
import { type StringFormat, stringFormatOf } from "./string-formats";

/** Below this depth objects and arrays are only typed, not described: deep nesting cannot overflow the stack. */
export const MAX_SKETCH_DEPTH = 32;

export interface ValueSketch {
  /** Values seen here, nulls included. */
  seen: number;
  nulls: number;
  integers: number;
  /** Numbers with a fraction, or integers too large for a 64-bit integer column. */
  fractions: number;
  /** Some whole number here was written as a decimal ("10.0"): the producer sends floats. */
  writtenAsDecimal: boolean;
  booleans: number;
  strings: number;
  /** The format every string so far has: undefined before the first string, null once one lacks it. */
  format: StringFormat | null | undefined;
  objects: ObjectSketch | undefined;
  /** The elements of every array seen here, merged; undefined when no value here was an array. */
  arrayItems: ValueSketch | undefined;
}

export interface ObjectSketch {
  count: number;
  /** In the order the fields were first seen. */
  fields: Map<string, ValueSketch>;
}

export type JsonSchema = Record<string, unknown>;

export function emptySketch(): ValueSketch {
  return {
    seen: 0,
    nulls: 0,
    integers: 0,
    fractions: 0,
    writtenAsDecimal: false,
    booleans: 0,
    strings: 0,
    format: undefined,
    objects: undefined,
    arrayItems: undefined,
  };
}

export function emptyObjectSketch(): ObjectSketch {
  return { count: 0, fields: new Map() };
}

const INT64_LIMIT = 2 ** 63;

function addString(sketch: ValueSketch, value: string): void {
  sketch.strings += 1;
  if (sketch.format === null) return;
  const format = stringFormatOf(value) ?? null;
  sketch.format = sketch.format === undefined || sketch.format === format ? format : null;
}

/** Merges one object's fields into an object sketch. */
export function addObject(sketch: ObjectSketch, value: Record<string, unknown>, depth = 0): void {
  sketch.count += 1;
  if (depth >= MAX_SKETCH_DEPTH) return;
  for (const [name, field] of Object.entries(value)) {
    let fieldSketch = sketch.fields.get(name);
    if (!fieldSketch) {
      fieldSketch = emptySketch();
      sketch.fields.set(name, fieldSketch);
    }
    addValue(fieldSketch, field, depth + 1);
  }
}

/** Merges one parsed JSON value into a sketch. */
export function addValue(sketch: ValueSketch, value: unknown, depth = 0): void {
  sketch.seen += 1;
  if (value === null) {
    sketch.nulls += 1;
  } else if (typeof value === "string") {
    addString(sketch, value);
  } else if (typeof value === "number") {
    if (Number.isInteger(value) && Math.abs(value) < INT64_LIMIT) sketch.integers += 1;
    else sketch.fractions += 1;
  } else if (typeof value === "boolean") {
    sketch.booleans += 1;
  } else if (Array.isArray(value)) {
    sketch.arrayItems ??= emptySketch();
    const items = sketch.arrayItems;
    if (depth >= MAX_SKETCH_DEPTH) return;
    for (const item of value) addValue(items, item, depth + 1);
  } else if (typeof value === "object") {
    sketch.objects ??= emptyObjectSketch();
    addObject(sketch.objects, value as Record<string, unknown>, depth);
  }
}

/** Notes that the whole numbers at `place` were written as decimals; a place not sketched is skipped. */
export function markWrittenAsDecimal(root: ObjectSketch, place: Place): void {
  let objects: ObjectSketch | undefined = root;
  let value: ValueSketch | undefined;
  for (const part of place) {
    value = part === 0 ? value?.arrayItems : objects?.fields.get(part);
    objects = value?.objects;
    if (!value) return;
  }
  if (value) value.writtenAsDecimal = true;
}

/**
 * The schema of an object sketch: `properties` in first-seen order, `required` for the fields present
 * and non-null in every object. Objects stay open (no `additionalProperties`): a field the sample did
 * not show is not a reason to refuse an event.
 */
export function objectSchema(sketch: ObjectSketch): JsonSchema {
  const entries = [...sketch.fields];
  // fromEntries defines own properties, so a field named "__proto__" stays a field.
  const schema: JsonSchema = {
    properties: Object.fromEntries(entries.map(([n, s]) => [n, sketchSchema(s)])),
  };
  const required = entries.filter(([, s]) => s.seen - s.nulls === sketch.count).map(([n]) => n);
  if (required.length > 0) schema.required = required;
  return schema;
}

/**
 * The schema of a value sketch. Mixed kinds become one schema with a type union rather than `anyOf`:
 * `format`, `properties`, `required` and `items` each constrain only values of their own kind, so the
 * union accepts exactly the kinds seen, each as described, and stays readable. Integers mixed with
 * fractions are "number"; a place only ever null gets no constraint at all (`{}`), since a type of
 * "null" would refuse every later real value; arrays that were always empty get no `items`.
 */
export function sketchSchema(sketch: ValueSketch): JsonSchema {
  const types: string[] = [];
  if (sketch.strings > 0) types.push("string");
  if (sketch.fractions > 0 || (sketch.integers > 0 && sketch.writtenAsDecimal)) types.push("number");
  else if (sketch.integers > 0) types.push("integer");
  if (sketch.booleans > 0) types.push("boolean");
  if (sketch.objects) types.push("object");
  if (sketch.arrayItems) types.push("array");
  if (types.length === 0) return {};
  if (sketch.nulls > 0) types.push("null");
  const schema: JsonSchema = { type: types.length === 1 ? types[0] : types };
  if (sketch.format) schema.format = sketch.format;
  if (sketch.objects && sketch.objects.fields.size > 0) Object.assign(schema, objectSchema(sketch.objects));
  if (sketch.arrayItems && sketch.arrayItems.seen > 0) schema.items = sketchSchema(sketch.arrayItems);
  return schema;
}
