// The compatibility modes as people choose them: the name the API shows (upper case) and what each lets through.
import type { SchemaCompatibility } from "./schema-registry-outputs";

export interface CompatibilityModeInfo {
  mode: SchemaCompatibility;
  label: string;
  description: string;
}

export const COMPATIBILITY_MODES: readonly CompatibilityModeInfo[] = [
  {
    mode: "backward",
    label: "BACKWARD (default)",
    description:
      "Every event valid under the latest version stays valid: add optional fields, widen a type, extend an enum, relax a bound, make a field optional.",
  },
  {
    mode: "backward_transitive",
    label: "BACKWARD_TRANSITIVE",
    description: "Like BACKWARD, against every earlier version, not only the latest.",
  },
  {
    mode: "forward",
    label: "FORWARD",
    description:
      "Every event valid under the new version is valid under the latest: add required fields, narrow a type or an enum, tighten a bound.",
  },
  {
    mode: "forward_transitive",
    label: "FORWARD_TRANSITIVE",
    description: "Like FORWARD, against every earlier version, not only the latest.",
  },
  {
    mode: "full",
    label: "FULL",
    description:
      "Both BACKWARD and FORWARD against the latest version: only optional fields may come and go.",
  },
  {
    mode: "full_transitive",
    label: "FULL_TRANSITIVE",
    description: "Like FULL, against every earlier version.",
  },
  { mode: "none", label: "NONE", description: "Any change is accepted; nothing is checked." },
];

/** The mode as the API names it in messages: BACKWARD, FULL_TRANSITIVE, … */
export function modeName(mode: string): string {
  return mode.toUpperCase();
}
