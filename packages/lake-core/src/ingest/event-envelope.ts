// Event identity shared by ingest (checks) and the worker (storage): one set of rules splits a raw batch
// into events and derives each one's id, time, payload and CloudEvents attributes. Each part is a module.
export * from "./batch-check";
export * from "./batch-events";
export * from "./cloud-event-attributes";
export * from "./envelope";
export * from "./event-fields";
export * from "./json-body";
