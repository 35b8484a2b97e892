// The catalog adapter of the data plane over @inlet/db.
export * from "./batch-catalog";
export * from "./dead-letters";
export * from "./seen-events";
export * from "./source-catalog";
export * from "./table-catalog";
export * from "./transaction";
