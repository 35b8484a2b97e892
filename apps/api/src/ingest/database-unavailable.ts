// Whether an error means the catalog's PostgreSQL could not be reached or went away mid-request (down,
// restarting, its connections cut): the ingest API then answers 503 with Retry-After, not 500.

/** Node socket codes, PostgreSQL's admin-shutdown and connection-exception SQLSTATEs, Prisma's reachability codes. */
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "57P01",
  "57P02",
  "57P03",
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
  "P1001",
  "P1002",
  "P1017",
  "P2024",
]);

/** Kinds of @prisma/adapter-pg's DriverAdapterError for a server out of reach. */
const UNAVAILABLE_KINDS = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
]);

const UNAVAILABLE_MESSAGE =
  /Connection terminated|Can't reach database server|the database system is (shutting down|starting up|not yet accepting connections|in recovery mode)|terminating connection due to administrator command/i;

export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (err === null || typeof err !== "object" || depth > 5) return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; meta?: unknown };
  if (typeof e.code === "string" && UNAVAILABLE_CODES.has(e.code)) return true;
  const meta = e.meta as { driverAdapterError?: { cause?: { kind?: unknown } } } | undefined;
  const kind = meta?.driverAdapterError?.cause?.kind;
  if (typeof kind === "string" && UNAVAILABLE_KINDS.has(kind)) return true;
  if (typeof e.message === "string" && UNAVAILABLE_MESSAGE.test(e.message)) return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
}
