// The saved-query shapes the console reads, as the API's router gives them.
import type { AppRouter } from "@inlet/api/router";
import type { inferRouterOutputs } from "@trpc/server";

type Outputs = inferRouterOutputs<AppRouter>["savedQueries"];

export type SavedQuery = Outputs["get"];
export type SavedQuerySummary = Outputs["list"]["items"][number];
export type SavedQueryVersion = SavedQuery["versions"][number];
export type SavedQueryDiff = Outputs["diff"];
