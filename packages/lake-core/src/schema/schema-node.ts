// One JSON Schema node read the way schema evolution compares it: the types and values it accepts,
// whether it closes an object to undeclared fields, with a nullable union folded into one node.

/** A JSON Schema (draft 2020-12; draft-07 schemas read the same for the keywords events use). */
export type JsonSchema = boolean | { readonly [keyword: string]: unknown };

export type SchemaObject = { readonly [keyword: string]: unknown };

/** Keywords that say something about a schema but never refuse a value. */
export const ANNOTATIONS: ReadonlySet<string> = new Set([
  "$schema",
  "$id",
  "$anchor",
  "$comment",
  "title",
  "description",
  "examples",
  "default",
  "deprecated",
  "readOnly",
  "writeOnly",
  "contentEncoding",
  "contentMediaType",
  "contentSchema",
]);

/** The keywords that say what a value is: its type, its values, its members and items. */
export const SHAPE_KEYWORDS = [
  "type",
  "enum",
  "const",
  "properties",
  "required",
  "additionalProperties",
  "items",
] as const;

/**
 * Keywords that only ever constrain values of the type they go with (or, like enum and const, are
 * extended with null here): a branch made of these plus a `{type: "null"}` branch is one nullable node.
 */
const FOLDABLE = new Set([
  ...SHAPE_KEYWORDS,
  "format",
  "pattern",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "uniqueItems",
  "minProperties",
  "maxProperties",
]);

export function isSchemaObject(v: unknown): v is SchemaObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function onlyKeywords(node: SchemaObject, allowed: ReadonlySet<string>): boolean {
  return Object.keys(node).every((k) => allowed.has(k) || ANNOTATIONS.has(k));
}

/** The types the `type` keyword names, or undefined when it names none (any type). */
export function declaredTypes(node: SchemaObject): string[] | undefined {
  const t = node.type;
  if (typeof t === "string") return [t];
  if (Array.isArray(t)) return t.filter((x): x is string => typeof x === "string");
  return undefined;
}

export function typeOfValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

/** Whether a value of type `t` passes a `type` keyword naming `types` (an integer is a number). */
export function typeAccepts(types: readonly string[] | undefined, t: string): boolean {
  return types === undefined || types.includes(t) || (t === "integer" && types.includes("number"));
}

/** Whether every value of the types `inner` is also of the types `outer`. */
export function typesCover(
  outer: readonly string[] | undefined,
  inner: readonly string[] | undefined,
): boolean {
  if (inner === undefined) return outer === undefined;
  return inner.every((t) => typeAccepts(outer, t));
}

/** The values enum or const allow (those the type keyword lets through), or undefined when any may pass. */
export function allowedValues(node: SchemaObject): unknown[] | undefined {
  const values = "const" in node ? [node.const] : Array.isArray(node.enum) ? node.enum : undefined;
  const types = declaredTypes(node);
  return values?.filter((v) => typeAccepts(types, typeOfValue(v)));
}

/** The types a node accepts: as declared, else those of its enum values, else undefined (any type). */
export function effectiveTypes(node: SchemaObject): string[] | undefined {
  const declared = declaredTypes(node);
  if (declared !== undefined) return declared;
  const values = allowedValues(node);
  return values === undefined ? undefined : [...new Set(values.map(typeOfValue))];
}

export function describeTypes(types: readonly string[] | undefined): string {
  if (types === undefined) return "any type";
  if (types.length === 0) return "no type";
  const ordered = [...types.filter((t) => t !== "null"), ...types.filter((t) => t === "null")];
  return ordered.join(" or ");
}

/** Whether an object node refuses properties it does not declare. */
export function contentModelOf(node: SchemaObject): "open" | "partial" | "closed" {
  const extra = node.additionalProperties;
  if (extra === false) return "closed";
  if (extra === undefined || extra === true) return "open";
  return isSchemaObject(extra) && Object.keys(extra).length === 0 ? "open" : "partial";
}

export function isNullBranch(node: SchemaObject): boolean {
  const types = declaredTypes(node);
  return types?.length === 1 && types[0] === "null" && onlyKeywords(node, new Set(["type"]));
}

function withNull(node: SchemaObject): SchemaObject {
  const { const: _const, ...rest } = node;
  const types = declaredTypes(node);
  const values = allowedValues(node);
  return {
    ...rest,
    ...(types && { type: types.includes("null") ? types : [...types, "null"] }),
    ...(values && { enum: values.includes(null) ? values : [...values, null] }),
  };
}

/**
 * An anyOf/oneOf that is really one node: one branch, nullable or not (`anyOf: [{type: "string",
 * format: "email"}, {type: "null"}]`), or bare types (`oneOf: [{type: "string"}, {type: "integer"}]`).
 */
function foldUnion(branches: unknown): SchemaObject | undefined {
  if (!Array.isArray(branches) || branches.length === 0 || !branches.every(isSchemaObject)) return undefined;
  const nullable = branches.some(isNullBranch);
  const others = branches.filter((b) => !isNullBranch(b)).map(schemaNode);
  const [only] = others;
  if (others.length === 1 && only && onlyKeywords(only, FOLDABLE)) return nullable ? withNull(only) : only;
  const bareTypes = others.map((b) => (onlyKeywords(b, new Set(["type"])) ? declaredTypes(b) : undefined));
  if (others.length < 2 || bareTypes.some((t) => t === undefined)) return undefined;
  return { type: [...new Set([...bareTypes.flatMap((t) => t ?? []), ...(nullable ? ["null"] : [])])] };
}

/** A schema as one comparable node: `true`/absent is `{}`, `false` refuses all, unions are folded. */
export function schemaNode(schema: unknown): SchemaObject {
  if (schema === false) return { not: {} };
  if (!isSchemaObject(schema)) return {};
  if (schema.type !== undefined) return schema;
  for (const key of ["anyOf", "oneOf"]) {
    const folded = foldUnion(schema[key]);
    if (folded) {
      const { [key]: _union, ...rest } = schema;
      return { ...rest, ...folded };
    }
  }
  return schema;
}

/** JSON with object keys sorted, so equal schemas and values compare equal as text. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (isSchemaObject(v)) {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "undefined";
}
