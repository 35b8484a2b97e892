// One database transaction for a catalog change and the control-plane rows that go with it (its audit
// entry): both commit, or neither does. The catalog's statements run on Prisma's transaction connection.
import type { Db, Prisma } from "@inlet/db";
import { type CatalogTransaction, pgCatalogTransaction, type Queryable } from "@inlet/lake-core";

function sqlOn(prisma: Prisma.TransactionClient): Queryable {
  return {
    async query<R>(text: string, values: unknown[] = []) {
      return { rows: await prisma.$queryRawUnsafe<R[]>(text, ...values) };
    },
  };
}

export function withCatalogTransaction<T>(
  db: Db,
  fn: (tx: { catalog: CatalogTransaction; prisma: Prisma.TransactionClient }) => Promise<T>,
): Promise<T> {
  return db.prisma.$transaction((prisma) => fn({ catalog: pgCatalogTransaction(sqlOn(prisma)), prisma }));
}
