// What changed between two versions of a source's schema, field by field and in its meaning (types,
// required fields, allowed values, formats, bounds), nested fields and array items included.
import { escapePointerToken } from "../json/json-pointer";
import {
  ANNOTATIONS,
  allowedValues,
  canonicalJson,
  contentModelOf,
  describeTypes,
  effectiveTypes,
  isSchemaObject,
  type JsonSchema,
  type SchemaObject,
  SHAPE_KEYWORDS,
  schemaNode,
  typesCover,
} from "./schema-node";

export type SchemaChangeKind =
  | "added"
  | "removed"
  | "retyped"
  | "required"
  | "optional"
  | "enum"
  | "format"
  | "constraint";

/**
 * What a change does to the events the schema accepts: `widens` (every event valid before stays
 * valid), `narrows` (every event valid after was valid before), `changes` (neither) or `neutral`
 * (both). Only declared fields count: a field the schema does not declare is not part of the table, so
 * declaring or dropping an optional field on an object open to undeclared fields is neutral.
 */
export type ChangeEffect = "widens" | "narrows" | "changes" | "neutral";

export interface SchemaChange {
  kind: SchemaChangeKind;
  /** JSON pointer of the field in an event; "*" stands for every item of an array ("/lines/*\/sku"). */
  path: string;
  /** Dotted name of the field ("customer.email", "lines[].sku"); "" is the event itself. */
  field: string;
  from?: unknown;
  to?: unknown;
  /** What changed, to read after the field's name: "type changed from number to integer". */
  description: string;
  effect: ChangeEffect;
  /** The JSON Schema keyword a format or constraint change is about ("maximum", "pattern", …). */
  keyword?: string;
}

interface Location {
  path: string;
  field: string;
}

type KeywordFamily = (before: SchemaObject, after: SchemaObject, at: Location) => SchemaChange[];

const UPPER_BOUNDS = ["maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"];
const LOWER_BOUNDS = ["minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"];

/** Keywords a family below reads; every other keyword is compared whole by `otherKeywordChanges`. */
const FAMILY_KEYWORDS = new Set<string>([
  ...SHAPE_KEYWORDS,
  "anyOf",
  "oneOf",
  "multipleOf",
  "uniqueItems",
  ...UPPER_BOUNDS,
  ...LOWER_BOUNDS,
]);

/** Keywords that only hold schemas for others to refer to: any change to them may change anything. */
const DEFINITIONS = new Set(["$defs", "definitions"]);

const MAX_RENDERED_CHARS = 60;

function render(v: unknown): string {
  const text = canonicalJson(v);
  return text.length > MAX_RENDERED_CHARS ? `${text.slice(0, MAX_RENDERED_CHARS - 1)}…` : text;
}

function childAt(at: Location, name: string): Location {
  return {
    path: `${at.path}/${escapePointerToken(name)}`,
    field: at.field === "" ? name : `${at.field}.${name}`,
  };
}

function itemsAt(at: Location): Location {
  return { path: `${at.path}/*`, field: `${at.field}[]` };
}

/** The effect of a change from whether the events valid before, and those valid after, all still pass. */
function effectOf(keepsOld: boolean, keepsNew: boolean): ChangeEffect {
  if (keepsOld) return keepsNew ? "neutral" : "widens";
  return keepsNew ? "narrows" : "changes";
}

function change(at: Location, fields: Omit<SchemaChange, "path" | "field">): SchemaChange {
  return { path: at.path, field: at.field, ...fields };
}

/** A keyword that appeared (it refuses more) or went (it refuses less); undefined when it is on both sides. */
function appearedOrWent(
  at: Location,
  kind: SchemaChangeKind,
  keyword: string,
  from: unknown,
  to: unknown,
): SchemaChange | undefined {
  if (from === undefined) {
    return change(at, {
      kind,
      keyword,
      to,
      effect: "narrows",
      description: `${keyword} ${render(to)} added`,
    });
  }
  if (to === undefined) {
    return change(at, {
      kind,
      keyword,
      from,
      effect: "widens",
      description: `${keyword} ${render(from)} removed`,
    });
  }
  return undefined;
}

