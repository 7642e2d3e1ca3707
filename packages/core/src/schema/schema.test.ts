import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { SchemaError } from '../errors.ts';
import { computeStoredSchemaHash, Schema } from './schema.ts';
import type { ColumnSchema, DataType } from './types.ts';

const casesDir = join(import.meta.dirname, '../../../../../shared/dlt/cases');
const casesReason = existsSync(casesDir) ? undefined : `dlt cases folder ${casesDir} is absent`;

describe.skipIf(casesReason)(`dlt's stored schemas${casesReason ? ` (skipped: ${casesReason})` : ''}`, () => {
  it('recomputes the version_hash of ethereum_schema_v11.yml', () => {
    const document = parseYaml(readFileSync(join(casesDir, 'ethereum_schema_v11.yml'), 'utf8'));
    const schema = Schema.fromStored(document);
    expect(schema.computeVersionHash()).toBe('XfkJ8E1tZzG/Sb3lfEZrEVshTMKdB7JpOP2HA7eS6EI=');
    expect(schema.versionHash).toBe(document.version_hash);
    expect(schema.isModified()).toBe(false);
    expect(schema.bumpVersion()).toEqual({ version: 18, versionHash: document.version_hash, changed: false });
  });

  it('recomputes the version_hash of issues.schema.json', () => {
    const document = JSON.parse(readFileSync(join(casesDir, 'issues.schema.json'), 'utf8'));
    const schema = Schema.fromStored(document);
    expect(schema.computeVersionHash()).toBe(document.version_hash);
    expect(schema.getNestedTables('issues').map((table) => table.name)).toEqual([
      'issues__labels',
      'issues__assignees',
    ]);
    expect(schema.getRootTable('issues__labels').name).toBe('issues');
  });
});

