// Whether a new schema version may follow a source's earlier ones under its compatibility mode, and a
// sentence per problem naming the field, the change and the rule it breaks.
//
// The rules are Confluent Schema Registry's for JSON Schema, read as what AJV accepts: BACKWARD keeps
// every event valid under the latest version valid under the new one (a type widened, an enum
// extended, a bound relaxed, a required field made optional are fine); FORWARD is the reverse; FULL is
// both; the _TRANSITIVE modes hold against every earlier version, not only the latest; NONE allows all.
//
// Deliberate departures from Confluent:
// - A field the schema does not declare is not part of the table, so adding or removing an OPTIONAL
//   field is compatible in every mode, even on an object open to undeclared fields (Confluent refuses
//   a field added to an open content model under BACKWARD, and one removed under FORWARD). On a closed
//   object (additionalProperties: false) it is judged as AJV would: an optional field added breaks
//   FORWARD, one removed breaks BACKWARD.
// - A required field with a default is judged like any required field: the validator does not fill
//   defaults in, so an old event without the field would be refused.
import { InletError } from "../errors";
import { diffSchemas, type SchemaChange } from "./schema-diff";
import type { JsonSchema } from "./schema-node";

export const COMPATIBILITY_MODES = [
  "BACKWARD",
  "BACKWARD_TRANSITIVE",
  "FORWARD",
  "FORWARD_TRANSITIVE",
  "FULL",
  "FULL_TRANSITIVE",
  "NONE",
] as const;

export type CompatibilityMode = (typeof COMPATIBILITY_MODES)[number];

export interface CompatibilityProblem {
  /** JSON pointer of the field in an event ("/customer/email"; "*" for every item of an array). */
  path: string;
  /** Dotted name of the field ("customer.email"); "" is the event itself. */
  field: string;
  /** What changed: "type changed from number to integer". */
  change: string;
  /** The rule broken: "BACKWARD: events valid under version 2 must stay valid". */
  rule: string;
  /** The earlier version (1 is the first) the change is judged against. */
  version?: number;
  /** Why the mode refuses it: "BACKWARD forbids narrowing a type, since events written with …". */
  reason: string;
}

export type CompatibilityResult =
  | { compatible: true }
  | { compatible: false; problems: CompatibilityProblem[] };

/** Backward: events of the earlier version must pass the new one. Forward: the other way round. */
type Direction = "backward" | "forward";

const DIRECTIONS: Record<CompatibilityMode, readonly Direction[]> = {
  BACKWARD: ["backward"],
  BACKWARD_TRANSITIVE: ["backward"],
  FORWARD: ["forward"],
  FORWARD_TRANSITIVE: ["forward"],
  FULL: ["backward", "forward"],
  FULL_TRANSITIVE: ["backward", "forward"],
  NONE: [],
};

/** The directions in which a change lets an event through on one side and refuses it on the other. */
function brokenDirections(change: SchemaChange): Direction[] {
  switch (change.effect) {
    case "narrows":
      return ["backward"];
    case "widens":
      return ["forward"];
    case "changes":
      return ["backward", "forward"];
    case "neutral":
      return [];
  }
}

/** What a format or constraint change does: "adding a pattern", "tightening 'maximum'", … */
function keywordPhrase(change: SchemaChange): string {
  const keyword = change.keyword ?? "a constraint";
  if (keyword === "additionalProperties") {
    return byEffect(change, {
      narrows: "closing an object to undeclared fields",
      widens: "opening an object to undeclared fields",
      changes: "changing which undeclared fields an object accepts",
    });
  }
  const noun = keyword === "pattern" || keyword === "format" ? `a ${keyword}` : `'${keyword}'`;
  if (change.from === undefined) return `adding ${noun}`;
  if (change.to === undefined) return `removing ${noun}`;
  if ((keyword === "anyOf" || keyword === "oneOf") && change.effect !== "changes") {
    return change.effect === "widens" ? `adding a branch to ${noun}` : `removing a branch from ${noun}`;
  }
  if (change.effect === "widens") return `relaxing ${noun}`;
  if (change.effect === "narrows") return `tightening ${noun}`;
  return `changing ${noun}`;
}

