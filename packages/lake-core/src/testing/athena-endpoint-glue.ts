// The Glue Data Catalog half of the local Athena endpoint: databases, tables, views and partitions
// kept in memory, answering AWSGlue.* JSON requests with Glue's shapes and error types. A view is
// stored as Athena stores one made by CREATE VIEW: a VIRTUAL_VIEW whose ViewOriginalText is
// `/* Presto View: <base64 JSON holding originalSql> */`.

/** A Glue API error: __type and message as the AWS JSON protocol carries them. */
export class AwsJsonError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface GlueColumn {
  Name: string;
  Type?: string;
}

export interface GlueStorageDescriptor {
  Columns?: GlueColumn[];
  Location?: string;
  InputFormat?: string;
  OutputFormat?: string;
  SerdeInfo?: { SerializationLibrary?: string; Parameters?: Record<string, string> };
}

export interface GlueTable {
  Name: string;
  DatabaseName: string;
  TableType?: string;
  Description?: string;
  Parameters?: Record<string, string>;
  StorageDescriptor?: GlueStorageDescriptor;
  PartitionKeys?: GlueColumn[];
  ViewOriginalText?: string;
  ViewExpandedText?: string;
  CreateTime: number;
  UpdateTime: number;
}

export interface GluePartition {
  Values: string[];
  StorageDescriptor?: GlueStorageDescriptor;
}

type Json = Record<string, unknown>;

const PAGE = 100;

