// How the local Athena endpoint presents DuckDB results in Athena's terms: ColumnInfo with Athena's
// (Trino's) type names, and every value as the text GetQueryResults gives (NULL as no value).
import {
  type DuckDBArrayType,
  DuckDBArrayValue,
  DuckDBBlobValue,
  type DuckDBDecimalType,
  type DuckDBListType,
  DuckDBListValue,
  type DuckDBMapType,
  DuckDBMapValue,
  type DuckDBStructType,
  DuckDBStructValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
} from "@duckdb/node-api";

export interface AthenaColumnInfo {
  CatalogName: string;
  SchemaName: string;
  TableName: string;
  Name: string;
  Label: string;
  Type: string;
  Precision: number;
  Scale: number;
  Nullable: "UNKNOWN";
  CaseSensitive: boolean;
}

/** Athena's name (and precision, scale) for a DuckDB result type. */
function athenaType(type: DuckDBType): { name: string; precision: number; scale: number } {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return { name: "boolean", precision: 0, scale: 0 };
    case DuckDBTypeId.TINYINT:
      return { name: "tinyint", precision: 3, scale: 0 };
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.UTINYINT:
      return { name: "smallint", precision: 5, scale: 0 };
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.USMALLINT:
      return { name: "integer", precision: 10, scale: 0 };
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UINTEGER:
      return { name: "bigint", precision: 19, scale: 0 };
    // Trino has no 128-bit integer: the widest exact number is decimal(38).
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.UBIGINT:
      return { name: "decimal", precision: 38, scale: 0 };
    case DuckDBTypeId.FLOAT:
      return { name: "real", precision: 17, scale: 0 };
    case DuckDBTypeId.DOUBLE:
      return { name: "double", precision: 17, scale: 0 };
    case DuckDBTypeId.DECIMAL: {
      const d = type as DuckDBDecimalType;
      return { name: "decimal", precision: d.width, scale: d.scale };
    }
    case DuckDBTypeId.VARCHAR:
      return { name: type.alias === "JSON" ? "json" : "varchar", precision: 2147483647, scale: 0 };
    case DuckDBTypeId.DATE:
      return { name: "date", precision: 0, scale: 0 };
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return { name: "timestamp", precision: 3, scale: 0 };
    case DuckDBTypeId.TIMESTAMP_TZ:
      return { name: "timestamp with time zone", precision: 3, scale: 0 };
    case DuckDBTypeId.TIME:
      return { name: "time", precision: 3, scale: 0 };
    case DuckDBTypeId.BLOB:
      return { name: "varbinary", precision: 2147483647, scale: 0 };
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return { name: "array", precision: 0, scale: 0 };
    case DuckDBTypeId.STRUCT:
      return { name: "row", precision: 0, scale: 0 };
    case DuckDBTypeId.MAP:
      return { name: "map", precision: 0, scale: 0 };
    case DuckDBTypeId.UUID:
      return { name: "uuid", precision: 0, scale: 0 };
    case DuckDBTypeId.SQLNULL:
      return { name: "unknown", precision: 0, scale: 0 };
    case DuckDBTypeId.INTERVAL:
      return { name: "interval day to second", precision: 0, scale: 0 };
    default:
      return { name: "varchar", precision: 2147483647, scale: 0 };
  }
}

export function athenaColumnInfo(name: string, type: DuckDBType): AthenaColumnInfo {
  const t = athenaType(type);
  return {
    CatalogName: "hive",
    SchemaName: "",
    TableName: "",
    Name: name,
    Label: name,
    Type: t.name,
    Precision: t.precision,
    Scale: t.scale,
    Nullable: "UNKNOWN",
    CaseSensitive: t.name === "varchar",
  };
}

/** Java's Double.toString, which Trino uses: 1.0, 0.5, 1.0E10, 1.0E-5, NaN, Infinity. */
function javaDouble(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "Infinity" : "-Infinity";
  const abs = Math.abs(n);
  if (abs !== 0 && (abs >= 1e7 || abs < 1e-3)) {
    const [mantissa, exponent] = n.toExponential().split("e") as [string, string];
    return `${mantissa.includes(".") ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
  }
  const s = String(n);
  return s.includes(".") ? s : `${s}.0`;
}

/** `2026-01-02 03:04:05.123` (or .123456 with sub-millisecond digits), Trino's timestamp text. */
function timestampText(micros: bigint): string {
  const millis = micros >= 0n ? micros / 1000n : (micros - 999n) / 1000n;
  const sub = Number(micros - millis * 1000n);
  const iso = new Date(Number(millis)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}${sub === 0 ? "" : String(sub).padStart(3, "0")}`;
}

function nested(value: DuckDBValue, type: DuckDBType): string {
  return value === null ? "null" : athenaText(value, type)!;
}

/** A value as GetQueryResults' VarCharValue text; undefined for NULL. */
export function athenaText(value: DuckDBValue, type: DuckDBType): string | undefined {
  if (value === null) return undefined;
  if (value instanceof DuckDBTimestampTZValue) return `${timestampText(value.micros)} UTC`;
  if (value instanceof DuckDBTimestampValue) return timestampText(value.micros);
  if (value instanceof DuckDBTimestampMillisecondsValue) return timestampText(value.millis * 1000n);
  if (value instanceof DuckDBTimestampSecondsValue) return timestampText(value.seconds * 1_000_000n);
  if (value instanceof DuckDBTimestampNanosecondsValue) return timestampText(value.nanos / 1000n);
  if (value instanceof DuckDBBlobValue) {
    return [...value.bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  }
  if (value instanceof DuckDBListValue || value instanceof DuckDBArrayValue) {
    const element = (type as DuckDBListType | DuckDBArrayType).valueType;
    return `[${value.items.map((v) => nested(v, element)).join(", ")}]`;
  }
  if (value instanceof DuckDBStructValue) {
    const struct = type as DuckDBStructType;
    return `{${struct.entryNames.map((name, i) => `${name}=${nested(value.entries[name] ?? null, struct.entryTypes[i]!)}`).join(", ")}}`;
  }
  if (value instanceof DuckDBMapValue) {
    const map = type as DuckDBMapType;
    return `{${value.entries.map((e) => `${nested(e.key, map.keyType)}=${nested(e.value, map.valueType)}`).join(", ")}}`;
  }
  if (typeof value === "number") {
    return type.typeId === DuckDBTypeId.DOUBLE || type.typeId === DuckDBTypeId.FLOAT
      ? javaDouble(value)
      : String(value);
  }
  return String(value);
}
