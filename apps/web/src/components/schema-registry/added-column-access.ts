// How the rule each role would get on a column a new schema version adds reads on the page:
// "analyst: mask (tag pii)", "all roles: allow (no rule)",
// "all roles: deny (the table denies columns without a rule)".
import type { SchemaCheck } from "./schema-registry-outputs";

export type AddedColumn = SchemaCheck["columnsAdded"][number];
export type AddedColumnAccess = AddedColumn["access"][number];

/** Where the rule comes from, in a few words. */
export function originText(origin: AddedColumnAccess["origin"]): string {
  switch (origin.kind) {
    case "column":
      return "column rule";
    case "tag":
      return `tag ${origin.tag}`;
    case "table-default":
      return "the table denies columns without a rule";
    case "tag-default":
      return `tag ${origin.tag} denies columns without a rule`;
    case "none":
      return "no rule";
  }
}

/** One line: who, the rule, and where it comes from. */
export function accessLine(entry: AddedColumnAccess): string {
  const who = entry.allRoles ? "all roles" : entry.roles.join(", ");
  return `${who}: ${entry.ruleText} (${originText(entry.origin)})`;
}