/** The phrase for a change's effect (a neutral change breaks nothing and is never named). */
function byEffect(
  change: SchemaChange,
  phrases: { widens: string; narrows: string; changes: string },
): string {
  return change.effect === "neutral" ? phrases.changes : phrases[change.effect];
}

/** What the mode forbids, as a gerund: "narrowing a type", "adding a required field", … */
function forbiddenChange(change: SchemaChange): string {
  switch (change.kind) {
    case "retyped":
      return byEffect(change, {
        widens: "widening a type",
        narrows: "narrowing a type",
        changes: "changing a type",
      });
    case "enum":
      return byEffect(change, {
        widens: "extending an enum",
        narrows: "narrowing an enum",
        changes: "changing an enum",
      });
    case "required":
      return "making a field required";
    case "optional":
      return "making a required field optional";
    case "added":
      return byEffect(change, {
        narrows: "adding a required field",
        widens: "adding a field to a closed object",
        changes: "adding a required field to a closed object",
      });
    case "removed":
      return byEffect(change, {
        widens: "removing a required field",
        narrows: "removing a field from a closed object",
        changes: "removing a required field from a closed object",
      });
    case "format":
    case "constraint":
      return keywordPhrase(change);
  }
}

function ruleOf(mode: CompatibilityMode, broken: readonly Direction[], version: number): string {
  const halves = broken.map((d) =>
    d === "backward"
      ? `events valid under version ${version} must stay valid`
      : `events valid under the new version must be valid under version ${version}`,
  );
  return `${mode}: ${halves.join(", and ")}`;
}

function consequenceOf(broken: readonly Direction[], version: number): string {
  return broken
    .map((d) =>
      d === "backward"
        ? `events written with version ${version} would no longer validate`
        : `events written with the new version would not validate under version ${version}`,
    )
    .join(" and ");
}

function problemsWith(
  earlier: JsonSchema,
  version: number,
  next: JsonSchema,
  mode: CompatibilityMode,
): CompatibilityProblem[] {
  return diffSchemas(earlier, next).flatMap((change) => {
    const broken = brokenDirections(change).filter((d) => DIRECTIONS[mode].includes(d));
    if (broken.length === 0) return [];
    return [
      {
        path: change.path,
        field: change.field,
        change: change.description,
        rule: ruleOf(mode, broken, version),
        version,
        reason: `${mode} forbids ${forbiddenChange(change)}, since ${consequenceOf(broken, version)}`,
      },
    ];
  });
}

/**
 * Whether `next` may follow `previous` (oldest first; version n is `previous[n - 1]`) under `mode`.
 * A transitive mode reports each problem once per earlier version it breaks.
 */
export function checkCompatibility(
  previous: readonly JsonSchema[],
  next: JsonSchema,
  mode: CompatibilityMode = "BACKWARD",
): CompatibilityResult {
  if (DIRECTIONS[mode].length === 0) return { compatible: true };
  const latest = previous.length;
  const judged = mode.endsWith("_TRANSITIVE") ? previous.map((_, i) => i + 1) : latest > 0 ? [latest] : [];
  const problems = judged.flatMap((version) => problemsWith(previous[version - 1]!, version, next, mode));
  return problems.length === 0 ? { compatible: true } : { compatible: false, problems };
}

/** One sentence: "field 'amount': type changed from number to integer; BACKWARD forbids …". */
export function problemMessage(problem: CompatibilityProblem): string {
  const subject = problem.field === "" ? "the event" : `field '${problem.field}'`;
  return `${subject}: ${problem.change}; ${problem.reason}.`;
}

/** A sentence per problem, one a line; "compatible" when there is none. */
export function compatibilityMessage(result: CompatibilityResult): string {
  return result.compatible ? "compatible" : result.problems.map(problemMessage).join("\n");
}

/** Throws SCHEMA_INCOMPATIBLE, with the problems in its details, unless `next` may follow `previous`. */
export function assertCompatible(
  previous: readonly JsonSchema[],
  next: JsonSchema,
  mode: CompatibilityMode = "BACKWARD",
): void {
  const result = checkCompatibility(previous, next, mode);
  if (!result.compatible) {
    throw new InletError("SCHEMA_INCOMPATIBLE", compatibilityMessage(result), {
      mode,
      problems: result.problems,
    });
  }
}
