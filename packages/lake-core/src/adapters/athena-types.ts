// Types between Inlet and Athena: a catalog column's DuckDB type as the Hive type Glue stores, and
// an Athena result column (its type name and the text GetQueryResults gives for each value) as the
// port's column type and JSON-safe value.
import { InletError } from "../errors";

interface TypeNode {
  name: string;
  /** DECIMAL's precision and scale, VARCHAR's length. */
  params: number[];
  /** LIST's element, MAP's key and value, STRUCT's fields. */
  children: { name?: string; type: TypeNode }[];
}

class TypeParser {
  private i = 0;
  constructor(private readonly text: string) {}

  parse(): TypeNode {
    const node = this.type();
    this.space();
    if (this.i !== this.text.length) throw this.fail();
    return node;
  }

  private fail(): Error {
    return new InletError("BAD_REQUEST", `unreadable column type: ${this.text}`);
  }

  private space(): void {
    while (/\s/.test(this.text[this.i] ?? "")) this.i += 1;
  }

  private word(): string {
    this.space();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.i));
    if (!m) throw this.fail();
    this.i += m[0].length;
    return m[0];
  }

  private fieldName(): string {
    this.space();
    if (this.text[this.i] !== '"') return this.word();
    let name = "";
    this.i += 1;
    while (this.i < this.text.length) {
      if (this.text[this.i] === '"' && this.text[this.i + 1] === '"') {
        name += '"';
        this.i += 2;
      } else if (this.text[this.i] === '"') {
        this.i += 1;
        return name;
      } else name += this.text[this.i++];
    }
    throw this.fail();
  }

  private peek(): string | undefined {
    this.space();
    return this.text[this.i];
  }

  private type(): TypeNode {
    let name = this.word().toUpperCase();
    if (name === "TIMESTAMP" || name === "TIME") {
      const rest = this.text.slice(this.i);
      const tz = /^\s+WITH\s+TIME\s+ZONE/i.exec(rest);
      if (tz) {
        this.i += tz[0].length;
        name = `${name}TZ`;
      }
    }
    let node: TypeNode = { name, params: [], children: [] };
    if (this.peek() === "(") {
      this.i += 1;
      if (name === "STRUCT" || name === "ROW") {
        do {
          const field = this.fieldName();
          node.children.push({ name: field, type: this.type() });
        } while (this.take(","));
      } else if (name === "MAP") {
        node.children.push({ type: this.type() });
        if (!this.take(",")) throw this.fail();
        node.children.push({ type: this.type() });
      } else {
        do {
          this.space();
          const m = /^\d+/.exec(this.text.slice(this.i));
          if (!m) throw this.fail();
          node.params.push(Number(m[0]));
          this.i += m[0].length;
        } while (this.take(","));
      }
      if (!this.take(")")) throw this.fail();
    }
    while (this.peek() === "[") {
      this.i += 1;
      this.space();
      while (/\d/.test(this.text[this.i] ?? "")) this.i += 1;
      if (!this.take("]")) throw this.fail();
      node = { name: "LIST", params: [], children: [{ type: node }] };
    }
    return node;
  }

  private take(ch: string): boolean {
    if (this.peek() !== ch) return false;
    this.i += 1;
    return true;
  }
}

