// Input fields several routers share, bounded so that no value past what the catalog stores reaches it
// (a version past PostgreSQL's int4, a cursor past int8, a date before 1970): each is a 400 naming the
// field, never a 500 from the database.
import { z } from "zod";

/** The largest value of a PostgreSQL integer (int4) column. */
export const INT4_MAX = 2_147_483_647;

/** A version number (of a schema, a saved query): a whole number from 1 to INT4_MAX. */
export const versionNumber = z
  .number()
  .int("must be a whole number")
  .min(1, "must be at least 1")
  .max(INT4_MAX, `must be at most ${INT4_MAX}`);

/**
 * Events per second for a replay or a reprocess run: a whole number from 1 (the service checks the
 * configured ceiling, INLET_REPLAY_MAX_RATE, naming the field).
 */
export const eventsPerSecond = z
  .number()
  .int("must be a whole number of events per second")
  .min(1, "must be at least 1 event per second")
  .max(INT4_MAX, `must be at most ${INT4_MAX} events per second`);

const INSTANT_MESSAGE = "must be an ISO 8601 date and time with its zone, such as 2026-12-05T16:00:00Z";

/** An instant as ISO 8601 text with a zone (Z or ±hh:mm), read as a Date. */
export const instantText = z
  .string({ error: INSTANT_MESSAGE })
  .max(40, INSTANT_MESSAGE)
  .pipe(z.iso.datetime({ offset: true, error: INSTANT_MESSAGE }))
  .transform((text) => new Date(text));

/** An instant as ISO 8601 text with a zone, or a Date (superjson), read as a Date. */
export const instant = z.union([z.date(), instantText]);

/** A date to filter by, from 1970 to 9999 (text or a Date). */
export const filterDate = z.coerce
  .date({ error: "must be a date, such as 2026-12-05 or 2026-12-05T16:00:00Z" })
  .min(new Date("1970-01-01T00:00:00Z"), "must be in 1970 or later")
  .max(new Date("9999-12-31T23:59:59Z"), "must be in 9999 or earlier");
