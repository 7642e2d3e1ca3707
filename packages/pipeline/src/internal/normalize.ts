import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  type ColumnSchema,
  type DataType,
  DataValidationError,
  type DestinationCapabilities,
  DLT_ID,
  DLT_LOAD_ID,
  decodeTypedJson,
  type Logger,
  type NamingConvention,
  type ResolvedSchemaContract,
  randomRowId,
  type Schema,
  SchemaError,
  type TableSchema,
} from '@hotdata-dlt/core';
import {
  columnForArrowField,
  ParquetStreamWriter,
  readParquet,
  type TypeMappingOptions,
  writeParquet,
} from '@hotdata-dlt/parquet';
import { Field, makeData, RecordBatch, Struct, type Table, Utf8 } from 'apache-arrow';
import { columnData, rowsToRecordBatch } from './arrow-batch.ts';
import { RelationalNormalizer, type RowIdKind } from './relational.ts';
import { CANNOT_COERCE, coerceValue, inferDataType, type NormalizedValue } from './values.ts';

export interface NormalizeOptions {
  schema: Schema;
  naming: NamingConvention;
  loadId: string;
  capabilities: DestinationCapabilities;
  /** Where job files go (the package's `new_jobs/`). */
  jobsDir: string;
  /** Rows buffered per table before a record batch is written. */
  bufferRows: number;
  /** Job files rotate past this size. */
  maxFileSize: number;
  logger: Logger;
  onFile?: (table: string, file: string, rows: number) => void;
}

export interface NormalizedTable {
  rows: number;
  files: string[];
}

type Decision = 'keep' | 'drop-row' | 'drop-value';

const SEEN_EMPTY = Symbol('empty');

/** Normalizes the items of one extracted package into Parquet job files per table. */
export class PackageNormalizer {
  readonly #options: NormalizeOptions;
  readonly #schema: Schema;
  readonly #relational: RelationalNormalizer;
  readonly #buffers = new Map<string, Array<Record<string, NormalizedValue | undefined>>>();
  readonly #writers = new Map<string, ParquetStreamWriter>();
  readonly #rows = new Map<string, number>();
  readonly #contracts = new Map<string, ResolvedSchemaContract>();
  readonly #rowIds = new Map<string, RowIdKind>();
  /** Tables without data before this package: their columns may evolve once (`evolve-columns-once`). */
  readonly #newTables = new Set<string>();
  readonly #nullOnly = new Map<string, Set<string>>();
  readonly #touched = new Set<string | typeof SEEN_EMPTY>();
  readonly #typeOptions: TypeMappingOptions;
  readonly #detections: string[];
  readonly #propagated = new Set<string>();

