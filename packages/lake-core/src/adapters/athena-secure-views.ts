// SecureViews: the Athena views a restricted table is read through. For each (registration, access)
// pair one view, `CREATE OR REPLACE VIEW` over the table's Glue registration with the reader's rules
// applied (athena-secure-relation.ts), made before the query and made again only when its
// registration is (GlueTableSync re-confirms registrations, and sweeps views with them).
//
// Where the key is: Trino's hmac_sha256 takes its key as an argument, so a view with a hash rule holds
// the policy hash key as a literal in its definition. That definition is stored in the Glue Data
// Catalog (the view's ViewOriginalText) and the CREATE VIEW statement is kept in the workgroup's
// query history: both must be readable only by the role this adapter runs as (Glue GetTable/GetTables
// on the database, Athena GetQueryExecution/ListQueryExecutions on the workgroup), or the key — and
// with it every hashed value — is exposed. The views also do not stop anyone from reading the raw
// registered tables: Inlet's own SQL never names them, but IAM (or Lake Formation), not this adapter,
// must keep every other principal from reading the raw tables and the lake's files.
import { createHash } from "node:crypto";
import type { TableAccess } from "../ports/access-policy";
import type { TableBinding } from "../ports/query-engine";
import { athenaSecureSelectSql } from "./athena-secure-relation";
import { trinoIdent } from "./athena-sql";
import { type GlueRegistration, glueTableName, secureViewName } from "./glue-table-sync";

/** Views remembered as made, at most; the oldest is forgotten (and made again when next needed). */
const MAX_REMEMBERED = 1000;

export interface SecureViewsOptions {
  database: string;
  /** The policy hash key; needed once a hash rule applies. */
  hashKey: Uint8Array | undefined;
  /** Runs one DDL statement in Athena to its end; throws when it did not succeed. */
  runStatement(sql: string, table: string): Promise<void>;
}

/** A restricted binding. */
export type RestrictedBinding = TableBinding & { access: TableAccess };

export class SecureViews {
  private readonly made = new Map<string, { registration: GlueRegistration; ready: Promise<void> }>();

  constructor(private readonly opts: SecureViewsOptions) {}

  /**
   * The view's name: the registration's (not holding it) and a hash of the reader's access and the
   * key, so readers with the same rules share one view and different rules get different views.
   */
  viewName(binding: RestrictedBinding): string {
    const table = glueTableName(binding);
    const digest = createHash("sha256")
      .update(JSON.stringify({ table, access: binding.access }))
      .update(this.opts.hashKey ?? new Uint8Array())
      .digest("hex");
    return secureViewName(table, digest);
  }

  /** `"database"."view"`, as the reader's SQL names it. */
  qualified(binding: RestrictedBinding): string {
    return `${trinoIdent(this.opts.database)}.${trinoIdent(this.viewName(binding))}`;
  }

  /** The view's statement over `registration` (the binding's own). */
  statement(binding: RestrictedBinding, registration: GlueRegistration): string {
    const select = athenaSecureSelectSql(
      registration.columns,
      binding.access,
      registration.qualified,
      this.opts.hashKey,
    );
    return `CREATE OR REPLACE VIEW ${this.qualified(binding)} AS ${select}`;
  }

  /** Makes the binding's view over `registration`, unless it was made over that registration already. */
  ensure(binding: RestrictedBinding, registration: GlueRegistration): Promise<void> {
    const name = this.viewName(binding);
    const known = this.made.get(name);
    if (known && known.registration === registration) {
      this.made.delete(name);
      this.made.set(name, known);
      return known.ready;
    }
    let ready: Promise<void>;
    try {
      ready = this.opts.runStatement(this.statement(binding, registration), binding.name);
    } catch (err) {
      return Promise.reject(err);
    }
    const entry = { registration, ready };
    this.made.delete(name);
    this.made.set(name, entry);
    ready.catch(() => {
      if (this.made.get(name) === entry) this.made.delete(name);
    });
    while (this.made.size > MAX_REMEMBERED) this.made.delete(this.made.keys().next().value!);
    return ready;
  }
}
