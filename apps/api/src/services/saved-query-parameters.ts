// A saved query's declared parameters checked against its SQL: what is declared must be exactly the
// `{{name}}` placeholders the SQL uses (found as the query path binds them: lake-core's parameterNames).
import { InletError, parameterNames } from "@inlet/lake-core";

export const PARAMETER_TYPES = ["date", "number", "text", "list"] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

export interface DeclaredParameter {
  name: string;
  type: ParameterType;
  default?: string | number | string[] | undefined;
}

export const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

function defaultProblem(p: DeclaredParameter): string | undefined {
  const v = p.default;
  if (v === undefined) return undefined;
  switch (p.type) {
    case "date":
      return typeof v === "string" && isCalendarDate(v)
        ? undefined
        : `The default of '${p.name}' must be a date written YYYY-MM-DD`;
    case "number":
      return typeof v === "number" && Number.isFinite(v)
        ? undefined
        : `The default of '${p.name}' must be a number`;
    case "text":
      return typeof v === "string" ? undefined : `The default of '${p.name}' must be text`;
    case "list":
      return Array.isArray(v) ? undefined : `The default of '${p.name}' must be a list of values`;
  }
}

/**
 * Refuses parameters that do not match the SQL: a placeholder with no declaration, a declaration the SQL
 * never uses, a name declared twice, or a default of the wrong type. Each refusal names its field.
 */
export function checkParameters(sql: string, parameters: readonly DeclaredParameter[]): void {
  const used = parameterNames(sql);
  const seen = new Set<string>();
  parameters.forEach((p, index) => {
    if (seen.has(p.name)) {
      throw new InletError("BAD_REQUEST", `Parameter '${p.name}' is declared twice`, {
        field: `parameters.${index}.name`,
      });
    }
    seen.add(p.name);
    if (!used.includes(p.name)) {
      throw new InletError(
        "BAD_REQUEST",
        `Parameter '${p.name}' is declared but the SQL never uses {{${p.name}}}`,
        { field: `parameters.${index}.name` },
      );
    }
    const problem = defaultProblem(p);
    if (problem) throw new InletError("BAD_REQUEST", problem, { field: `parameters.${index}.default` });
  });
  const undeclared = used.filter((name) => !seen.has(name));
  if (undeclared.length > 0) {
    const list = undeclared.map((n) => `{{${n}}}`).join(", ");
    throw new InletError(
      "BAD_REQUEST",
      `The SQL uses ${list} but ${undeclared.length === 1 ? "it is" : "they are"} not declared: give ${
        undeclared.length === 1 ? "it" : "each"
      } a type (date, number, text or list)`,
      { field: "parameters" },
    );
  }
}
