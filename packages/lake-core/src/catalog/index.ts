// The Catalog port's PostgreSQL adapter; the statements behind it stay inside this folder.

export { MAX_TREND_HOURS, SEARCH_TIMEOUT_MS } from "./dead-letter-groups";
export { DEAD_LETTER_SEARCH_MAX_CHARS, DEAD_LETTER_SEARCH_MIN_CHARS } from "./dead-letters";
export { PgCatalog, pgCatalogTransaction } from "./pg-catalog";
export { curatedTableName } from "./table-catalog";
export type { Queryable } from "./transaction";