/** A keyword that refuses values: adding it narrows, removing it widens, changing it may do either. */
function assertionChange(
  before: SchemaObject,
  after: SchemaObject,
  at: Location,
  keyword: string,
): SchemaChange[] {
  const from = before[keyword];
  const to = after[keyword];
  if (canonicalJson(from) === canonicalJson(to)) return [];
  const kind = keyword === "format" ? "format" : "constraint";
  const description = `${keyword} changed from ${render(from)} to ${render(to)}`;
  return [
    appearedOrWent(at, kind, keyword, from, to) ??
      change(at, { kind, keyword, from, to, effect: "changes", description }),
  ];
}

const typeChanges: KeywordFamily = (before, after, at) => {
  // With enum or const on both sides the values say everything the types would.
  if (allowedValues(before) && allowedValues(after)) return [];
  const from = effectiveTypes(before);
  const to = effectiveTypes(after);
  const effect = effectOf(typesCover(to, from), typesCover(from, to));
  if (effect === "neutral") return [];
  const description = `type changed from ${describeTypes(from)} to ${describeTypes(to)}`;
  return [change(at, { kind: "retyped", from, to, effect, description })];
};

function valueKeyword(node: SchemaObject): "const" | "enum" {
  return "const" in node ? "const" : "enum";
}

const valueChanges: KeywordFamily = (before, after, at) => {
  const from = allowedValues(before);
  const to = allowedValues(after);
  if (from === undefined && to === undefined) return [];
  if (from === undefined || to === undefined) {
    const keyword = valueKeyword(from === undefined ? after : before);
    return [appearedOrWent(at, "enum", keyword, from, to)!];
  }
  const keys = (values: unknown[]) => new Set(values.map(canonicalJson));
  const added = to.filter((v) => !keys(from).has(canonicalJson(v)));
  const removed = from.filter((v) => !keys(to).has(canonicalJson(v)));
  if (added.length === 0 && removed.length === 0) return [];
  const keyword = valueKeyword(after);
  const description =
    keyword === "const" && valueKeyword(before) === "const"
      ? `const changed from ${render(before.const)} to ${render(after.const)}`
      : [
          ...(added.length > 0 ? [`enum values added: ${added.map(render).join(", ")}`] : []),
          ...(removed.length > 0 ? [`enum values removed: ${removed.map(render).join(", ")}`] : []),
        ].join("; ");
  const effect = effectOf(removed.length === 0, added.length === 0);
  return [change(at, { kind: "enum", keyword, from, to, effect, description })];
};

function numberAt(node: SchemaObject, keyword: string): number | undefined {
  const v = node[keyword];
  return typeof v === "number" ? v : undefined;
}

const boundChanges: KeywordFamily = (before, after, at) =>
  [...UPPER_BOUNDS, ...LOWER_BOUNDS].flatMap((keyword) => {
    const from = numberAt(before, keyword);
    const to = numberAt(after, keyword);
    if (from === to) return [];
    if (from === undefined || to === undefined) return [appearedOrWent(at, "constraint", keyword, from, to)!];
    const upper = UPPER_BOUNDS.includes(keyword);
    const raised = to > from;
    const description = `${keyword} ${raised ? "raised" : "lowered"} from ${from} to ${to}`;
    const effect = raised === upper ? "widens" : "narrows";
    return [change(at, { kind: "constraint", keyword, from, to, effect, description })];
  });

function isMultiple(value: number, divisor: number): boolean {
  const q = value / divisor;
  return Math.abs(q - Math.round(q)) < 1e-9;
}

const multipleOfChanges: KeywordFamily = (before, after, at) => {
  const from = numberAt(before, "multipleOf");
  const to = numberAt(after, "multipleOf");
  if (from === undefined || to === undefined || from === to)
    return assertionChange(before, after, at, "multipleOf");
  // Every multiple of 10 is a multiple of 5: 10 → 5 keeps the old values.
  const effect = effectOf(isMultiple(from, to), isMultiple(to, from));
  const description = `multipleOf changed from ${from} to ${to}`;
  return [change(at, { kind: "constraint", keyword: "multipleOf", from, to, effect, description })];
};

