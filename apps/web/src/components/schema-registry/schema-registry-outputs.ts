// What the schema registry's procedures return, as the console's components read them.
import type { AppRouter } from "@inlet/api/router";
import type { inferRouterOutputs } from "@trpc/server";

type Outputs = inferRouterOutputs<AppRouter>["schemas"];

export type SchemaVersionList = Outputs["list"];
export type SchemaVersionRow = SchemaVersionList["versions"][number];
export type SchemaCompatibility = SchemaVersionList["compatibility"];
export type SchemaCheck = Outputs["check"];
export type SchemaChangeItem = SchemaCheck["changes"][number];
export type SchemaProblem = SchemaCheck["problems"][number];
export type ColumnImpact = SchemaCheck["impact"][number];
