// @inlet/lake-core: the data plane — ports, adapters, pipeline stages and the worker.

export { type CutoffWorkGroupMode, MIN_BYTES_SCANNED_CUTOFF } from "./adapters/athena-cutoff-workgroups";
export {
  type AthenaEngineOptions,
  type AthenaPolling,
  AthenaQueryEngine,
  createAthenaEngine,
} from "./adapters/athena-engine";
export { createDedupeIndex, type DedupeConfig } from "./adapters/dedupe-index-factory";
export {
  bindTablesAndLock,
  createDuckDbEngine,
  type DuckDbEngineOptions,
  DuckDbQueryEngine,
} from "./adapters/duckdb-engine";
export { type ScannedFile, scannedParquetBytes } from "./adapters/duckdb-scanned-bytes";
export { LocalFsObjectStore, type LocalFsStoreOptions } from "./adapters/local-fs-store";
export { NatsQueue, type NatsQueueOptions } from "./adapters/nats-queue";
export { compareKeys, validateObjectKey, validateObjectPrefix } from "./adapters/object-key";
export { createObjectStore, type ObjectStoreFactoryOptions } from "./adapters/object-store-factory";
export { readFooterStats } from "./adapters/parquet-footer-stats";
export { PgQueue, type PgQueueOptions } from "./adapters/pg-queue";
export { createQueryEngine, type QueryEngineConfig } from "./adapters/query-engine-factory";
export { createQueue, type QueueConfig } from "./adapters/queue-factory";
export {
  ENCRYPTION_PROBE_PREFIX,
  parseS3Url,
  type S3Credentials,
  type S3Encryption,
  S3ObjectStore,
  type S3StoreOptions,
} from "./adapters/s3-store";
export { type DefinitionPlan, planDefinition } from "./analytics/analytics-definition";
export { type AnalyticsPolicyCatalog, inheritingAnalyticsPolicies } from "./analytics/analytics-policies";
export {
  type ColumnLineage,
  ColumnLineageCache,
  columnLineage,
  type LineageResult,
  type LineageSource,
} from "./analytics/column-lineage";
export {
  type AnalyticsInput,
  type InheritanceRequest,
  inheritedPolicies,
} from "./analytics/inherited-policies";
export type { PartitionLocality } from "./analytics/partition-local";
export {
  type AnalyticsRefreshDeps,
  DEFAULT_REFRESH_TIMEOUT_MS,
  type RefreshOptions,
  type RefreshOutcome,
  refreshAnalyticsTable,
} from "./analytics/refresh-analytics";
export {
  curatedTableName,
  DEAD_LETTER_SEARCH_MAX_CHARS,
  DEAD_LETTER_SEARCH_MIN_CHARS,
  MAX_TREND_HOURS,
  PgCatalog,
  pgCatalogTransaction,
  type Queryable,
  SEARCH_TIMEOUT_MS,
} from "./catalog";
export { InletError, type InletErrorCode, isInletError } from "./errors";
export * from "./ingest/accept-batch";
export * from "./ingest/accept-judgement";
export * from "./ingest/bounded-decompress";
export * from "./ingest/event-envelope";
export * from "./ingest/ingest-body";
export {
  EXAMPLE_CONTENT_TYPE,
  type IngestExampleInput,
  type IngestExamples,
  ingestExamples,
} from "./ingest/ingest-examples";
export * from "./ingest/raw-batch";
export {
  type LandingAdmission,
  type LandingDeferral,
  type LandingResult,
  parseLandingKey,
} from "./landing/landing-ingest";
export {
  enqueueLandingAnnouncements,
  handleObjectCreatedEvent,
  LANDING_EVENTS_QUEUE,
  type LandingAnnouncement,
  landingAnnouncements,
} from "./landing/landing-watch";
export { ensureSourceTables } from "./maintenance/curated-tables";
export {
  applyRetention,
  type RetentionApplied,
  type RetentionOptions,
  type RetentionResult,
  retentionCutoff,
} from "./maintenance/retention";
export type * from "./ports/access-policy";
export { MASKED } from "./ports/access-policy";
export type * from "./ports/catalog";
export * from "./ports/dedupe-index";
export type * from "./ports/object-store";
export type * from "./ports/query-engine";
export * from "./ports/query-history";
export type * from "./ports/queue";
export * from "./ports/replay-catalog";
export * from "./ports/reprocess-catalog";
export { REPLAY_ORIGIN } from "./process/replay-outcomes";
export {
  describeOrigin,
  describeRule,
  hiddenColumns,
  type ResolvedRule,
  type RuleOrigin,
  resolveColumnRule,
  roleView,
  ruleStrictness,
  tableAccessFor,
} from "./query/access-rules";
export { SAMPLE_PREVIEW_CHARS, SAMPLE_TOO_LONG } from "./query/dead-letter-reads";
export {
  bindingOf,
  LATEST_EVENTS_MAX_ROWS,
  LakeReader,
  type LakeReaderDeps,
  PREVIEW_MAX_ROWS,
  type Reader,
} from "./query/lake-reader";
export {
  columnRuleFor,
  HIDDEN_PAYLOAD,
  maskJsonValue,
  maskPayload,
  maskRecord,
  readablePartition,
  readableReason,
  rowsFiltered,
} from "./query/mask-record";
export {
  ATHENA_PRICE_SHEET,
  MB_BYTES,
  type PriceSheet,
  queryCostUsd,
  TB_BYTES,
} from "./query/price-sheet";
export {
  type AppliedLimit,
  type EffectiveBudget,
  effectiveBudget,
  formatBytes,
  startOfUtcDay,
} from "./query/query-budget";
export {
  type EstimateDeps,
  estimateQuery,
  type QueryEstimate,
  type TableReadEstimate,
} from "./query/query-estimate";
export {
  type BudgetStatus,
  type CsvRunResult,
  DEFAULT_QUERY_LIMITS,
  type EstimateResult,
  type QueryLimits,
  type RunQueryInput,
  type RunQueryResult,
} from "./query/query-runs";
export { validateRowFilter } from "./query/row-filter";
export {
  parameterNames,
  QUERY_PARAMETER_TYPES,
  type QueryParameterInput,
  type QueryParameterType,
} from "./query/sql-parameters";
export {
  checkEditedPayload,
  type EditedPayloadCheck,
  type JsonParseError,
} from "./replay/edited-payload";
export type { EventProblemAt } from "./replay/judge-letter";
export {
  type DryRunFailureGroup,
  type DryRunOptions,
  type DryRunPreview,
  dryRunReplay,
  type ReplayDryRun,
} from "./replay/replay-dry-run";
export { type LetterText, letterEvents, letterFormat, type ReplayFormat } from "./replay/replay-letters";
export {
  type LiveLoad,
  ReplayPace,
  type ReplayPaceOptions,
  type ReplayPriority,
  replayPriority,
} from "./replay/replay-pace";
export {
  chunkEvents,
  type ReplayRunnerDeps,
  type ReplayRunOptions,
  type ReplayRunResult,
  replayBatchId,
  runReplayJob,
} from "./replay/replay-runner";
export {
  REPROCESS_LATE_WINDOW_MS,
  type ReprocessRunnerDeps,
  type ReprocessRunResult,
  runReprocessJob,
} from "./replay/reprocess-runner";
export {
  COLUMN_TAGS_KEYWORD,
  type SchemaColumnTags,
  schemaColumnTags,
} from "./schema/column-tags";
export { type ExampleEventOptions, exampleEvent } from "./schema/example-event";
export { checkNewSchema } from "./schema/new-schema";
export { curatedColumns, evolveColumns } from "./schema/schema-columns";
export {
  assertCompatible,
  COMPATIBILITY_MODES,
  type CompatibilityMode,
  type CompatibilityProblem,
  type CompatibilityResult,
  checkCompatibility,
  compatibilityMessage,
  problemMessage,
} from "./schema/schema-compatibility";
export {
  type ChangeEffect,
  diffSchemas,
  type SchemaChange,
  type SchemaChangeKind,
} from "./schema/schema-diff";
export {
  type ColumnImpact,
  changedColumns,
  downstreamImpact,
  mentionsColumn,
  referencesTable,
  type SavedQueryText,
} from "./schema/schema-impact";
export {
  type FieldSuggestions,
  type InferredSchema,
  inferSchema,
  MAX_SAMPLE_BYTES,
  MAX_SAMPLE_ROWS,
  type SampleFormat,
  type SampleKind,
} from "./schema/schema-inference";
export type { JsonSchema } from "./schema/schema-node";
export { readableSchemaOrder } from "./schema/schema-order";
export { compileEventValidator, type EventValidator } from "./schema/schema-validator";
export { type LoadedSource, loadSource, withSchema } from "./schema/source-schema";
export { startWorker, type Worker, type WorkerConfig, type WorkerDeps } from "./worker/worker";
export { WorkerMetrics } from "./worker/worker-metrics";
