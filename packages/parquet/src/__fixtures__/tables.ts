// Test helpers: build Arrow vectors from exact values (bigint storage, unscaled decimals) and compare
// tables cell by cell on their stored values, so a test sees a wrong nanosecond or a lost decimal digit.
import {
  type Data,
  type DataType,
  type Decimal,
  type Field,
  makeData,
  makeVector,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Type,
  type Vector,
} from 'apache-arrow';

function validity(values: readonly unknown[]): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array(Math.ceil(values.length / 8) || 1);
  let nullCount = 0;
  values.forEach((value, index) => {
    if (value === null) nullCount++;
    else nullBitmap[index >> 3]! |= 1 << (index & 7);
  });
  return { nullBitmap, nullCount };
}

/** A fixed-width vector (ints, floats, dates, times, timestamps) from its stored values; `null` is null. */
export function fixedVector(type: DataType, values: ReadonlyArray<number | bigint | null>): Vector {
  const ArrayType = (
    type as unknown as { ArrayType: new (length: number) => ArrayLike<unknown> & Record<number, unknown> }
  ).ArrayType;
  const data = new ArrayType(values.length);
  const wide = data instanceof BigInt64Array || data instanceof BigUint64Array;
  values.forEach((value, index) => {
    if (value !== null) data[index] = wide ? BigInt(value) : Number(value);
  });
  return makeVector(makeData({ type, length: values.length, data, ...validity(values) } as never));
}

/** A decimal vector from unscaled values. */
export function decimalVector(type: Decimal, values: ReadonlyArray<bigint | null>): Vector {
  const words = type.bitWidth / 32;
  const data = new Uint32Array(values.length * words);
  const view = new DataView(data.buffer);
  values.forEach((value, index) => {
    if (value === null) return;
    for (let word = 0; word < words / 2; word++)
      view.setBigUint64(index * words * 4 + word * 8, BigInt.asUintN(64, value >> BigInt(64 * word)), true);
  });
  return makeVector(makeData({ type, length: values.length, data, ...validity(values) }));
}

/** A table from fields and vectors (keeps the fields' nullability and metadata). */
export function tableOf(fields: readonly Field[], vectors: readonly Vector[]): Table {
  const schema = new Schema([...fields]);
  const length = vectors[0]?.length ?? 0;
  const data = makeData({
    type: new Struct(schema.fields),
    length,
    nullCount: 0,
    children: vectors.map((vector) => vector.data[0] as Data),
  });
  return new Table([new RecordBatch(schema, data)]);
}

function unscaled(data: Data, index: number): bigint {
  const type = data.type as Decimal;
  const words = type.bitWidth / 32;
  const view = new DataView((data.values as Uint32Array).buffer, (data.values as Uint32Array).byteOffset);
  let value = 0n;
  for (let word = words / 2 - 1; word >= 0; word--)
    value = (value << 64n) | view.getBigUint64(index * words * 4 + word * 8, true);
  return BigInt.asIntN(type.bitWidth, value);
}

/** The stored values of a column: bigints for 64-bit storage, unscaled bigints for decimals, hex for bytes. */
export function cells(vector: Vector): unknown[] {
  const out: unknown[] = [];
  for (const data of vector.data) {
    for (let index = 0; index < data.length; index++) {
      if (!data.getValid(index)) {
        out.push(null);
        continue;
      }
      const typeId = data.type.typeId;
      if (typeId === Type.Decimal) out.push(unscaled(data, index));
      else if (
        typeId === Type.Timestamp ||
        (typeId === Type.Time && (data.type as unknown as { bitWidth: number }).bitWidth === 64)
      )
        out.push((data.values as BigInt64Array)[index]);
      else if (typeId === Type.Int && (data.type as unknown as { bitWidth: number }).bitWidth === 64)
        out.push((data.values as BigInt64Array)[index]);
      else {
        const value = makeVector(data).get(index);
        out.push(value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value);
      }
    }
  }
  return out;
}

/** Column name → type string → stored values, for `toEqual` comparisons of whole tables. */
export function describeTable(
  table: Table,
): Record<string, { type: string; nullable: boolean; values: unknown[] }> {
  return Object.fromEntries(
    table.schema.fields.map((field, index) => [
      field.name,
      { type: String(field.type), nullable: field.nullable, values: cells(table.getChildAt(index)!) },
    ]),
  );
}
