// @inlet/lake-core/testing: contract suites and fixtures for adapter and pipeline tests.

export { MemoryQueryHistory, type RecordedRun } from "./memory-query-history";
export {
  type ObjectStoreContractOptions,
  type ObjectStoreUnderTest,
  objectStoreContract,
} from "./object-store-contract";
export {
  createTestSource,
  enqueueRawBatch,
  type TestSource,
  waitUntil,
} from "./pipeline-fixtures";
export {
  createQueryFixtures,
  type QueryEngineUnderTest,
  type QueryFixtures,
  queryEngineContract,
} from "./query-engine-contract";
export {
  CONTRACT_MAX_RECEIVES,
  type QueueUnderTest,
  type QueueUnderTestOptions,
  queueContract,
} from "./queue-contract";
export { type S3EventNotification, type S3rverHandle, type StartS3rverOptions, startS3rver } from "./s3rver";