const HIVE_SCALARS: Record<string, string> = {
  BOOLEAN: "boolean",
  BOOL: "boolean",
  TINYINT: "tinyint",
  INT1: "tinyint",
  SMALLINT: "smallint",
  INT2: "smallint",
  UTINYINT: "smallint",
  INTEGER: "int",
  INT: "int",
  INT4: "int",
  USMALLINT: "int",
  BIGINT: "bigint",
  INT8: "bigint",
  LONG: "bigint",
  UINTEGER: "bigint",
  HUGEINT: "decimal(38,0)",
  UHUGEINT: "decimal(38,0)",
  UBIGINT: "decimal(20,0)",
  FLOAT: "float",
  FLOAT4: "float",
  REAL: "float",
  DOUBLE: "double",
  FLOAT8: "double",
  VARCHAR: "string",
  TEXT: "string",
  STRING: "string",
  CHAR: "string",
  BPCHAR: "string",
  // DuckDB writes JSON as Parquet text with the JSON annotation; Athena reads it as a string
  // (json_extract and json_parse work on it).
  JSON: "string",
  ENUM: "string",
  DATE: "date",
  TIMESTAMP: "timestamp",
  DATETIME: "timestamp",
  TIMESTAMP_US: "timestamp",
  TIMESTAMP_MS: "timestamp",
  TIMESTAMP_S: "timestamp",
  TIMESTAMP_NS: "timestamp",
  // Hive tables have no zoned timestamp: the UTC instant is read as a plain timestamp.
  TIMESTAMPTZ: "timestamp",
  BLOB: "binary",
  BYTEA: "binary",
  VARBINARY: "binary",
};

function hiveType(node: TypeNode, column: string): string {
  switch (node.name) {
    case "DECIMAL":
    case "NUMERIC": {
      const [precision = 18, scale = 3] = node.params;
      return `decimal(${precision},${scale})`;
    }
    case "LIST":
    case "ARRAY":
      return `array<${hiveType(node.children[0]!.type, column)}>`;
    case "MAP":
      return `map<${hiveType(node.children[0]!.type, column)},${hiveType(node.children[1]!.type, column)}>`;
    case "STRUCT":
    case "ROW":
      return `struct<${node.children.map((c) => `${(c.name ?? "").toLowerCase()}:${hiveType(c.type, column)}`).join(",")}>`;
  }
  const scalar = HIVE_SCALARS[node.name];
  if (scalar === undefined) {
    throw new InletError(
      "BAD_REQUEST",
      `column ${column} has type ${node.name}, which Athena cannot read from Parquet; cast it (e.g. to VARCHAR) in the table's definition`,
      { column },
    );
  }
  return scalar;
}

/** The Hive type Glue stores for a catalog column of this DuckDB type, e.g. DECIMAL(12,2) → decimal(12,2). */
export function glueColumnType(duckDbType: string, column: string): string {
  return hiveType(new TypeParser(duckDbType).parse(), column);
}

/** An Athena result column: ResultSetMetadata.ColumnInfo's type name, precision and scale. */
export interface AthenaColumnType {
  type: string;
  precision?: number | undefined;
  scale?: number | undefined;
}

const PORT_TYPES: Record<string, string> = {
  boolean: "BOOLEAN",
  tinyint: "TINYINT",
  smallint: "SMALLINT",
  integer: "INTEGER",
  int: "INTEGER",
  bigint: "BIGINT",
  real: "FLOAT",
  float: "FLOAT",
  double: "DOUBLE",
  varchar: "VARCHAR",
  char: "VARCHAR",
  string: "VARCHAR",
  date: "DATE",
  timestamp: "TIMESTAMP",
  "timestamp with time zone": "TIMESTAMP WITH TIME ZONE",
  time: "TIME",
  "time with time zone": "TIME WITH TIME ZONE",
  varbinary: "BLOB",
  json: "JSON",
  uuid: "UUID",
  // GetQueryResults names complex types without their element types, and renders their values as
  // text ([1, 2], {a=1, b=x}): they are passed on as that text under these names.
  array: "ARRAY",
  map: "MAP",
  row: "ROW",
  unknown: "NULL",
  "interval day to second": "INTERVAL",
  "interval year to month": "INTERVAL",
};