function str(input: Json, field: string): string {
  const value = input[field];
  if (typeof value !== "string" || value === "") {
    throw new AwsJsonError(
      "InvalidInputException",
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

function obj(input: Json, field: string): Json {
  const value = input[field];
  if (typeof value !== "object" || value === null) {
    throw new AwsJsonError(
      "InvalidInputException",
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value as Json;
}

function page<T>(items: T[], input: Json): { items: T[]; next?: string } {
  const start =
    typeof input.NextToken === "string" ? Number(Buffer.from(input.NextToken, "base64url").toString()) : 0;
  const size = typeof input.MaxResults === "number" ? Math.min(input.MaxResults, PAGE) : PAGE;
  const items_ = items.slice(start, start + size);
  const end = start + items_.length;
  return end < items.length
    ? { items: items_, next: Buffer.from(String(end)).toString("base64url") }
    : { items: items_ };
}

const PRESTO_VIEW = /^\/\* Presto View: ([A-Za-z0-9+/=]+) \*\/$/;

/** A view's SQL (Athena's originalSql), or undefined for a table that is not an Athena view. */
export function viewSqlOf(table: GlueTable): string | undefined {
  if (table.TableType !== "VIRTUAL_VIEW") return undefined;
  const m = PRESTO_VIEW.exec(table.ViewOriginalText ?? "");
  if (!m) return undefined;
  const definition = JSON.parse(Buffer.from(m[1]!, "base64").toString("utf8")) as { originalSql?: unknown };
  return typeof definition.originalSql === "string" ? definition.originalSql : undefined;
}

/** Databases, tables and partitions, as Glue keeps them (names folded to lower case, as Glue does). */
export class GlueCatalogState {
  private readonly databases = new Map<
    string,
    Map<string, { table: GlueTable; partitions: Map<string, GluePartition> }>
  >();

  private database(name: string) {
    const db = this.databases.get(name.toLowerCase());
    if (!db) throw new AwsJsonError("EntityNotFoundException", `Database ${name} not found.`);
    return db;
  }

  private entry(database: string, table: string) {
    const found = this.database(database).get(table.toLowerCase());
    if (!found) throw new AwsJsonError("EntityNotFoundException", `Table ${table} not found.`);
    return found;
  }

  /** The table, or undefined. */
  table(database: string, table: string): GlueTable | undefined {
    return this.databases.get(database.toLowerCase())?.get(table.toLowerCase())?.table;
  }

  tables(database: string): GlueTable[] {
    return [...(this.databases.get(database.toLowerCase())?.values() ?? [])].map((e) => e.table);
  }

  partitions(database: string, table: string): GluePartition[] {
    return [
      ...(this.databases.get(database.toLowerCase())?.get(table.toLowerCase())?.partitions.values() ?? []),
    ];
  }

  /** Every (database, table) there is. */
  allTables(): { database: string; table: GlueTable }[] {
    return [...this.databases].flatMap(([database, tables]) =>
      [...tables.values()].map((e) => ({ database, table: e.table })),
    );
  }

  /** Stores a view as Athena's CREATE [OR REPLACE] VIEW does (the caller checked OR REPLACE). */
  putView(database: string, name: string, sql: string, columns: GlueColumn[]): void {
    const definition = {
      originalSql: sql,
      catalog: "awsdatacatalog",
      schema: database.toLowerCase(),
      columns: columns.map((c) => ({ name: c.Name, type: c.Type })),
      runAsInvoker: false,
    };
    const tableInput = {
      Name: name,
      TableType: "VIRTUAL_VIEW",
      Parameters: { presto_view: "true", comment: "Presto View" },
      ViewOriginalText: `/* Presto View: ${Buffer.from(JSON.stringify(definition)).toString("base64")} */`,
      ViewExpandedText: "/* Presto View */",
      StorageDescriptor: { Columns: columns, SerdeInfo: {} },
      PartitionKeys: [],
    };
    const exists = this.table(database, name) !== undefined;
    this.handle(exists ? "UpdateTable" : "CreateTable", { DatabaseName: database, TableInput: tableInput });
  }

  handle(operation: string, input: Json): Json {
    switch (operation) {
      case "CreateDatabase": {
        const name = str(obj(input, "DatabaseInput"), "Name").toLowerCase();
        if (this.databases.has(name))
          throw new AwsJsonError("AlreadyExistsException", "Database already exists.");
        this.databases.set(name, new Map());
        return {};
      }
      case "GetDatabase": {
        const name = str(input, "Name");
        this.database(name);
        return { Database: { Name: name.toLowerCase() } };
      }
      case "CreateTable":
      case "UpdateTable": {
        const databaseName = str(input, "DatabaseName");
        const db = this.database(databaseName);
        const tableInput = obj(input, "TableInput");
        const name = str(tableInput, "Name").toLowerCase();
        const existing = db.get(name);
        if (operation === "CreateTable" && existing)
          throw new AwsJsonError("AlreadyExistsException", "Table already exists.");
        if (operation === "UpdateTable" && !existing)
          throw new AwsJsonError("EntityNotFoundException", `Table ${name} not found.`);
        const now = Date.now() / 1000;
        const table: GlueTable = {
          ...(tableInput as Omit<GlueTable, "Name" | "DatabaseName" | "CreateTime" | "UpdateTime">),
          Name: name,
          DatabaseName: databaseName.toLowerCase(),
          CreateTime: existing?.table.CreateTime ?? now,
          UpdateTime: now,
        };
        db.set(name, { table, partitions: existing?.partitions ?? new Map() });
        return {};
      }
      case "GetTable":
        return { Table: this.entry(str(input, "DatabaseName"), str(input, "Name")).table };
      case "GetTables": {
        const { items, next } = page(this.tables(str(input, "DatabaseName")), input);
        this.database(str(input, "DatabaseName"));
        return { TableList: items, ...(next ? { NextToken: next } : {}) };
      }
      case "DeleteTable": {
        const db = this.database(str(input, "DatabaseName"));
        const name = str(input, "Name").toLowerCase();
        if (!db.delete(name)) throw new AwsJsonError("EntityNotFoundException", `Table ${name} not found.`);
        return {};
      }
      case "BatchCreatePartition": {
        const found = this.entry(str(input, "DatabaseName"), str(input, "TableName"));
        const list = Array.isArray(input.PartitionInputList)
          ? (input.PartitionInputList as GluePartition[])
          : [];
        if (list.length > 100) {
          throw new AwsJsonError(
            "InvalidInputException",
            "1 validation error detected: Value at 'partitionInputList' failed to satisfy constraint: Member must have length less than or equal to 100",
          );
        }
        const keys = found.table.PartitionKeys?.length ?? 0;
        const errors: Json[] = [];
        for (const p of list) {
          const values = p.Values ?? [];
          const key = JSON.stringify(values);
          if (values.length !== keys) {
            errors.push({
              PartitionValues: values,
              ErrorDetail: {
                ErrorCode: "InvalidInputException",
                ErrorMessage: `The number of partition keys do not match the number of partition values`,
              },
            });
          } else if (found.partitions.has(key)) {
            errors.push({
              PartitionValues: values,
              ErrorDetail: { ErrorCode: "AlreadyExistsException", ErrorMessage: "Partition already exists." },
            });
          } else
            found.partitions.set(key, {
              Values: values,
              ...(p.StorageDescriptor ? { StorageDescriptor: p.StorageDescriptor } : {}),
            });
        }
        return errors.length > 0 ? { Errors: errors } : {};
      }
      case "GetPartitions": {
        const found = this.entry(str(input, "DatabaseName"), str(input, "TableName"));
        const { items, next } = page([...found.partitions.values()], input);
        return { Partitions: items, ...(next ? { NextToken: next } : {}) };
      }
      default:
        throw new AwsJsonError(
          "UnknownOperationException",
          `AWSGlue.${operation} is not served by this endpoint`,
        );
    }
  }
}
