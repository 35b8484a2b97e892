// The Catalog port's PostgreSQL adapter; the statements behind it stay inside this folder.

export { PgCatalog } from "./pg-catalog";
export { curatedTableName } from "./table-catalog";
