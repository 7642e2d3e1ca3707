import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../errors.ts';
import { incremental } from '../incremental.ts';
import { createSnakeCase } from '../naming/snake-case.ts';
import { resolveTableName, tableTemplateFromHints } from './hints-to-table.ts';

describe('tableTemplateFromHints', () => {
  it('turns keys, columns and the merge strategy into dlt hints with normalized names', () => {
    const { table } = tableTemplateFromHints('Orders', {
      primaryKey: ['orderId', 'Region'],
      mergeKey: 'day',
      writeDisposition: { disposition: 'merge', strategy: 'upsert' },
      columns: { isDeleted: { hardDelete: true, dataType: 'bool' }, updatedAt: { dedupSort: 'desc' } },
      maxTableNesting: 2,
      schemaContract: { columns: 'freeze' },
    });
    expect(table).toEqual({
      name: 'orders',
      resource: 'Orders',
      write_disposition: 'merge',
      'x-merge-strategy': 'upsert',
      'x-normalizer': { max_nesting: 2 },
      schema_contract: { columns: 'freeze' },
      columns: {
        is_deleted: { name: 'is_deleted', hard_delete: true, data_type: 'bool' },
        updated_at: { name: 'updated_at', dedup_sort: 'desc' },
        order_id: { name: 'order_id', primary_key: true, nullable: false },
        region: { name: 'region', primary_key: true, nullable: false },
        day: { name: 'day', merge_key: true, nullable: false },
      },
    });
  });

  it('marks a plain-field incremental cursor column, not a nested path', () => {
    const hints = { columns: { updatedAt: { dataType: 'timestamp' as const } } };
    const marked = tableTemplateFromHints('t', hints, { incremental: incremental('updatedAt') });
    expect(marked.table.columns.updated_at).toEqual({
      name: 'updated_at',
      data_type: 'timestamp',
      incremental: true,
    });
    const nested = tableTemplateFromHints('t', {}, { incremental: incremental('meta.updatedAt') });
    expect(nested.table.columns).toEqual({});
  });

  it('lets the direct primaryKey replace column-level key hints', () => {
    const { table } = tableTemplateFromHints('t', { primaryKey: 'b', columns: { a: { primaryKey: true } } });
    expect(table.columns.a?.primary_key).toBeUndefined();
    expect(table.columns.b).toEqual({ name: 'b', primary_key: true, nullable: false });
  });

  it('adds scd2 validity and row-version columns', () => {
    const { table } = tableTemplateFromHints('dim', {
      writeDisposition: {
        disposition: 'merge',
        strategy: 'scd2',
        validityColumnNames: ['ValidFrom', 'valid_to'],
        activeRecordTimestamp: '2099-12-31',
        boundaryTimestamp: '2024-01-01T00:00:00Z',
      },
    });
    expect(table['x-boundary-timestamp']).toBe('2024-01-01T00:00:00.000Z');
    expect(table.columns).toEqual({
      valid_from: { name: 'valid_from', data_type: 'timestamp', nullable: true, 'x-valid-from': true },
      valid_to: {
        name: 'valid_to',
        data_type: 'timestamp',
        nullable: true,
        'x-valid-to': true,
        'x-active-record-timestamp': '2099-12-31T00:00:00.000Z',
      },
      _dlt_id: { name: '_dlt_id', nullable: false, 'x-row-version': true, unique: false, row_key: false },
    });
  });

  it('declares nested tables, independent ones when they have keys', () => {
    const { nestedTables } = tableTemplateFromHints('orders', {
      nestedHints: {
        items: { columns: { qty: { dataType: 'bigint' } } },
        items__tags: {},
        notes: { primaryKey: 'id', writeDisposition: 'merge' },
      },
    });
    expect(nestedTables.map((table) => [table.name, table.parent])).toEqual([
      ['orders__items', 'orders'],
      ['orders__notes', undefined],
      ['orders__items__tags', 'orders__items'],
    ]);
    expect(nestedTables[1]?.write_disposition).toBe('merge');
    expect(() => tableTemplateFromHints('o', { nestedHints: { a__b: {} } })).toThrow(/parent path 'a'/);
  });

  it('refuses invalid strategies, duplicate single hints and bad timestamps with clear errors', () => {
    expect(() =>
      tableTemplateFromHints('t', { writeDisposition: { disposition: 'merge', strategy: 'nope' as never } }),
    ).toThrow(/merge strategy 'nope' is not one of/);
    expect(() =>
      tableTemplateFromHints('t', { columns: { a: { hardDelete: true }, b: { hardDelete: true } } }),
    ).toThrow(ConfigurationError);
    expect(() =>
      tableTemplateFromHints('t', {
        writeDisposition: { disposition: 'merge', strategy: 'scd2', boundaryTimestamp: 'not a date' },
      }),
    ).toThrow(/boundaryTimestamp 'not a date'/);
  });

  it('resolves dynamic table names per item and shortens with the naming limit', () => {
    const hints = { tableName: (item: unknown) => `Events_${(item as { kind: string }).kind}` };
    expect(resolveTableName('events', hints, { kind: 'Click' })).toBe('events_click');
    expect(() => resolveTableName('events', { tableName: () => '' }, {})).toThrow(
      /non-empty string for every item/,
    );
    const naming = createSnakeCase({ maxLength: 10 });
    expect(tableTemplateFromHints('a_very_long_resource_name', {}, { naming }).table.name).toHaveLength(10);
  });
});
