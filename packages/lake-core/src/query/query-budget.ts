// Bytes-scanned budgets: the limits that apply to a person (the most generous of their roles'), and
// the refusals that name the limit, the role and by how much a query goes over it.
import { InletError } from "../errors";
import type { RoleBudget } from "../ports/query-history";

export interface AppliedLimit {
  limitBytes: number;
  /** The role whose limit applies: the most generous of the person's roles. */
  role: string;
}

/** null: no limit of that kind applies (some role of the person has none). */
export interface EffectiveBudget {
  perQuery: AppliedLimit | null;
  perDay: AppliedLimit | null;
}

export const UNLIMITED: EffectiveBudget = Object.freeze({ perQuery: null, perDay: null });

/** Start of the UTC day `now` is in: daily budgets are counted per UTC day. */
export function startOfUtcDay(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

/**
 * The limits for a person with these roles: for each kind, the largest of their roles' limits, or none
 * when any of their roles has no limit of that kind (no budget row counts as no limit).
 */
export function effectiveBudget(roles: readonly string[], budgets: readonly RoleBudget[]): EffectiveBudget {
  const pick = (kind: "perQueryBytes" | "perDayBytes"): AppliedLimit | null => {
    let best: AppliedLimit | null = null;
    for (const role of roles) {
      const limit = budgets.find((b) => b.role === role)?.[kind] ?? null;
      if (limit === null) return null;
      if (!best || limit > best.limitBytes) best = { limitBytes: limit, role };
    }
    return best;
  };
  if (roles.length === 0) return UNLIMITED;
  return { perQuery: pick("perQueryBytes"), perDay: pick("perDayBytes") };
}

const UNITS = ["bytes", "KB", "MB", "GB", "TB", "PB"];

/** Bytes for people, in binary units as the price sheet counts them (1 MB = 2^20 bytes). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${bytes} ${bytes === 1 ? "byte" : "bytes"}`;
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${Number(value.toFixed(digits))} ${UNITS[unit]}`;
}

function exceeded(message: string, details: Record<string, unknown>): InletError {
  return new InletError("BUDGET_EXCEEDED", message, details);
}

/**
 * The refusal of a query estimated to scan `estimatedBytes` by someone who has scanned `usedToday`
 * bytes today, or undefined when it is within both limits.
 */
export function budgetRefusal(
  budget: EffectiveBudget,
  estimatedBytes: number,
  usedToday: number,
): InletError | undefined {
  const { perQuery, perDay } = budget;
  if (perQuery && estimatedBytes > perQuery.limitBytes) {
    const over = estimatedBytes - perQuery.limitBytes;
    return exceeded(
      `This query would scan ${formatBytes(estimatedBytes)}, over the per-query limit of ${formatBytes(perQuery.limitBytes)} for the role ${perQuery.role} by ${formatBytes(over)}. Filter on the partition column (dt) or select fewer columns.`,
      {
        limit: "perQueryBytes",
        role: perQuery.role,
        limitBytes: perQuery.limitBytes,
        estimatedBytes,
        overByBytes: over,
      },
    );
  }
  if (perDay && usedToday + estimatedBytes > perDay.limitBytes) {
    const total = usedToday + estimatedBytes;
    const over = total - perDay.limitBytes;
    return exceeded(
      `This query would scan ${formatBytes(estimatedBytes)}; with the ${formatBytes(usedToday)} you have scanned today (UTC) that is ${formatBytes(total)}, over the daily limit of ${formatBytes(perDay.limitBytes)} for the role ${perDay.role} by ${formatBytes(over)}.`,
      {
        limit: "perDayBytes",
        role: perDay.role,
        limitBytes: perDay.limitBytes,
        estimatedBytes,
        usedTodayBytes: usedToday,
        overByBytes: over,
      },
    );
  }
  return undefined;
}

/** The failure of a run whose measured bytes went over its per-query limit, or undefined. */
export function measuredOverLimit(budget: EffectiveBudget, bytesScanned: number): InletError | undefined {
  const { perQuery } = budget;
  if (!perQuery || bytesScanned <= perQuery.limitBytes) return undefined;
  const over = bytesScanned - perQuery.limitBytes;
  return exceeded(
    `The query scanned ${formatBytes(bytesScanned)}, over the per-query limit of ${formatBytes(perQuery.limitBytes)} for the role ${perQuery.role} by ${formatBytes(over)}, so it was stopped and its result withheld.`,
    {
      limit: "perQueryBytes",
      role: perQuery.role,
      limitBytes: perQuery.limitBytes,
      bytesScanned,
      overByBytes: over,
    },
  );
}