const uniqueItemsChanges: KeywordFamily = (before, after, at) => {
  const from = before.uniqueItems === true;
  const to = after.uniqueItems === true;
  if (from === to) return [];
  const effect = to ? "narrows" : "widens";
  const description = to ? "items must now be unique" : "items no longer need to be unique";
  return [change(at, { kind: "constraint", keyword: "uniqueItems", from, to, effect, description })];
};

const OPENNESS = { closed: 0, partial: 1, open: 2 } as const;

const contentModelChanges: KeywordFamily = (before, after, at) => {
  const from = contentModelOf(before);
  const to = contentModelOf(after);
  if (
    from === to &&
    (from !== "partial" ||
      canonicalJson(before.additionalProperties) === canonicalJson(after.additionalProperties))
  ) {
    return [];
  }
  const effect = effectOf(OPENNESS[to] >= OPENNESS[from], OPENNESS[to] <= OPENNESS[from]);
  const fromValue = before.additionalProperties ?? true;
  const toValue = after.additionalProperties ?? true;
  const consequence =
    to === "closed"
      ? " (undeclared fields are now refused)"
      : to === "open"
        ? " (undeclared fields are now accepted)"
        : "";
  const description = `additionalProperties changed from ${render(fromValue)} to ${render(toValue)}${consequence}`;
  return [
    change(at, {
      kind: "constraint",
      keyword: "additionalProperties",
      from: fromValue,
      to: toValue,
      effect,
      description,
    }),
  ];
};

function propertiesOf(node: SchemaObject): SchemaObject {
  return isSchemaObject(node.properties) ? node.properties : {};
}

function requiredOf(node: SchemaObject): Set<string> {
  const required = Array.isArray(node.required) ? node.required : [];
  return new Set(required.filter((r): r is string => typeof r === "string"));
}

function fieldSummary(required: boolean, schema: unknown): string {
  return `${required ? "required" : "optional"} (${describeTypes(effectiveTypes(schemaNode(schema)))})`;
}

function requiredChanges(wasRequired: boolean, isRequired: boolean, at: Location): SchemaChange[] {
  if (wasRequired === isRequired) return [];
  return [
    isRequired
      ? change(at, {
          kind: "required",
          from: false,
          to: true,
          effect: "narrows",
          description: "became required",
        })
      : change(at, {
          kind: "optional",
          from: true,
          to: false,
          effect: "widens",
          description: "is no longer required",
        }),
  ];
}

const propertyChanges: KeywordFamily = (before, after, at) => {
  const props = { before: propertiesOf(before), after: propertiesOf(after) };
  const required = { before: requiredOf(before), after: requiredOf(after) };
  const names = new Set([
    ...Object.keys(props.before),
    ...Object.keys(props.after),
    ...required.before,
    ...required.after,
  ]);
  return [...names].flatMap((name) => {
    const here = childAt(at, name);
    const declared = { before: Object.hasOwn(props.before, name), after: Object.hasOwn(props.after, name) };
    const wasRequired = required.before.has(name);
    const isRequired = required.after.has(name);
    if (declared.before && !declared.after) {
      // Old events may hold it: a closed object now refuses them. New events may lack it: the old
      // version refuses them if it required it.
      const effect = effectOf(contentModelOf(after) !== "closed", !wasRequired || isRequired);
      const description = `removed, was ${fieldSummary(wasRequired, props.before[name])}`;
      return [change(here, { kind: "removed", from: props.before[name], effect, description })];
    }
    if (!declared.before && declared.after) {
      // Old events may lack it: refused if it is required now. New events may hold it: refused by the
      // old version if that was closed.
      const effect = effectOf(!isRequired || wasRequired, contentModelOf(before) !== "closed");
      const description = `added, ${fieldSummary(isRequired, props.after[name])}`;
      return [change(here, { kind: "added", to: props.after[name], effect, description })];
    }
    const nested = declared.before ? compareNodes(props.before[name], props.after[name], here) : [];
    return [...requiredChanges(wasRequired, isRequired, here), ...nested];
  });
};

