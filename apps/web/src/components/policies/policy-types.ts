// The policy shapes the console reads, as the API's router gives them.
import type { AppRouter } from "@inlet/api/router";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";

type Outputs = inferRouterOutputs<AppRouter>["policies"];
type Inputs = inferRouterInputs<AppRouter>["policies"];

export type TablePolicy = Outputs["get"];
export type PolicyColumn = TablePolicy["columns"][number];
export type EffectiveRule = PolicyColumn["cells"][number]["effective"];
export type RuleOrigin = EffectiveRule["origin"];
export type ColumnRule = EffectiveRule["rule"];
export type PolicyTag = Outputs["tags"]["tags"][number];
export type PolicyTableSummary = Outputs["tables"]["tables"][number];
export type TablePreview = Outputs["preview"];
export type SavedQueryPreview = Outputs["previewSavedQuery"];
export type PreviewableQuery = Outputs["savedQueries"]["items"][number];
export type PolicyDraftInput = NonNullable<Inputs["preview"]["draft"]>;
