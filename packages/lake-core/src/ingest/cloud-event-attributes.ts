// CloudEvents attributes: which are required, how each must look, and what a structured event's
// attributes say about it.
import { describeJson, type EnvelopeProblem, isRecord } from "./envelope";
import { rfc3339Time } from "./event-fields";

/** CloudEvents attribute names: lowercase ASCII letters and digits. */
export const ATTRIBUTE_NAME = /^[a-z0-9]+$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const LEAP_SECOND_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:60(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

export interface AttributeProblem {
  field: string;
  message: string;
}

/**
 * The CloudEvents 1.0 checks ingest applies: specversion "1.0", non-empty type and source, id a non-empty
 * string when present (assigned when absent), subject a string, time RFC 3339, not both data forms.
 * `label` names attributes in messages (binary mode says "ce-type" where JSON says "type").
 */
export function checkCloudEvent(
  event: unknown,
  label: (attribute: string) => string = (a) => `"${a}"`,
  /**
   * Ingest's checks (the default). The worker passes false: it still reads batches accepted before
   * ingest required an id, checked attribute names, data_base64 and the source's characters.
   */
  opts: { atIngest?: boolean } = {},
): AttributeProblem | undefined {
  const atIngest = opts.atIngest !== false;
  if (!isRecord(event)) return { field: "", message: `is ${describeJson(event)}, not a JSON object` };
  const missing = (a: string): AttributeProblem => ({
    field: a,
    message: `missing required attribute ${label(a)}`,
  });
  const spec = event.specversion;
  if (spec === undefined || spec === null) return missing("specversion");
  if (spec !== "1.0") {
    return {
      field: "specversion",
      message: `${label("specversion")} must be "1.0" (got ${preview(spec)})`,
    };
  }
  // CloudEvents 1.0 requires id: producers retry with the same id, which is what deduplication keys on.
  for (const a of ["id", "source", "type"] as const) {
    const v = event[a];
    if ((v === undefined || v === null) && a === "id" && !atIngest) continue;
    if (v === undefined || v === null) return missing(a);
    if (typeof v !== "string" || v === "") {
      return { field: a, message: `${label(a)} must be a non-empty string (got ${preview(v)})` };
    }
  }
  // A URI-reference holds no control character; a dedupe key separates source and id by one.
  if (atIngest && CONTROL_CHARACTER.test(event.source as string)) {
    return {
      field: "source",
      message: `${label("source")} must be a URI-reference, which holds no control characters (U+0000 to U+001F, U+007F)`,
    };
  }
  for (const a of ["subject", "datacontenttype", "dataschema"] as const) {
    const v = event[a];
    if (v !== undefined && v !== null && typeof v !== "string") {
      return { field: a, message: `${label(a)} must be a string (got ${preview(v)})` };
    }
  }
  const time = event.time;
  if (time !== undefined && time !== null) {
    if (typeof time === "string" && LEAP_SECOND_TIME.test(time)) {
      return {
        field: "time",
        message: `${label("time")} is a leap second (:60), which Inlet cannot represent as an instant (got ${preview(time)})`,
      };
    }
    if (typeof time !== "string" || rfc3339Time(time) === undefined) {
      return {
        field: "time",
        message: `${label("time")} must be an RFC 3339 timestamp such as 2024-05-01T12:00:00Z (got ${preview(time)})`,
      };
    }
  }
  if (event.data !== undefined && event.data_base64 !== undefined) {
    return { field: "data", message: `${label("data")} and ${label("data_base64")} cannot both be present` };
  }
  const b64 = event.data_base64;
  if (atIngest && b64 !== undefined && b64 !== null && (typeof b64 !== "string" || !BASE64.test(b64))) {
    return {
      field: "data_base64",
      message: `${label("data_base64")} must be a base64 string (RFC 4648: A-Z, a-z, 0-9, + and /, padded with =; got ${preview(b64)})`,
    };
  }
  if (atIngest) {
    for (const name of Object.keys(event)) {
      if (name === "data" || name === "data_base64" || ATTRIBUTE_NAME.test(name)) continue;
      return {
        field: name,
        message: `${label(name)}: CloudEvents attribute names are lowercase letters and digits (a-z, 0-9)`,
      };
    }
  }
  // CloudEvents attribute values are strings, integers or booleans (binary, URI and timestamp values
  // are strings in JSON); only data may be structured.
  for (const [name, value] of Object.entries(event)) {
    if (name === "data" || value === null || typeof value !== "object") continue;
    return {
      field: name,
      message: `${label(name)} must be a string, number or boolean: CloudEvents attributes cannot be ${Array.isArray(value) ? "arrays" : "objects"}`,
    };
  }
  return undefined;
}

function preview(value: unknown): string {
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export function cloudEventProblem(
  event: unknown,
  index: number | undefined,
  atIngest = true,
): EnvelopeProblem | undefined {
  const problem = checkCloudEvent(event, undefined, { atIngest });
  if (!problem) return undefined;
  const at = index === undefined ? {} : { index };
  if (problem.field === "") {
    const message =
      index === undefined
        ? `a structured CloudEvent must be a JSON object, got ${describeJson(event)}${
            Array.isArray(event) ? "; send arrays as application/cloudevents-batch+json" : ""
          }`
        : `event ${index + 1} ${problem.message}`;
    return { code: "INVALID_CLOUDEVENT", message, ...at, value: event };
  }
  return {
    code: "INVALID_CLOUDEVENT",
    message: index === undefined ? problem.message : `event ${index + 1}: ${problem.message}`,
    ...at,
    field: problem.field,
    value: event,
  };
}