function baseName(type: string): string {
  // "timestamp(3) with time zone" → "timestamp with time zone"; "decimal(10,2)" → "decimal".
  return type
    .toLowerCase()
    .replace(/\(\s*\d+(?:\s*,\s*\d+)?\s*\)/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** The port's (DuckDB-style) name for an Athena result column type. */
export function portColumnType(column: AthenaColumnType): string {
  const base = baseName(column.type);
  if (base === "decimal") {
    return column.precision !== undefined ? `DECIMAL(${column.precision},${column.scale ?? 0})` : "DECIMAL";
  }
  return PORT_TYPES[base] ?? base.toUpperCase();
}

/** `2026-01-02 03:04:05.123456` (wall time) as ISO-8601, keeping sub-millisecond digits as DuckDB's adapter does. */
function wallTimeIso(date: string, time: string, offsetMs: number): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const t = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(time);
  if (!m || !t) return undefined;
  const fraction = (t[4] ?? "").padEnd(6, "0").slice(0, 6);
  const utc =
    Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(t[1]), Number(t[2]), Number(t[3])) +
    Number(fraction.slice(0, 3)) -
    offsetMs;
  const d = new Date(utc);
  if (Number.isNaN(d.getTime())) return undefined;
  // Years before 1 AD or after 9999 have no plain ISO form: Athena's own text is the best there is.
  if (d.getUTCFullYear() < 1 || d.getUTCFullYear() > 9999) return undefined;
  const iso = d.toISOString();
  const micros = fraction.slice(3);
  return micros === "000" ? iso : `${iso.slice(0, -1)}${micros}Z`;
}

/** How far ahead of UTC the zone's wall clock is at that instant. */
function zoneOffsetMs(zone: string, instant: number): number | undefined {
  try {
    const parts = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    }).formatToParts(new Date(instant));
    const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
    const wall = Date.UTC(
      get("year"),
      get("month") - 1,
      get("day"),
      get("hour"),
      get("minute"),
      get("second"),
    );
    return wall - Math.floor(instant / 1000) * 1000;
  } catch {
    return undefined;
  }
}

/** `2026-01-02 03:04:05.500 UTC`, `… +01:00` or `… Europe/Berlin` as an ISO-8601 UTC instant. */
function zonedIso(text: string): string | undefined {
  const m = /^(\S+) (\S+) (\S+)$/.exec(text);
  if (!m) return undefined;
  const [, date, time, zone] = m as unknown as [string, string, string, string];
  if (/^(UTC|Z|GMT|\+00:00|-00:00)$/i.test(zone)) return wallTimeIso(date, time, 0);
  const offset = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (offset) {
    const ms = (Number(offset[2]) * 60 + Number(offset[3])) * 60_000;
    return wallTimeIso(date, time, offset[1] === "-" ? -ms : ms);
  }
  const guess = wallTimeIso(date, time, 0);
  if (!guess) return undefined;
  const first = zoneOffsetMs(zone, Date.parse(guess));
  if (first === undefined) return undefined;
  // The offset at the instant the wall time names (differs from the guess's near a DST change).
  const second = zoneOffsetMs(zone, Date.parse(guess) - first) ?? first;
  return wallTimeIso(date, time, second);
}

/**
 * A value of an Athena result as the port's JSON-safe form: small integers and doubles as numbers,
 * BIGINT and DECIMAL as strings, booleans, timestamps as ISO-8601 UTC, everything else as Athena's text.
 * A missing VarCharValue is SQL NULL.
 */
export function athenaValue(text: string | undefined, column: AthenaColumnType): unknown {
  if (text === undefined) return null;
  switch (baseName(column.type)) {
    case "tinyint":
    case "smallint":
    case "integer":
    case "int": {
      const n = Number(text);
      return Number.isFinite(n) ? n : text;
    }
    case "real":
    case "float":
    case "double": {
      // NaN and the infinities have no JSON number: they stay text, as DuckDB's adapter keeps them.
      const n = Number(text);
      return Number.isFinite(n) ? n : text;
    }
    case "boolean":
      return text === "true" ? true : text === "false" ? false : text;
    case "timestamp": {
      const [date, time] = text.split(" ");
      return (date && time && wallTimeIso(date, time, 0)) ?? text;
    }
    case "timestamp with time zone":
      return zonedIso(text) ?? text;
    case "unknown":
      return null;
    default:
      return text;
  }
}