  constructor(options: NormalizeOptions) {
    this.#options = options;
    this.#schema = options.schema;
    this.#typeOptions = {
      decimalPrecision: options.capabilities.decimalPrecision,
      timestampPrecision: options.capabilities.timestampPrecision,
    };
    this.#detections = options.schema.settings.detections ?? ['iso_timestamp'];
    const configNesting = options.schema.normalizers.json.config?.max_nesting;
    this.#relational = new RelationalNormalizer({
      schema: options.schema,
      naming: options.naming,
      loadId: options.loadId,
      maxNesting: options.capabilities.maxTableNesting ?? configNesting ?? 1000,
      rowId: (table) => this.#rowIdKind(table),
      sink: (table, row, parent) => this.#accept(table, row, parent),
    });
  }

  #rowIdKind(table: string): RowIdKind {
    let kind = this.#rowIds.get(table);
    if (kind) return kind;
    const strategy = this.#schema.hasTable(table)
      ? this.#schema.getMergeStrategy(table, this.#options.capabilities)
      : undefined;
    if (strategy === 'upsert' || strategy === 'insert-only') {
      const columns = this.#schema.columnsWithHint(table, 'primary_key');
      if (columns.length === 0) {
        throw new SchemaError(
          `Table '${table}' uses merge strategy '${strategy}', which needs a primary key: set primaryKey on the resource.`,
          { table },
        );
      }
      kind = { kind: 'key', columns };
    } else if (strategy === 'scd2') {
      const rowVersion = this.#schema.getTable(table)?.columns[DLT_ID]?.['x-row-version'] === true;
      kind =
        rowVersion ||
        !Object.values(this.#schema.getTable(table)?.columns ?? {}).some((column) => column['x-row-version'])
          ? { kind: 'row-hash' }
          : { kind: 'random' };
    } else {
      kind = { kind: 'random' };
    }
    this.#rowIds.set(table, kind);
    return kind;
  }

  /** Root key propagation (SEMANTICS §5.5) for a root table, set once. */
  #ensurePropagation(root: string): void {
    if (this.#propagated.has(root) || this.#schema.isDltTable(root)) return;
    this.#propagated.add(root);
    const config = this.#schema.normalizers.json.config ?? {};
    if (config.propagation?.tables?.[root]) return;
    const strategy = this.#schema.hasTable(root)
      ? this.#schema.getMergeStrategy(root, this.#options.capabilities)
      : undefined;
    const chainHasRootKey = this.#schema.hasTable(root)
      ? this.#schema
          .getTableChain(root)
          .some((table) => Object.values(table.columns).some((column) => column.root_key))
      : false;
    const enabled =
      chainHasRootKey ||
      config.root_key_propagation === true ||
      (config.root_key_propagation === undefined &&
        (strategy === 'delete-insert' || strategy === 'upsert' || strategy === 'insert-only'));
    if (!enabled) return;
    this.#schema.updateNormalizerConfig({
      propagation: {
        ...config.propagation,
        tables: { ...config.propagation?.tables, [root]: { [DLT_ID]: '_dlt_root_id' } },
      },
    });
  }

  #contract(table: string): ResolvedSchemaContract {
    let contract = this.#contracts.get(table);
    if (!contract) {
      contract = this.#schema.getSchemaContract(table);
      this.#contracts.set(table, contract);
    }
    return contract;
  }

  #violation(
    table: string,
    column: string | undefined,
    entity: 'tables' | 'columns' | 'data_type',
    message: string,
  ): Decision {
    const mode = this.#contract(table)[entity];
    if (mode === 'evolve') return 'keep';
    if (mode === 'freeze') {
      throw new DataValidationError(
        `${message} Schema contract '${entity}' of table '${table}' is 'freeze'.`,
        {
          schemaName: this.#schema.name,
          table,
          ...(column === undefined ? {} : { column }),
          contractEntity: entity,
          contractMode: mode,
        },
      );
    }
    if (entity === 'tables' || mode === 'discard_row') return 'drop-row';
    return 'drop-value';
  }

  #hasCompleteColumns(table: TableSchema | undefined): boolean {
    return Object.values(table?.columns ?? {}).some(
      (column) => column.data_type !== undefined && !column.name?.startsWith('_dlt'),
    );
  }

  /** Coerces one normalized row into its table, evolving the schema; `false` drops it and its children. */
  #accept(table: string, row: Record<string, unknown>, parent: string | undefined): boolean {
    const schema = this.#schema;
    let tableSchema = schema.getTable(table);
    const isDltTable = schema.isDltTable(table);
    if (
      !tableSchema ||
      (!this.#hasCompleteColumns(tableSchema) && !this.#newTables.has(table) && !isDltTable)
    ) {
      if (
        !isDltTable &&
        this.#violation(table, undefined, 'tables', `Rows for the new table '${table}' arrived.`) !== 'keep'
      ) {
        return false;
      }
      if (!tableSchema) {
        schema.updateTable({ name: table, columns: {}, ...(parent ? { parent } : {}) });
        tableSchema = schema.getTable(table)!;
      }
      this.#newTables.add(table);
    }
    const out: Record<string, NormalizedValue | undefined> = {};
    const newColumns: Record<string, ColumnSchema> = {};
    const allowColumns = this.#newTables.has(table) || !tableSchema['x-normalizer']?.['seen-data'];
    for (const name of Object.keys(row)) {
      const raw = row[name];
      const isDltColumn = name.startsWith('_dlt');
      const column = tableSchema.columns[name] ?? newColumns[name];
      if (raw === undefined || raw === null) {
        if (column?.data_type && column.nullable === false) {
          throw new SchemaError(
            `Column '${name}' of table '${table}' is not nullable but a row has no value for it (null).`,
            { table, column: name },
          );
        }
        if (!column?.data_type) {
          let set = this.#nullOnly.get(table);
          if (!set) {
            set = new Set();
            this.#nullOnly.set(table, set);
          }
          set.add(name);
        }
        continue;
      }
      if (column?.data_type) {
        const coerced = coerceValue(raw, column as ColumnSchema & { data_type: DataType });
        if (coerced !== CANNOT_COERCE) {
          out[name] = coerced;
          continue;
        }
        const variantType = inferDataType(raw, this.#detections);
        const variantName = this.#options.naming.shortenFragments(name, `v_${variantType}`);
        if (!isDltColumn) {
          const decision = this.#violation(
            table,
            name,
            'data_type',
            `Column '${name}' of table '${table}' is ${column.data_type} but a row has a ${variantType} value (${JSON.stringify(String(raw)).slice(0, 60)}).`,
          );
          if (decision === 'drop-row') return false;
          if (decision === 'drop-value') continue;
        }
        const variant = tableSchema.columns[variantName] ?? newColumns[variantName];
        if (variant?.data_type) {
          const value = coerceValue(raw, variant as ColumnSchema & { data_type: DataType });
          if (value === CANNOT_COERCE) {
            throw new SchemaError(
              `Cannot coerce a value of column '${name}' of table '${table}' into ${column.data_type} nor into its variant column '${variantName}' (${variant.data_type}).`,
              { table, column: name },
            );
          }
          out[variantName] = value;
        } else {
          newColumns[variantName] = {
            name: variantName,
            data_type: variantType,
            nullable: true,
            variant: true,
          };
          out[variantName] = coerceValue(raw, { data_type: variantType }) as NormalizedValue;
        }
        continue;
      }
      if (!isDltColumn && !allowColumns && !column) {
        const decision = this.#violation(
          table,
          name,
          'columns',
          `A row of table '${table}' has the new column '${name}'.`,
        );
        if (decision === 'drop-row') return false;
        if (decision === 'drop-value') continue;
      }
      const preferred = schema.preferredTypeFor(name);
      let dataType: DataType = preferred ?? inferDataType(raw, this.#detections);
      let value = coerceValue(raw, { ...column, data_type: dataType });
      let columnName = name;
      if (value === CANNOT_COERCE) {
        dataType = inferDataType(raw, this.#detections);
        if (preferred) columnName = this.#options.naming.shortenFragments(name, `v_${dataType}`);
        value = coerceValue(raw, { data_type: dataType });
        if (value === CANNOT_COERCE) {
          throw new SchemaError(
            `Cannot store a value of column '${name}' of table '${table}' as ${dataType}.`,
            {
              table,
              column: name,
            },
          );
        }
      }
      const defaults = schema.defaultHintsFor(columnName);
      newColumns[columnName] = {
        ...defaults,
        ...column,
        name: columnName,
        data_type: dataType,
        nullable: column?.nullable ?? defaults.nullable ?? true,
        ...(columnName !== name ? { variant: true } : {}),
      };
      out[columnName] = value;
    }
    if (Object.keys(newColumns).length > 0) {
      schema.updateTable({ name: table, columns: newColumns });
      this.#contracts.delete(table);
    }
    this.#buffer(table).push(out);
    this.#touched.add(table);
    return true;
  }

  #buffer(table: string): Array<Record<string, NormalizedValue | undefined>> {
    let buffer = this.#buffers.get(table);
    if (!buffer) {
      buffer = [];
      this.#buffers.set(table, buffer);
    }
    return buffer;
  }

  async #flushIfFull(): Promise<void> {
    for (const [table, buffer] of this.#buffers) {
      if (buffer.length >= this.#options.bufferRows) await this.#flush(table);
    }
  }

  #writer(table: string): ParquetStreamWriter {
    let writer = this.#writers.get(table);
    if (!writer) {
      writer = new ParquetStreamWriter({
        directory: this.#options.jobsDir,
        fileName: () => `${table}.${randomBytes(5).toString('hex')}.0.parquet`,
        maxFileSize: this.#options.maxFileSize,
        rowGroupSize: Math.max(this.#options.bufferRows, 10_000),
      });
      this.#writers.set(table, writer);
    }
    return writer;
  }

  async #flush(table: string): Promise<void> {
    const buffer = this.#buffers.get(table);
    if (!buffer || buffer.length === 0) return;
    this.#buffers.set(table, []);
    const columns = this.#schema.completeColumns(table);
    const batch = rowsToRecordBatch(columns, buffer, this.#typeOptions);
    await this.#writer(table).write(batch);
    this.#rows.set(table, (this.#rows.get(table) ?? 0) + buffer.length);
  }

  /** Normalizes a batch of extracted items of one root table. */
  async addItems(rootTable: string, items: readonly unknown[]): Promise<void> {
    this.#ensurePropagation(rootTable);
    // Flush within large batches too, so buffers stay near `bufferRows` whatever the batch size.
    const step = Math.max(1, Math.min(this.#options.bufferRows, 1000));
    for (let index = 0; index < items.length; index++) {
      this.#relational.normalize(items[index], rootTable);
      if ((index + 1) % step === 0) await this.#flushIfFull();
    }
    await this.#flushIfFull();
  }

  /** Normalizes a typed-jsonl item file (one JSON array of items per line). */
  async addItemFile(rootTable: string, path: string): Promise<void> {
    const lines = createInterface({
      input: createReadStream(path, 'utf8'),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    let sawItems = false;
    for await (const line of lines) {
      if (line.trim() === '') continue;
      const items = decodeTypedJson<unknown[]>(line);
      if (items.length > 0) sawItems = true;
      await this.addItems(rootTable, items);
    }
    if (!sawItems) this.#touched.add(rootTable);
  }

  /** The Arrow fast path: only the dlt columns are added to the table the resource yielded. */
  async addArrowFile(rootTable: string, path: string): Promise<void> {
    const table = await readParquet(path);
    await this.#addArrow(rootTable, table);
  }

  async #addArrow(rootTable: string, table: Table): Promise<void> {
    const naming = this.#options.naming;
    const schema = this.#schema;
    const existing = schema.getTable(rootTable);
    if (!existing || !this.#hasCompleteColumns(existing)) {
      if (
        this.#violation(
          rootTable,
          undefined,
          'tables',
          `An Arrow table for the new table '${rootTable}' arrived.`,
        ) !== 'keep'
      ) {
        return;
      }
      this.#newTables.add(rootTable);
    }
    const names = new Map<string, string>();
    const columns: Record<string, ColumnSchema> = {};
    const fields: Field[] = [];
    const children = [];
    for (const field of table.schema.fields) {
      const name = naming.normalizePath(field.name);
      if (names.has(name)) {
        throw new SchemaError(
          `The Arrow table for '${rootTable}' has columns '${names.get(name)}' and '${field.name}' that both normalize to '${name}'; rename one.`,
          { table: rootTable, column: name },
        );
      }
      names.set(name, field.name);
      const inferred = { ...columnForArrowField(field), name };
      const current = schema.getTable(rootTable)?.columns[name];
      if (current?.data_type && current.data_type !== inferred.data_type) {
        throw new SchemaError(
          `Column '${name}' of table '${rootTable}' is ${current.data_type} but the Arrow table has ${inferred.data_type}; Arrow tables are loaded as they are, so cast the column first.`,
          { table: rootTable, column: name },
        );
      }
      if (!current && !this.#newTables.has(rootTable)) {
        const decision = this.#violation(
          rootTable,
          name,
          'columns',
          `The Arrow table for '${rootTable}' has the new column '${name}'.`,
        );
        if (decision === 'drop-row') return;
        if (decision === 'drop-value') continue;
      }
      if (!current?.data_type)
        columns[name] = {
          ...schema.defaultHintsFor(name),
          ...current,
          ...inferred,
          nullable: current?.nullable ?? true,
        };
      const column = table.getChildAt(table.schema.fields.indexOf(field))!;
      fields.push(new Field(name, field.type, field.nullable, field.metadata));
      children.push(column);
    }
    const rows = table.numRows;
    columns[DLT_LOAD_ID] = {
      ...schema.defaultHintsFor(DLT_LOAD_ID),
      name: DLT_LOAD_ID,
      data_type: 'text',
      nullable: false,
    };
    columns[DLT_ID] = { ...schema.defaultHintsFor(DLT_ID), name: DLT_ID, data_type: 'text', nullable: false };
    schema.updateTable({ name: rootTable, columns });
    fields.push(new Field(DLT_LOAD_ID, new Utf8(), false), new Field(DLT_ID, new Utf8(), false));
    const loadIds = columnData(new Utf8(), new Array(rows).fill(this.#options.loadId));
    const ids = columnData(
      new Utf8(),
      Array.from({ length: rows }, () => randomRowId()),
    );
    const childData = children.map((vector) => {
      const data =
        vector.data.length === 1
          ? vector.data[0]!
          : (vector.concat() as unknown as { data: unknown[] }).data[0];
      return data as never;
    });
    const struct = makeData({
      type: new Struct(fields),
      length: rows,
      nullCount: 0,
      children: [...childData, loadIds, ids],
    });
    const batch = new RecordBatch(new (await import('apache-arrow')).Schema(fields), struct);
    await this.#writer(rootTable).write(batch);
    this.#rows.set(rootTable, (this.#rows.get(rootTable) ?? 0) + rows);
    this.#touched.add(rootTable);
  }

  /**
   * Flushes everything, writes empty job files for tables that must be emptied (replace resources that
   * yielded nothing), checks unbound columns and marks seen data. Returns the job files per table.
   */
  async finish(emptyTables: readonly string[]): Promise<Map<string, NormalizedTable>> {
    for (const table of this.#buffers.keys()) await this.#flush(table);
    const result = new Map<string, NormalizedTable>();
    for (const [table, writer] of this.#writers) {
      const files = await writer.close();
      for (const file of files) this.#options.onFile?.(table, file.path, file.rows);
      result.set(table, {
        rows: files.reduce((total, file) => total + file.rows, 0),
        files: files.map((file) => file.path),
      });
    }
    for (const table of emptyTables) {
      if (result.has(table) || !this.#schema.hasTable(table)) continue;
      const path = join(this.#options.jobsDir, `${table}.${randomBytes(5).toString('hex')}.0.parquet`);
      await writeParquet(rowsToRecordBatch(this.#schema.completeColumns(table), [], this.#typeOptions), path);
      result.set(table, { rows: 0, files: [path] });
    }
    for (const table of new Set([
      ...result.keys(),
      ...[...this.#touched].filter((item): item is string => typeof item === 'string'),
    ])) {
      if (!this.#schema.hasTable(table)) continue;
      for (const [name, column] of Object.entries(this.#schema.requireTable(table).columns)) {
        if (!column.data_type && column.nullable === false && (result.get(table)?.rows ?? 0) > 0) {
          throw new SchemaError(
            `Column '${name}' of table '${table}' is declared (a key or not nullable) but no row had a value for it; check the column name against your data.`,
            { table, column: name },
          );
        }
      }
      this.#schema.markSeenData(table);
    }
    for (const [table, columns] of this.#nullOnly) {
      const stillIncomplete = [...columns].filter(
        (name) => !this.#schema.getTable(table)?.columns[name]?.data_type,
      );
      if (stillIncomplete.length > 0) {
        this.#options.logger.warn('columns with only null values were not created', {
          table,
          columns: stillIncomplete,
        });
      }
    }
    return result;
  }
}
