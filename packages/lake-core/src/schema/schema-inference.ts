// Infers a JSON Schema (draft 2020-12) from a sample a data engineer pastes or uploads (NDJSON, a JSON
// array, one JSON object or CSV), with the fields that look like the event id and the event time.
import { type FieldSuggestions, suggestFields } from "./field-suggestions";
import { readSampleRecords, type SampleFormat, type SampleKind } from "./sample-records";
import {
  addObject,
  emptyObjectSketch,
  type JsonSchema,
  markWrittenAsDecimal,
  objectSchema,
} from "./type-sketch";

export type { FieldSuggestions } from "./field-suggestions";
export { MAX_SAMPLE_BYTES, MAX_SAMPLE_ROWS, type SampleFormat, type SampleKind } from "./sample-records";

export interface InferredSchema {
  schema: JsonSchema;
  format: SampleFormat;
  rows: number;
  suggestions: FieldSuggestions;
}

const DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema";

/**
 * The schema every row of the sample satisfies, as narrow as the rows allow: see objectSchema and
 * sketchSchema for the rules. Throws InletError BAD_REQUEST for an empty, oversized or malformed sample.
 */
export function inferSchema(sample: string, kind?: SampleKind): InferredSchema {
  const { format, records, decimalPlaces } = readSampleRecords(sample, kind);
  const root = emptyObjectSketch();
  for (const record of records) addObject(root, record);
  for (const place of decimalPlaces) markWrittenAsDecimal(root, place);
  return {
    schema: { $schema: DRAFT_2020_12, type: "object", ...objectSchema(root) },
    format,
    rows: records.length,
    suggestions: suggestFields(records, root),
  };
}
