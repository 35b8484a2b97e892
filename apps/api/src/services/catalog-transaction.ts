// One database transaction for a catalog change and the control-plane rows that go with it (its audit
// entry): both commit, or neither does. The catalog's statements run on Prisma's transaction connection.
import type { Db, Prisma } from "@inlet/db";
import { type CatalogTransaction, pgCatalogTransaction, type Queryable } from "@inlet/lake-core";

interface DriverErrorCause {
  originalCode?: string;
  originalMessage?: string;
  constraint?: { index?: string };
}

/**
 * PostgreSQL's own error as node-pg gives it (code, constraint, message), from the shape Prisma wraps a
 * raw query's failure in, so the catalog reads a unique violation the same way on either connection.
 */
function asPgError(err: unknown): unknown {
  const cause = (err as { meta?: { driverAdapterError?: { cause?: DriverErrorCause } } }).meta
    ?.driverAdapterError?.cause;
  if (!cause?.originalCode) return err;
  return Object.assign(new Error(cause.originalMessage ?? String(err)), {
    code: cause.originalCode,
    constraint: cause.constraint?.index,
    cause: err,
  });
}

function sqlOn(prisma: Prisma.TransactionClient): Queryable {
  return {
    async query<R>(text: string, values: unknown[] = []) {
      try {
        return { rows: await prisma.$queryRawUnsafe<R[]>(text, ...values) };
      } catch (err) {
        throw asPgError(err);
      }
    },
  };
}

export function withCatalogTransaction<T>(
  db: Db,
  fn: (tx: { catalog: CatalogTransaction; prisma: Prisma.TransactionClient }) => Promise<T>,
  /** Longer than Prisma's default 5 s, for a change that may touch many rows (a replay job's letters). */
  opts: { timeoutMs?: number } = {},
): Promise<T> {
  return db.prisma.$transaction(
    (prisma) => fn({ catalog: pgCatalogTransaction(sqlOn(prisma)), prisma }),
    opts.timeoutMs === undefined ? undefined : { timeout: opts.timeoutMs, maxWait: 10_000 },
  );
}
