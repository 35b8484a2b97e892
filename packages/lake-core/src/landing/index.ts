// File-drop ingestion: landing/{source}/ files through the same raw-batch path as HTTP ingest.
export * from "./landing-formats";
export * from "./landing-ingest";
export * from "./landing-watch";
