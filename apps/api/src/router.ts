// The control plane's tRPC router. The console imports only its type.
import { alertsRouter } from "./routers/alerts";
import { analyticsRouter } from "./routers/analytics";
import { auditRouter } from "./routers/audit";
import { budgetsRouter } from "./routers/budgets";
import { deadLettersRouter } from "./routers/dead-letters";
import { meProcedure } from "./routers/me";
import { operationsRouter } from "./routers/operations";
import { overviewRouter } from "./routers/overview";
import { policiesRouter } from "./routers/policies";
import { queriesRouter } from "./routers/queries";
import { replaysRouter } from "./routers/replays";
import { reprocessRouter } from "./routers/reprocess";
import { savedQueriesRouter } from "./routers/saved-queries";
import { schemasRouter } from "./routers/schemas";
import { sourcesRouter } from "./routers/sources";
import { tablesRouter } from "./routers/tables";
import { router } from "./trpc";

export const appRouter = router({
  me: meProcedure,
  overview: overviewRouter,
  operations: operationsRouter,
  alerts: alertsRouter,
  sources: sourcesRouter,
  schemas: schemasRouter,
  audit: auditRouter,
  deadLetters: deadLettersRouter,
  replays: replaysRouter,
  reprocess: reprocessRouter,
  tables: tablesRouter,
  analytics: analyticsRouter,
  queries: queriesRouter,
  budgets: budgetsRouter,
  savedQueries: savedQueriesRouter,
  policies: policiesRouter,
});

export type AppRouter = typeof appRouter;
