import { ConfigurationError } from '@hotdata-dlt/core';
import { type DataType, Field, Float64, Int16, Int32, Int64, Schema, type Table, Type } from 'apache-arrow';
import { rowsToTable, tableToRows } from './rows.ts';

const INT_WIDTH: Record<number, DataType> = {
  8: new Int16(),
  16: new Int16(),
  32: new Int32(),
  64: new Int64(),
};

/**
 * The wider of two Arrow types, or `undefined` when one cannot hold the other safely. Widening: signed
 * ints to a wider int, any int to Float64 (exact below 2^53), Float32 to Float64, decimals to the larger
 * precision/scale, Null to anything.
 */
export function widerType(left: DataType, right: DataType): DataType | undefined {
  if (String(left) === String(right)) return left;
  if (left.typeId === Type.Null) return right;
  if (right.typeId === Type.Null) return left;
  if (left.typeId === Type.Int && right.typeId === Type.Int) {
    const a = left as unknown as { bitWidth: number; isSigned: boolean };
    const b = right as unknown as { bitWidth: number; isSigned: boolean };
    if (!a.isSigned || !b.isSigned) return undefined;
    return INT_WIDTH[Math.max(a.bitWidth, b.bitWidth)];
  }
  const numeric = (type: DataType) => type.typeId === Type.Int || type.typeId === Type.Float;
  if (numeric(left) && numeric(right)) return new Float64();
  if (left.typeId === Type.Decimal && right.typeId === Type.Decimal) {
    const a = left as unknown as { precision: number; scale: number };
    const b = right as unknown as { precision: number; scale: number };
    if (a.scale !== b.scale) return undefined;
    return a.precision >= b.precision ? left : right;
  }
  return undefined;
}

/**
 * The union of two schemas: columns of `existing` in order, then new columns of `incoming`; a column in
 * both takes the wider type. Incompatible types throw a `ConfigurationError` naming the column.
 */
export function promoteSchemas(existing: Schema, incoming: Schema): Schema {
  const fields = new Map(existing.fields.map((field) => [field.name, field]));
  for (const field of incoming.fields) {
    const current = fields.get(field.name);
    if (!current) {
      fields.set(field.name, new Field(field.name, field.type, true, field.metadata));
      continue;
    }
    const wider = widerType(current.type, field.type);
    if (!wider) {
      throw new ConfigurationError(
        `Column '${field.name}' is ${current.type} in the table but ${field.type} in the batch; these types cannot be merged.`,
      );
    }
    fields.set(
      field.name,
      new Field(field.name, wider, current.nullable || field.nullable, current.metadata),
    );
  }
  return new Schema([...fields.values()]);
}

function convert(value: unknown, from: DataType, to: DataType): unknown {
  if (value === null || value === undefined) return null;
  if (String(from) === String(to)) return value;
  if (to.typeId === Type.Float) return Number(value);
  if (to.typeId === Type.Int && (to as unknown as { bitWidth: number }).bitWidth === 64)
    return BigInt(value as number);
  return value;
}

/** Casts a table to a (promoted) schema: missing columns become null, narrower types are widened. */
export function alignToSchema(table: Table, schema: Schema): Table {
  const types = new Map(table.schema.fields.map((field) => [field.name, field.type]));
  const rows = tableToRows(table).map((row) => {
    const aligned: Record<string, unknown> = {};
    for (const field of schema.fields) {
      const from = types.get(field.name);
      aligned[field.name] = from ? convert(row[field.name], from, field.type) : null;
    }
    return aligned;
  });
  return rowsToTable(schema, rows);
}
