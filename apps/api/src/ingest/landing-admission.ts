// Admission control for dropped files, with the bounds and figures HTTP ingest uses: the worker leaves a
// file in landing/ while its source or the server is over a bound, and an S3 event notification that
// announces a file of such a source is answered 429 (or 503) with Retry-After, which its sender retries.
import {
  type Catalog,
  type LandingAdmission,
  type LandingAnnouncement,
  parseLandingKey,
} from "@inlet/lake-core";
import type { Admission } from "./admission-control";
import type { Refusal } from "./admission-judge";

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

/**
 * The refusal an S3 event notification gets when a file it announces belongs to a source over its
 * bound, or the server is over its own: nothing of it is queued then, and the sender retries the whole
 * notification (a re-delivery is deduplicated by the records' sequencers). Files of unknown sources are
 * admitted: the worker sets them aside with a dead letter, as before.
 */
export async function admitLandingAnnouncements(
  deps: { admission: Admission; catalog: Pick<Catalog, "findSourceBySlug"> },
  announcements: readonly LandingAnnouncement[],
): Promise<Refusal | undefined> {
  const slugs = new Set<string>();
  for (const a of announcements) {
    const parsed = parseLandingKey(a.key);
    if (parsed) slugs.add(parsed.slug);
  }
  for (const slug of slugs) {
    const source = await deps.catalog.findSourceBySlug(slug);
    if (!source) continue;
    const refusal = await deps.admission.admit({ id: source.id, slug: source.slug });
    if (refusal) return refusal;
  }
  return undefined;
}
