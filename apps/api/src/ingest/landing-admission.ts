// Admission control for dropped files, with the bounds and figures HTTP ingest uses: the worker leaves a
// file in landing/ while its source or the server is over a bound, whether it was found by polling or
// announced by an S3 event notification (always queued: a refused one could be lost by its sender).
import type { LandingAdmission } from "@inlet/lake-core";
import type { Admission } from "./admission-control";

/** The worker's side: a file held by admission control is looked at again after Retry-After. */
export function landingAdmission(admission: Admission): LandingAdmission {
  return {
    async admit(source) {
      const refusal = await admission.admit(source);
      if (!refusal) return undefined;
      return {
        reason: `${refusal.situation}; the file stays in landing/ and is taken once the backlog drains`,
        retryAfterMs: refusal.retryAfterSeconds * 1000,
      };
    },
    noteAccepted: (sourceId, bytes) => admission.noteAccepted(sourceId, bytes),
  };
}
