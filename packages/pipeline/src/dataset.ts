import { ConfigurationError, type DestinationClient } from '@hotdata-dlt/core';
import { type Table, Type } from 'apache-arrow';

/** Plain-object rows of an Arrow table: safe int64 as numbers, timestamps and dates as `Date`. */
export function arrowToRows(table: Table): Record<string, unknown>[] {
  const converters = table.schema.fields.map((field) => {
    switch (field.type.typeId) {
      case Type.Int:
        return (value: unknown) =>
          typeof value === 'bigint' &&
          value <= BigInt(Number.MAX_SAFE_INTEGER) &&
          value >= BigInt(Number.MIN_SAFE_INTEGER)
            ? Number(value)
            : value;
      case Type.Timestamp:
      case Type.Date:
        return (value: unknown) => (typeof value === 'number' ? new Date(value) : value);
      case Type.Decimal:
        return (value: unknown) => {
          if (value === null || value === undefined) return value;
          const scale = (field.type as unknown as { scale: number }).scale;
          const digits = String(value);
          if (scale === 0) return digits;
          const negative = digits.startsWith('-');
          const body = (negative ? digits.slice(1) : digits).padStart(scale + 1, '0');
          return `${negative ? '-' : ''}${body.slice(0, -scale)}.${body.slice(-scale)}`;
        };
      default:
        return (value: unknown) => value;
    }
  });
  const names = table.schema.fields.map((field) => field.name);
  const rows: Record<string, unknown>[] = [];
  for (let index = 0; index < table.numRows; index++) {
    const row: Record<string, unknown> = {};
    names.forEach((name, column) => {
      row[name] = converters[column]!(table.getChildAt(column)!.get(index));
    });
    rows.push(row);
  }
  return rows;
}

/** A lazily evaluated result: a query or a whole table. */
export class Relation {
  readonly #fetch: () => Promise<Table>;

  constructor(fetch: () => Promise<Table>) {
    this.#fetch = fetch;
  }

  /** The result as an apache-arrow Table. */
  toArrow(): Promise<Table> {
    return this.#fetch();
  }

  /** The result as plain objects (int64 as numbers when safe, timestamps as Date, decimals as strings). */
  async toRows(): Promise<Record<string, unknown>[]> {
    return arrowToRows(await this.#fetch());
  }
}

/** Read access to a pipeline's dataset at its destination (`pipeline.dataset()`). */
export class Dataset {
  readonly #client: () => Promise<DestinationClient>;

  constructor(client: () => Promise<DestinationClient>) {
    this.#client = client;
  }

  async #with<T>(fn: (client: DestinationClient) => Promise<T>): Promise<T> {
    const client = await this.#client();
    try {
      return await fn(client);
    } finally {
      await client.close();
    }
  }

  /** Runs read-only SQL at the destination. */
  sql(query: string): Relation {
    return new Relation(() =>
      this.#with(async (client) => {
        if (!client.query) {
          throw new ConfigurationError('This destination cannot run SQL; use dataset().table(name) instead.');
        }
        return (await client.query(query)) as unknown as Table;
      }),
    );
  }

  /** A whole table. */
  table(name: string): Relation {
    return new Relation(() =>
      this.#with(async (client) => (await client.readTable(name)) as unknown as Table),
    );
  }
}