const itemChanges: KeywordFamily = (before, after, at) => {
  // Tuples (an array of item schemas, draft-07) are compared whole.
  if (Array.isArray(before.items) || Array.isArray(after.items))
    return assertionChange(before, after, at, "items");
  if (before.items === undefined && after.items === undefined) return [];
  return compareNodes(before.items, after.items, itemsAt(at));
};

/** A branch as text to match by, its annotations left out. */
function branchKey(branch: unknown): string {
  if (!isSchemaObject(branch)) return canonicalJson(branch);
  return canonicalJson(Object.fromEntries(Object.entries(branch).filter(([k]) => !ANNOTATIONS.has(k))));
}

/**
 * The branches of an anyOf/oneOf matched as written: one added widens, one removed narrows, and a
 * single branch replaced by another is compared as that branch. (A oneOf branch added that overlaps
 * another would narrow; event schemas use disjoint branches.)
 */
function branchChanges(keyword: string, from: unknown[], to: unknown[], at: Location): SchemaChange[] {
  const keys = (branches: unknown[]) => new Set(branches.map(branchKey));
  const added = to.filter((b) => !keys(from).has(branchKey(b)));
  const removed = from.filter((b) => !keys(to).has(branchKey(b)));
  if (added.length === 0 && removed.length === 0) return [];
  if (added.length === 1 && removed.length === 1) return compareNodes(removed[0], added[0], at);
  const description = [
    ...added.map((b) => `${keyword} branch ${render(b)} added`),
    ...removed.map((b) => `${keyword} branch ${render(b)} removed`),
  ].join("; ");
  const effect = effectOf(removed.length === 0, added.length === 0);
  return [change(at, { kind: "constraint", keyword, from, to, effect, description })];
}

/** anyOf/oneOf next to other keywords: one more condition on the node. */
const unionChanges: KeywordFamily = (before, after, at) =>
  ["anyOf", "oneOf"].flatMap((keyword) => {
    const from = before[keyword];
    const to = after[keyword];
    if (!Array.isArray(from) || !Array.isArray(to)) return assertionChange(before, after, at, keyword);
    return branchChanges(keyword, from, to, at);
  });

/** The keyword and branches of a node that is nothing but an anyOf or a oneOf. */
function unionOf(node: SchemaObject): { keyword: string; branches: unknown[] } | undefined {
  for (const keyword of ["anyOf", "oneOf"]) {
    const branches = node[keyword];
    const alone = Object.keys(node).every((k) => k === keyword || ANNOTATIONS.has(k));
    if (Array.isArray(branches) && alone) return { keyword, branches };
  }
  return undefined;
}

const otherKeywordChanges: KeywordFamily = (before, after, at) => {
  const keywords = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keywords]
    .filter((k) => !FAMILY_KEYWORDS.has(k) && !ANNOTATIONS.has(k))
    .flatMap((keyword) => {
      const changes = assertionChange(before, after, at, keyword);
      return DEFINITIONS.has(keyword) ? changes.map((c) => ({ ...c, effect: "changes" as const })) : changes;
    });
};

const KEYWORD_FAMILIES: KeywordFamily[] = [
  typeChanges,
  valueChanges,
  boundChanges,
  multipleOfChanges,
  uniqueItemsChanges,
  contentModelChanges,
  propertyChanges,
  itemChanges,
  unionChanges,
  otherKeywordChanges,
];

function compareNodes(before: unknown, after: unknown, at: Location): SchemaChange[] {
  const a = schemaNode(before);
  const b = schemaNode(after);
  // A union that does not fold into one node is compared branch by branch, the other side (folded
  // or not) counting as the branches it was written with.
  const union = unionOf(b) ?? unionOf(a);
  if (union) {
    const branchesOf = (raw: unknown) => (isSchemaObject(raw) && unionOf(raw)?.branches) || [raw];
    return branchChanges(union.keyword, branchesOf(before), branchesOf(after), at);
  }
  return KEYWORD_FAMILIES.flatMap((family) => family(a, b, at));
}

/** The changes from schema `a` to schema `b`, outer fields before the fields nested in them. */
export function diffSchemas(a: JsonSchema, b: JsonSchema): SchemaChange[] {
  return compareNodes(a, b, { path: "", field: "" });
}