describe('Schema', () => {
  it('creates a schema with dlt defaults and system tables', () => {
    const schema = Schema.create('shop');
    expect(Object.keys(schema.tables)).toEqual(['_dlt_version', '_dlt_loads']);
    expect(schema.defaultHintsFor('_dlt_id')).toEqual({ nullable: false, unique: true, row_key: true });
    expect(schema.defaultHintsFor('_dlt_parent_id')).toEqual({ nullable: false, parent_key: true });
    expect(schema.defaultHintsFor('name')).toEqual({});
    expect(() => Schema.create('1bad')).toThrow(SchemaError);
  });

  it('versions like dlt: first bump sets the hash, later changes bump version and history', () => {
    const schema = Schema.create('shop');
    const first = schema.bumpVersion();
    expect(first).toMatchObject({ version: 1, changed: true });
    expect(schema.bumpVersion().changed).toBe(false);
    schema.updateTable({ name: 'orders', columns: { id: { data_type: 'bigint' } } });
    expect(schema.isModified()).toBe(true);
    expect(schema.bumpVersion()).toMatchObject({ version: 2, changed: true });
    expect(schema.previousHashes).toEqual([first.versionHash]);
    expect(Schema.fromStored(schema.toStored()).computeVersionHash()).toBe(schema.versionHash);
  });

  it('appends new columns, moves completed columns to the end, refuses type changes', () => {
    const schema = Schema.create('s');
    schema.updateTable({
      name: 't',
      columns: { a: { data_type: 'text' }, b: { primary_key: true, nullable: false } },
    });
    expect(Object.keys(schema.requireTable('t').columns)).toEqual(['a', 'b']);
    expect(schema.completeColumns('t')).toHaveProperty('a');
    expect(schema.completeColumns('t')).not.toHaveProperty('b');
    const update = schema.updateTable({
      name: 't',
      columns: { c: { data_type: 'bool' }, b: { data_type: 'bigint' } },
    });
    expect(Object.keys(schema.requireTable('t').columns)).toEqual(['a', 'c', 'b']);
    expect(schema.requireTable('t').columns.b).toMatchObject({
      primary_key: true,
      nullable: false,
      data_type: 'bigint',
    });
    expect(Object.keys(update.t!.columns)).toEqual(['c', 'b']);
    expect(() => schema.updateTable({ name: 't', columns: { a: { data_type: 'bigint' } } })).toThrow(
      /column 'a' in table 't' from text to bigint/,
    );
  });

  it('replaces compound keys from resource hints instead of merging them', () => {
    const schema = Schema.create('s');
    schema.updateTable({ name: 't', columns: { a: { primary_key: true }, b: { data_type: 'text' } } });
    schema.updateTable({ name: 't', columns: { b: { primary_key: true } } }, { replaceCompoundKeys: true });
    expect(schema.columnsWithHint('t', 'primary_key')).toEqual(['b']);
  });

  it('resolves inherited hints, chains, strategies and contracts', () => {
    const schema = Schema.create('s', { schemaContract: { columns: 'freeze' } });
    schema.updateTable({ name: 'o', write_disposition: 'merge', 'x-merge-strategy': 'upsert', columns: {} });
    schema.updateTable({ name: 'o__items', parent: 'o', columns: { sku: { data_type: 'text' } } });
    schema.updateTable({ name: 'o__items__tags', parent: 'o__items', columns: {} });
    schema.updateTable({ name: 'o__notes', parent: 'o', columns: {} });
    expect(schema.getTableChain('o').map((table) => table.name)).toEqual([
      'o',
      'o__items',
      'o__items__tags',
      'o__notes',
    ]);
    expect(schema.getWriteDisposition('o__items__tags')).toBe('merge');
    expect(schema.getMergeStrategy('o__items')).toBe('upsert');
    expect(schema.getSchemaContract('o__items')).toEqual({
      tables: 'evolve',
      columns: 'freeze',
      data_type: 'evolve',
    });
    expect(schema.getSchemaContract('_dlt_loads').columns).toBe('evolve');
    const prepared = schema.prepareLoadTable('o__items');
    expect(prepared).toMatchObject({
      name: 'o__items',
      write_disposition: 'merge',
      'x-merge-strategy': 'upsert',
    });
    expect(Object.keys(prepared.columns)).toEqual(['sku']);
    schema.markSeenData('o');
    expect(schema.getTableChain('o', { seenDataOnly: true }).map((table) => table.name)).toEqual(['o']);
    expect(schema.dataTableNames()).toEqual(['o', 'o__items', 'o__items__tags', 'o__notes']);
  });

  it('explains an invalid stored schema', () => {
    expect(() =>
      Schema.fromStored({
        name: 'x',
        engine_version: 11,
        tables: { t: { columns: { a: { data_type: 'nope' } } } },
      }),
    ).toThrow(/invalid at 'tables.t.columns.a.data_type'/);
  });

  it('migrates engine 10 schemas', () => {
    const schema = Schema.fromStored({
      name: 'old',
      engine_version: 10,
      version: 3,
      version_hash: 'x',
      tables: { t: { columns: { j: { data_type: 'complex' } } } },
      normalizers: { names: 'snake_case', json: { module: 'dlt.common.normalizers.json.relational' } },
    });
    expect(schema.requireTable('t').columns.j?.data_type).toBe('json');
    expect(schema.normalizers.use_break_path_on_normalize).toBe(false);
    expect(schema.engineVersion).toBe(11);
    expect(computeStoredSchemaHash(schema.toStored())).toBe(schema.computeVersionHash());
  });

  it('evolves by merging only: complete columns keep their type, replaying updates changes nothing', () => {
    // Each column name has one fixed type, so no update conflicts; hints vary freely.
    const typeOf: Record<string, DataType> = { a: 'text', b: 'bigint', c: 'bool', d: 'timestamp', e: 'json' };
    const column = fc.record(
      {
        name: fc.constantFrom(...Object.keys(typeOf)),
        typed: fc.boolean(),
        nullable: fc.boolean(),
        primaryKey: fc.boolean(),
      },
      { requiredKeys: ['name', 'typed'] },
    );
    const update = fc.record({
      table: fc.constantFrom('t1', 't2'),
      columns: fc.uniqueArray(column, { selector: (entry) => entry.name, maxLength: 4 }),
    });
    fc.assert(
      fc.property(fc.array(update, { minLength: 1, maxLength: 12 }), (updates) => {
        const apply = (schema: Schema) => {
          for (const { table, columns } of updates) {
            const partial: Record<string, ColumnSchema> = {};
            for (const { name, typed, nullable, primaryKey } of columns) {
              partial[name] = {
                ...(typed ? { data_type: typeOf[name] } : {}),
                ...(nullable === undefined ? {} : { nullable }),
                ...(primaryKey === undefined ? {} : { primary_key: primaryKey }),
              };
            }
            schema.updateTable({ name: table, columns: partial });
          }
        };
        const schema = Schema.create('s');
        apply(schema);
        const once = schema.computeVersionHash();
        for (const { table, columns } of updates) {
          for (const { name, typed } of columns) {
            const stored = schema.requireTable(table).columns[name];
            expect(stored?.name).toBe(name);
            if (typed) expect(stored?.data_type).toBe(typeOf[name]);
          }
        }
        apply(schema);
        expect(schema.computeVersionHash()).toBe(once);
        expect(Schema.fromStored(schema.toStored()).computeVersionHash()).toBe(once);
      }),
      { numRuns: 200, seed: 20_260_311 },
    );
  });
});
