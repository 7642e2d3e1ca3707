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
  TimeNanosecond,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  TimeUnit,
  Type,
  Utf8,
} from 'apache-arrow';

/**
 * Arrow field metadata key holding the dlt data type, so types that share an Arrow type (`json` and
 * `wei` are Utf8, 128-bit `bigint` is a decimal) survive a round trip through Arrow and Parquet.
 */
export const DLT_DATA_TYPE_METADATA = 'hotdata-dlt:data_type';

/** Defaults for columns without their own precision (dlt takes them from destination capabilities). */
export interface TypeMappingOptions {
  /** (precision, scale) of decimals without both. Default `[38, 9]` (dlt's `decimal_precision`). */
  decimalPrecision?: readonly [number, number];
  /** Fractional digits of timestamps and times without a precision. Default 6 (dlt's `timestamp_precision`). */
  timestampPrecision?: number;
}

function columnLabel(column: ColumnSchema): string {
  return column.name === undefined ? 'A column' : `Column '${column.name}'`;
}

function checkedPrecision(column: ColumnSchema, options: TypeMappingOptions): number {
  const precision = column.precision ?? options.timestampPrecision ?? 6;
  if (!Number.isInteger(precision) || precision < 0 || precision > 9) {
    throw new ConfigurationError(
      `${columnLabel(column)}: ${column.data_type} precision ${precision} is not supported; use 0..9 fractional digits.`,
    );
  }
  return precision;
}

/**
 * The Arrow type of a dlt column.
 *
 * | dlt | Arrow |
 * |---|---|
 * | text, json | Utf8 (json holds JSON text) |
 * | bigint | Int64; precision 8/16/32 → Int8/16/32; precision 128 → Decimal128(38, 0) |
 * | double / bool | Float64 / Bool |
 * | timestamp | Timestamp: precision 0–3 ms, 4–6 µs (default), 7–9 ns; zone `UTC` unless `timezone: false` |
 * | date / time | Date32 (days) / Time64 µs (ns for precision 7–9) |
 * | decimal | Decimal128(precision, scale), default (38, 9) |
 * | wei | Utf8 holding the integer's decimal digits (Arrow JS has no 256-bit arithmetic to offer; lossless) |
 * | binary | Binary |
 *
 * @example
 * ```ts
 * arrowTypeForColumn({ name: 'at', data_type: 'timestamp', precision: 3 }); // Timestamp<MILLISECOND, UTC>
 * ```
 */
export function arrowTypeForColumn(
  column: ColumnSchema & { data_type: DltDataType },
  options: TypeMappingOptions = {},
): DataType {
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
      if (bits <= 64) return new Int64();
      if (bits <= 128) return new Decimal(0, 38, 128);
      throw new ConfigurationError(
        `${columnLabel(column)}: bigint precision ${bits} bits is not supported; use 8, 16, 32, 64 or 128.`,
      );
    }
    case 'double':
      return new Float64();
    case 'bool':
      return new Bool();
    case 'timestamp': {
      const precision = checkedPrecision(column, options);
      const zone = column.timezone === false ? null : 'UTC';
      if (precision <= 3) return new TimestampMillisecond(zone);
      if (precision <= 6) return new TimestampMicrosecond(zone);
      return new TimestampNanosecond(zone);
    }
    case 'date':
      return new DateDay();
    case 'time':
      return checkedPrecision(column, options) <= 6 ? new TimeMicrosecond() : new TimeNanosecond();
    case 'decimal': {
      // As dlt: a column's own (precision, scale) only when it has both, else the default pair.
      const [precision, scale] =
        column.precision !== undefined && column.scale !== undefined
          ? [column.precision, column.scale]
          : (options.decimalPrecision ?? [38, 9]);
      if (
        !Number.isInteger(precision) ||
        !Number.isInteger(scale) ||
        precision < 1 ||
        precision > 38 ||
        scale < 0 ||
        scale > precision
      ) {
        throw new ConfigurationError(
          `${columnLabel(column)}: decimal(${precision}, ${scale}) is not supported; precision must be 1..38 and scale 0..precision (use wei or text for wider numbers).`,
        );
      }
      return new Decimal(scale, precision, 128);
    }
    case 'binary':
      return new Binary();
    default:
      throw new ConfigurationError(
        `${columnLabel(column)} has an unknown data type '${String(column.data_type)}'; use one of text, double, bool, timestamp, bigint, binary, json, decimal, wei, date, time.`,
      );
  }
}

