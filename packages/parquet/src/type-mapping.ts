import type { ColumnSchema, CompleteColumnSchema, DataType as DltDataType } from '@hotdata-dlt/core';
import { ConfigurationError } from '@hotdata-dlt/core';
import {
  Binary,
  Bool,
  type DataType,
  DateDay,
  Decimal,
  Field,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  Schema,
  TimeMicrosecond,
  TimeMillisecond,
  TimeNanosecond,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  TimeUnit,
  Type,
  Utf8,
} from 'apache-arrow';

/** Field metadata key holding the dlt data type (so `json` and `wei` survive a round trip). */
export const DLT_DATA_TYPE_METADATA = 'hotdata-dlt:data_type';

export interface TypeMappingOptions {
  /** Default (precision, scale) of decimals without their own. Default `[38, 9]`. */
  decimalPrecision?: readonly [number, number];
  /** Default fractional digits of timestamps and times. Default 6. */
  timestampPrecision?: number;
}

function timestampType(precision: number, timezone: string | null): DataType {
  if (precision <= 0) return new TimestampSecond(timezone);
  if (precision <= 3) return new TimestampMillisecond(timezone);
  if (precision <= 6) return new TimestampMicrosecond(timezone);
  return new TimestampNanosecond(timezone);
}

/**
 * The Arrow type of a dlt column: text → Utf8, bigint → Int64 (Int8/16/32 by precision), double →
 * Float64, bool → Bool, timestamp → Timestamp (unit by precision, UTC unless `timezone: false`), date →
 * Date32, time → Time64(µs), decimal → Decimal128(p, s), json → Utf8 holding JSON text, binary → Binary,
 * wei → Utf8 holding the integer's decimal digits (Arrow JS has no 256-bit decimal).
 */
export function arrowTypeForColumn(
  column: ColumnSchema & { data_type: DltDataType },
  options: TypeMappingOptions = {},
): DataType {
  const timestampPrecision = column.precision ?? options.timestampPrecision ?? 6;
  switch (column.data_type) {
    case 'text':
    case 'json':
    case 'wei':
      return new Utf8();
    case 'bigint': {
      const bits = column.precision ?? 64;
      if (bits <= 8) return new Int8();
      if (bits <= 16) return new Int16();
      if (bits <= 32) return new Int32();
      return new Int64();
    }
    case 'double':
      return new Float64();
    case 'bool':
      return new Bool();
    case 'timestamp':
      return timestampType(timestampPrecision, column.timezone === false ? null : 'UTC');
    case 'date':
      return new DateDay();
    case 'time':
      if (timestampPrecision <= 3) return new TimeMillisecond();
      if (timestampPrecision <= 6) return new TimeMicrosecond();
      return new TimeNanosecond();
    case 'decimal': {
      const [defaultPrecision, defaultScale] = options.decimalPrecision ?? [38, 9];
      const precision = column.precision ?? defaultPrecision;
      const scale = column.scale ?? defaultScale;
      if (precision < 1 || precision > 38 || scale < 0 || scale > precision) {
        throw new ConfigurationError(
          `Column '${column.name ?? '?'}': decimal(${precision}, ${scale}) is not supported; precision must be 1..38 and scale 0..precision.`,
        );
      }
      return new Decimal(scale, precision, 128);
    }
    case 'binary':
      return new Binary();
    default:
      throw new ConfigurationError(
        `Column '${column.name ?? '?'}' has an unknown data type '${String(column.data_type)}'.`,
      );
  }
}

/** The Arrow field of a complete dlt column (nullable from the column, dlt type kept in metadata). */
export function arrowFieldForColumn(column: CompleteColumnSchema, options: TypeMappingOptions = {}): Field {
  return new Field(
    column.name,
    arrowTypeForColumn(column, options),
    column.nullable !== false,
    new Map([[DLT_DATA_TYPE_METADATA, column.data_type]]),
  );
}

/** The Arrow schema of a table's complete columns, in column order. */
export function arrowSchemaForColumns(
  columns: Record<string, CompleteColumnSchema> | CompleteColumnSchema[],
  options: TypeMappingOptions = {},
): Schema {
  const list = Array.isArray(columns) ? columns : Object.values(columns);
  return new Schema(list.map((column) => arrowFieldForColumn(column, options)));
}

const PRECISION_BY_UNIT: Record<number, number> = {
  [TimeUnit.SECOND]: 0,
  [TimeUnit.MILLISECOND]: 3,
  [TimeUnit.MICROSECOND]: 6,
  [TimeUnit.NANOSECOND]: 9,
};

/**
 * The dlt column of an Arrow field (the Arrow fast path infers table schemas this way). Types without a
 * dlt equivalent (lists, structs, maps) become `json`.
 */
export function columnForArrowField(field: Field): CompleteColumnSchema {
  const marked = field.metadata.get(DLT_DATA_TYPE_METADATA) as DltDataType | undefined;
  const column: CompleteColumnSchema = { name: field.name, data_type: 'text', nullable: field.nullable };
  const type = field.type;
  switch (type.typeId) {
    case Type.Utf8:
    case Type.LargeUtf8:
      column.data_type = marked === 'json' || marked === 'wei' ? marked : 'text';
      break;
    case Type.Dictionary:
      column.data_type = 'text';
      break;
    case Type.Int: {
      const int = type as unknown as { bitWidth: number; isSigned: boolean };
      column.data_type = int.bitWidth === 64 && !int.isSigned ? 'decimal' : 'bigint';
      if (column.data_type === 'decimal') {
        column.precision = 20;
        column.scale = 0;
      } else if (int.bitWidth < 64) {
        column.precision = int.isSigned ? int.bitWidth : int.bitWidth * 2;
      }
      break;
    }
    case Type.Float:
      column.data_type = 'double';
      break;
    case Type.Bool:
      column.data_type = 'bool';
      break;
    case Type.Timestamp: {
      const timestamp = type as unknown as { unit: TimeUnit; timezone: string | null };
      column.data_type = 'timestamp';
      column.precision = PRECISION_BY_UNIT[timestamp.unit] ?? 6;
      if (!timestamp.timezone) column.timezone = false;
      break;
    }
    case Type.Date:
      column.data_type = 'date';
      break;
    case Type.Time: {
      column.data_type = 'time';
      column.precision = PRECISION_BY_UNIT[(type as unknown as { unit: TimeUnit }).unit] ?? 6;
      break;
    }
    case Type.Decimal: {
      const decimal = type as unknown as { precision: number; scale: number };
      column.data_type = 'decimal';
      column.precision = decimal.precision;
      column.scale = decimal.scale;
      break;
    }
    case Type.Binary:
    case Type.LargeBinary:
    case Type.FixedSizeBinary:
      column.data_type = 'binary';
      break;
    case Type.Null:
      column.data_type = 'text';
      break;
    default:
      column.data_type = 'json';
  }
  if (column.precision === 6 && (column.data_type === 'timestamp' || column.data_type === 'time'))
    delete column.precision;
  return column;
}
