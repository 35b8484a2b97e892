// The check every queue adapter makes of its numeric options: a count or duration of at least one.
import { InletError } from "../errors";

/** The value rounded down; a non-finite value or one below 1 is refused, naming the option. */
export function positiveInt(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 1) {
    throw new InletError("BAD_REQUEST", `${name} must be a positive number, got ${value}`);
  }
  return Math.floor(value);
}
