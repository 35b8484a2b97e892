// The control plane's services, built once per process from the runtime's adapters.
import type { Db } from "@inlet/db";
import type { Catalog, LakeReader, Queue } from "@inlet/lake-core";
import { AuditService } from "./audit";
import { DeadLettersService } from "./dead-letters";
import { OverviewService } from "./overview";
import { SourceRegistrationService } from "./source-registration";
import { SourcesService } from "./sources";
import { TablesService } from "./tables";

export interface Services {
  audit: AuditService;
  deadLetters: DeadLettersService;
  overview: OverviewService;
  sources: SourcesService;
  sourceRegistration: SourceRegistrationService;
  tables: TablesService;
}

export function createServices(deps: {
  db: Db;
  catalog: Catalog;
  lake: LakeReader;
  queue: Queue;
  publicApiUrl: string;
}): Services {
  const audit = new AuditService(deps.db);
  const sources = new SourcesService(deps.db, deps.catalog, audit, deps.publicApiUrl);
  return {
    audit,
    deadLetters: new DeadLettersService(deps.lake, deps.catalog),
    overview: new OverviewService(deps.catalog, deps.queue),
    sources,
    sourceRegistration: new SourceRegistrationService(deps.db, deps.catalog, audit, (slug) =>
      sources.ingestUrl(slug),
    ),
    tables: new TablesService(deps.lake),
  };
}
