// The control plane's services, built once per process from the runtime's adapters.
import type { Db } from "@inlet/db";
import {
  type AccessPolicySource,
  type Catalog,
  DEFAULT_INGEST_LIMITS,
  type LakeReader,
  type ObjectStore,
  type QueryEngine,
  type Queue,
} from "@inlet/lake-core";
import type { Logger } from "pino";
import { ensureLandingFolder } from "../landing-folders";
import type { SourceChanges } from "../source-changes";
import { AlertWebhookService } from "./alert-webhook";
import { AlertsService } from "./alerts";
import { AnalyticsTablesService } from "./analytics-tables";
import { AuditService } from "./audit";
import { DeadLettersService } from "./dead-letters";
import { OperationsService } from "./operations";
import { OverviewService } from "./overview";
import { PoliciesService } from "./policies";
import { QueriesService } from "./queries";
import type { QueryHistoryStore } from "./query-history";
import { DEFAULT_REPLAY_MAX_RATE, ReplayService, type ReplayServiceOptions } from "./replay-jobs";
import { ReprocessService } from "./reprocess-jobs";
import { SavedQueriesService } from "./saved-queries";
import { SchemaRegistryService } from "./schema-registry";
import { SourceActivityService } from "./source-activity";
import { SourceLifecycleService } from "./source-lifecycle";
import { SourceRegistrationService } from "./source-registration";
import { SourcesService } from "./sources";
import { TablesService } from "./tables";
import { TestEventService } from "./test-event";
import { userRoles } from "./user-roles";

export interface Services {
  alerts: AlertsService;
  alertWebhook: AlertWebhookService;
  analytics: AnalyticsTablesService;
  audit: AuditService;
  deadLetters: DeadLettersService;
  operations: OperationsService;
  overview: OverviewService;
  policies: PoliciesService;
  queries: QueriesService;
  replays: ReplayService;
  reprocess: ReprocessService;
  savedQueries: SavedQueriesService;
  schemaRegistry: SchemaRegistryService;
  sources: SourcesService;
  sourceActivity: SourceActivityService;
  sourceRegistration: SourceRegistrationService;
  sourceLifecycle: SourceLifecycleService;
  tables: TablesService;
  testEvents: TestEventService;
}

export function createServices(deps: {
  db: Db;
  catalog: Catalog;
  lake: LakeReader;
  /** Query history and budgets: the store the LakeReader records runs in. */
  queryHistory: QueryHistoryStore;
  queue: Queue;
  store: ObjectStore;
  sourceChanges: SourceChanges;
  logger?: Logger;
  publicApiUrl: string;
  /** This process's own base URL while it listens (test events go through its ingest API). */
  ownUrl?: () => string | undefined;
  /** The engine analytics tables are refreshed with (it writes their Parquet: DuckDB). */
  analyticsEngine: QueryEngine;
  /** The access policies the LakeReader applies: refreshes read inputs under their creator's. */
  policies: AccessPolicySource;
  /** Replays' rate ceiling, the ingest limits and the hash key (edits are shown as letters are). */
  replay?: Partial<ReplayServiceOptions>;
  /** The server's secret (NEXTAUTH_SECRET): the alert webhook's signing secret is encrypted under a key from it. */
  serverSecret: string;
}): Services {
  const audit = new AuditService(deps.db, deps.catalog);
  const sources = new SourcesService(deps.db, deps.catalog, audit, deps.publicApiUrl, deps.sourceChanges);
  const savedQueries = new SavedQueriesService(deps.db, audit);
  const queries = new QueriesService({
    db: deps.db,
    lake: deps.lake,
    history: deps.queryHistory,
    savedQueries,
    audit,
  });
  return {
    alerts: new AlertsService(deps.db, deps.catalog, audit),
    alertWebhook: new AlertWebhookService(deps.db, deps.serverSecret, audit),
    analytics: new AnalyticsTablesService({
      db: deps.db,
      catalog: deps.catalog,
      lake: deps.lake,
      audit,
      refresh: {
        catalog: deps.catalog,
        store: deps.store,
        engine: deps.analyticsEngine,
        history: deps.queryHistory,
        logger: deps.logger,
        // A table holds only what its creator may read of its inputs.
        policies: deps.policies,
        rolesOf: userRoles(deps.db),
      },
    }),
    audit,
    deadLetters: new DeadLettersService(deps.lake, deps.catalog),
    operations: new OperationsService(deps.db, audit),
    overview: new OverviewService(deps.catalog, deps.queue),
    policies: new PoliciesService({ db: deps.db, catalog: deps.catalog, lake: deps.lake, audit, queries }),
    queries,
    replays: new ReplayService(deps.db, deps.catalog, deps.lake, audit, {
      maxRate: deps.replay?.maxRate ?? DEFAULT_REPLAY_MAX_RATE,
      limits: deps.replay?.limits ?? { ...DEFAULT_INGEST_LIMITS },
      policyHashKey: deps.replay?.policyHashKey,
    }),
    reprocess: new ReprocessService(deps.db, deps.catalog, audit, {
      maxRate: deps.replay?.maxRate ?? DEFAULT_REPLAY_MAX_RATE,
    }),
    savedQueries,
    schemaRegistry: new SchemaRegistryService(
      deps.db,
      deps.catalog,
      audit,
      deps.policies,
      deps.sourceChanges,
    ),
    sources,
    sourceActivity: new SourceActivityService(deps.catalog, deps.lake),
    sourceRegistration: new SourceRegistrationService(
      deps.db,
      deps.catalog,
      audit,
      (slug) => sources.ingestUrl(slug),
      // The source exists whatever happens here: a folder not made is made at the next start.
      (slug) =>
        ensureLandingFolder(deps.store.url, slug).catch((err: unknown) =>
          deps.logger?.warn({ err, source: slug }, "the source's landing folder was not made"),
        ),
    ),
    sourceLifecycle: new SourceLifecycleService(
      deps.db,
      deps.catalog,
      deps.store,
      audit,
      deps.sourceChanges,
      deps.logger,
    ),
    tables: new TablesService(deps.lake, deps.catalog),
    testEvents: new TestEventService({
      db: deps.db,
      catalog: deps.catalog,
      lake: deps.lake,
      audit,
      ownUrl: deps.ownUrl ?? (() => undefined),
    }),
  };
}
