// What the LakeReader adds to the catalog's dead-letter reads for one reader: a group's sample payload
// under the reader's column rules (as a letter's own payload is shown), and the refusal a payload
// search gets where those rules restrict the source's table.
//
// Why a search is refused rather than run: the catalog matches the text against payloads as received,
// so a search that found letters of a table whose rules mask `email` would tell the reader which
// emails are there — a value-guessing oracle for what the mask hides. Matching against the masked
// payloads instead would mean reading and masking every candidate payload in the API (no bound that
// PostgreSQL enforces). So a search looks only at letters of sources whose table no rule restricts
// for the reader (and at letters without a source, which are shown whole): naming a restricted source
// is refused with a message saying so, and a search across every source leaves the restricted ones
// out and says which.
import { InletError } from "../errors";
import type { TableAccess } from "../ports/access-policy";
import type { DeadLetterGroup } from "../ports/catalog";
import { maskPayload } from "./mask-record";

/** A group's sample payload is shown up to this many characters (code points). */
export const SAMPLE_PREVIEW_CHARS = 4_000;

/**
 * The catalog reads a sample's payload up to this many characters: masking needs the whole JSON, so a
 * longer one is not previewed for a reader whose rules restrict its table (the letter itself is).
 */
export const SAMPLE_READ_CHARS = 65_536;

/** What a restricted reader sees instead of a sample too long to mask in a preview. */
export const SAMPLE_TOO_LONG =
  "[sample not previewed: it is too long to apply your roles' column rules here; open the letter to read it]";

type Sample = DeadLetterGroup["sample"];

function cut(text: string, max: number): { text: string; cut: boolean } {
  if (text.length <= max) return { text, cut: false };
  const chars = Array.from(text);
  return chars.length <= max ? { text, cut: false } : { text: chars.slice(0, max).join(""), cut: true };
}

/** The sample as a reader with `access` (undefined: unrestricted) may see it, cut for a preview. */
export function readableSample(
  sample: Sample,
  access: TableAccess | undefined,
  hashKey: Uint8Array | undefined,
): Sample {
  if (!access) {
    const shown = cut(sample.payload, SAMPLE_PREVIEW_CHARS);
    return {
      ...sample,
      payload: shown.text,
      payloadTruncated: sample.payloadTruncated || shown.cut,
      payloadMasked: false,
    };
  }
  if (sample.payloadTruncated) {
    return { ...sample, payload: SAMPLE_TOO_LONG, payloadTruncated: true, payloadMasked: true };
  }
  const masked = maskPayload(sample.payload, access, hashKey);
  const shown = cut(masked, SAMPLE_PREVIEW_CHARS);
  return {
    ...sample,
    payload: shown.text,
    payloadChars: Array.from(masked).length,
    payloadTruncated: shown.cut,
    payloadMasked: true,
  };
}

/** The refusal of a payload search of a source whose table the reader's rules restrict. */
export function searchRefused(slug: string): InletError {
  return new InletError(
    "FORBIDDEN",
    `Payloads of ${slug} cannot be searched with your roles: column rules mask or hide some of its fields, and a search could find what they hide. Filter by reason, JSON pointer, batch or time instead.`,
    { field: "search", source: slug },
  );
}
