// The dead-letter shapes the console reads, as the API's router gives them.
import type { AppRouter } from "@inlet/api/router";
import type { inferRouterOutputs } from "@trpc/server";

type Outputs = inferRouterOutputs<AppRouter>["deadLetters"];

export type DeadLetterGroupsPage = Outputs["groups"];
export type DeadLetterGroup = DeadLetterGroupsPage["groups"][number];
