// What the console reads of a query's estimate, run and history, as the API's queries procedures answer.
import type { AppRouter } from "@inlet/api/router";
import type { inferRouterOutputs } from "@trpc/server";

type Outputs = inferRouterOutputs<AppRouter>;

export type QueryEstimate = Outputs["queries"]["estimate"];
export type QueryRunResult = Outputs["queries"]["run"];
export type QueryHistoryPage = Outputs["queries"]["history"];
export type RoleBudgetRow = Outputs["budgets"]["list"][number];
