// The Catalog port's PostgreSQL adapter; the statements behind it stay inside this folder.

export { PgCatalog, pgCatalogTransaction } from "./pg-catalog";
export { curatedTableName } from "./table-catalog";
export type { Queryable } from "./transaction";