/**
 * The Arrow field of a complete dlt column: nullable unless `nullable: false`, the dlt data type kept in
 * the field metadata under {@link DLT_DATA_TYPE_METADATA}.
 */
export function arrowFieldForColumn(column: CompleteColumnSchema, options: TypeMappingOptions = {}): Field {
  return new Field(
    column.name,
    arrowTypeForColumn(column, options),
    column.nullable !== false,
    new Map([[DLT_DATA_TYPE_METADATA, column.data_type]]),
  );
}

/**
 * The Arrow schema of a table's complete columns, in column order.
 *
 * @example
 * ```ts
 * const schema = arrowSchemaForColumns(schema.getTable('orders').columns);
 * ```
 */
export function arrowSchemaForColumns(
  columns: Record<string, CompleteColumnSchema> | readonly CompleteColumnSchema[],
  options: TypeMappingOptions = {},
): Schema {
  const list: readonly CompleteColumnSchema[] = Array.isArray(columns)
    ? columns
    : Object.values(columns as Record<string, CompleteColumnSchema>);
  return new Schema(list.map((column) => arrowFieldForColumn(column, options)));
}

const PRECISION_BY_UNIT: Record<number, number> = {
  [TimeUnit.SECOND]: 0,
  [TimeUnit.MILLISECOND]: 3,
  [TimeUnit.MICROSECOND]: 6,
  [TimeUnit.NANOSECOND]: 9,
};

/**
 * The dlt column of an Arrow field (how the Arrow fast path infers a table's columns). The dlt type in
 * the field metadata wins where the Arrow type is ambiguous (json and wei are Utf8, bigint(128) is a
 * decimal). Nested types (lists, structs, maps) become `json`, which is how the writer stores them.
 * The default precision (6) is not written, as dlt does for inferred columns.
 */
export function columnForArrowField(field: Field): CompleteColumnSchema {
  const marked = field.metadata.get(DLT_DATA_TYPE_METADATA) as DltDataType | undefined;
  const column: CompleteColumnSchema = { name: field.name, data_type: 'text', nullable: field.nullable };
  const type = field.type;
  switch (type.typeId) {
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Utf8View:
      column.data_type =
        marked === 'json' || marked === 'wei'
          ? marked
          : field.metadata.get('ARROW:extension:name') === 'arrow.json'
            ? 'json'
            : 'text';
      break;
    case Type.Dictionary:
      column.data_type = 'text';
      break;
    case Type.Int: {
      const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
      if (bitWidth === 64 && !isSigned) {
        // uint64 does not fit int64: keep every value exact.
        column.data_type = 'decimal';
        column.precision = 20;
        column.scale = 0;
      } else {
        column.data_type = 'bigint';
        const bits = isSigned ? bitWidth : bitWidth * 2;
        if (bits < 64) column.precision = bits;
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
      const { unit, timezone } = type as unknown as { unit: TimeUnit; timezone: string | null };
      column.data_type = 'timestamp';
      const precision = PRECISION_BY_UNIT[unit] ?? 6;
      if (precision !== 6) column.precision = precision;
      if (!timezone) column.timezone = false;
      break;
    }
    case Type.Date:
      column.data_type = 'date';
      break;
    case Type.Time: {
      column.data_type = 'time';
      const precision = PRECISION_BY_UNIT[(type as unknown as { unit: TimeUnit }).unit] ?? 6;
      if (precision !== 6) column.precision = precision;
      break;
    }
    case Type.Decimal: {
      const { precision, scale } = type as unknown as { precision: number; scale: number };
      if (marked === 'bigint' && scale === 0) {
        column.data_type = 'bigint';
        column.precision = 128;
      } else {
        column.data_type = 'decimal';
        column.precision = precision;
        column.scale = scale;
      }
      break;
    }
    case Type.Binary:
    case Type.LargeBinary:
    case Type.BinaryView:
    case Type.FixedSizeBinary:
      column.data_type = 'binary';
      break;
    case Type.Null:
      column.data_type = marked ?? 'text';
      break;
    default:
      column.data_type = 'json';
  }
  return column;
}

/** The dlt columns of an Arrow schema, keyed by name in field order. */
export function columnsForArrowSchema(schema: Schema): Record<string, CompleteColumnSchema> {
  return Object.fromEntries(schema.fields.map((field) => [field.name, columnForArrowField(field)]));
}
