import { inflateSync } from 'node:zlib';
import {
  type ArrowTableLike,
  type DestinationCapabilities,
  type DestinationClient,
  type DestinationClientOptions,
  DestinationError,
  DestinationUndefinedEntityError,
  type Schema as DltSchema,
  LOADS_TABLE_NAME,
  type Logger,
  loadsTable,
  type PreparedTable,
  STATE_TABLE_NAME,
  type StorageSchemaUpdate,
  type StoredSchemaInfo,
  type StoredStateInfo,
  type TableChainJob,
  type TableChainResult,
  VERSION_TABLE_NAME,
  versionTable,
} from '@hotdata-dlt/core';
import {
  alignToSchema,
  applyOperations,
  inMemoryLookups,
  type MergeInput,
  mergeClientSide,
  planMerge,
  promoteSchemas,
  type Row,
  rowsToTable,
  tableToRows,
} from '@hotdata-dlt/merge';
import { arrowSchemaForColumns, readParquet } from '@hotdata-dlt/parquet';
import { type Schema, type Table, type Timestamp, TimeUnit } from 'apache-arrow';
import type { ReferenceFailures } from './options.ts';
import type { ReferenceStorage } from './storage.ts';

/** State shared by every client of one destination object: counters and the crash. */
export interface ReferenceRuntime {
  storage: ReferenceStorage;
  failures: ReferenceFailures;
  mergeExecution: 'client-side' | 'planned';
  capabilities: DestinationCapabilities;
  /** Attempts per failure kind and table. */
  attempts: Map<string, number>;
  chainsCompleted: number;
  crash: DestinationError | undefined;
}

const NANOS_PER_UNIT: Record<number, bigint> = {
  [TimeUnit.SECOND]: 1_000_000_000n,
  [TimeUnit.MILLISECOND]: 1_000_000n,
  [TimeUnit.MICROSECOND]: 1000n,
  [TimeUnit.NANOSECOND]: 1n,
};

/** The storage value of `date` in a timestamp column of `schema`. */
function timestampOf(schema: Schema, column: string, date: Date): bigint {
  const unit = (schema.fields.find((field) => field.name === column)?.type as Timestamp | undefined)?.unit;
  return (BigInt(date.getTime()) * 1_000_000n) / NANOS_PER_UNIT[unit ?? TimeUnit.MICROSECOND]!;
}

/** The `Date` of a timestamp column's storage value. */
function dateOf(schema: Schema, column: string, value: unknown): Date {
  const unit = (schema.fields.find((field) => field.name === column)?.type as Timestamp | undefined)?.unit;
  return new Date(
    Number((BigInt(value as bigint) * NANOS_PER_UNIT[unit ?? TimeUnit.MICROSECOND]!) / 1_000_000n),
  );
}

/** `_dlt_version.schema` holds compact JSON, or base64(zlib(JSON)) when it was too long (SEMANTICS §6.2). */
function parseStoredSchemaText(text: string): StoredSchemaInfo['schema'] {
  try {
    return JSON.parse(text);
  } catch {
    return JSON.parse(inflateSync(Buffer.from(text, 'base64')).toString('utf8'));
  }
}

export class ReferenceClient implements DestinationClient {
  readonly capabilities: DestinationCapabilities;
  readonly #runtime: ReferenceRuntime;
  readonly #dataset: string;
  readonly #schema: DltSchema;
  readonly #logger: Logger;

  constructor(runtime: ReferenceRuntime, options: DestinationClientOptions) {
    this.#runtime = runtime;
    this.capabilities = runtime.capabilities;
    this.#dataset = options.datasetName;
    this.#schema = options.schema;
    this.#logger = options.logger;
  }

  get #storage(): ReferenceStorage {
    return this.#runtime.storage;
  }

  /** A crashed destination answers nothing, like a dead process. */
  #alive(): void {
    if (this.#runtime.crash) throw this.#runtime.crash;
  }

  #systemSchema(name: string): Schema {
    const table = name === VERSION_TABLE_NAME ? versionTable() : loadsTable();
    return arrowSchemaForColumns(table.columns as PreparedTable['columns']);
  }

  async #systemRows(name: string): Promise<{ schema: Schema; rows: Row[] }> {
    const table = await this.#storage.read(this.#dataset, name);
    return table
      ? { schema: table.schema, rows: tableToRows(table) }
      : { schema: this.#systemSchema(name), rows: [] };
  }

  async initializeStorage(): Promise<void> {
    this.#alive();
    if (await this.#storage.exists(this.#dataset)) return;
    await this.#storage.create(this.#dataset);
    for (const name of [VERSION_TABLE_NAME, LOADS_TABLE_NAME])
      await this.#storage.write(this.#dataset, name, rowsToTable(this.#systemSchema(name), []));
  }

  async isStorageInitialized(): Promise<boolean> {
    this.#alive();
    return this.#storage.exists(this.#dataset);
  }

  async dropStorage(): Promise<void> {
    this.#alive();
    await this.#storage.drop(this.#dataset);
  }

  async updateStoredSchema(options: { onlyTables?: string[] } = {}): Promise<StorageSchemaUpdate> {
    this.#alive();
    if (!(await this.#storage.exists(this.#dataset))) await this.initializeStorage();
    const wanted = new Set(options.onlyTables ?? Object.keys(this.#schema.tables));
    for (const name of [VERSION_TABLE_NAME, LOADS_TABLE_NAME, STATE_TABLE_NAME]) {
      if (this.#schema.hasTable(name)) wanted.add(name);
    }
    const createdTables: string[] = [];
    const addedColumns: Record<string, string[]> = {};
    for (const name of wanted) {
      if (!this.#schema.hasTable(name)) continue;
      const columns = this.#schema.prepareLoadTable(name, this.capabilities).columns;
      if (Object.keys(columns).length === 0) continue;
      const target = this.#arrowSchema(columns);
      const current = await this.#storage.read(this.#dataset, name);
      if (!current) {
        await this.#storage.write(this.#dataset, name, rowsToTable(target, []));
        createdTables.push(name);
        continue;
      }
      const promoted = promoteSchemas(current.schema, target);
      const added = promoted.fields
        .map((field) => field.name)
        .filter((column) => !current.schema.fields.some((field) => field.name === column));
      if (added.length > 0) {
        await this.#storage.write(this.#dataset, name, alignToSchema(current, promoted));
        addedColumns[name] = added;
      }
    }
    const schemaStored = await this.#storeSchemaVersion();
    return { schemaStored, createdTables, addedColumns };
  }

  /** Inserts a `_dlt_version` row unless one with this schema's hash exists. */
  async #storeSchemaVersion(): Promise<boolean> {
    const hash = this.#schema.versionHash || this.#schema.computeVersionHash();
    const { schema, rows } = await this.#systemRows(VERSION_TABLE_NAME);
    if (rows.some((row) => row.version_hash === hash)) return false;
    rows.push({
      version: BigInt(this.#schema.version),
      engine_version: BigInt(this.#schema.engineVersion),
      inserted_at: timestampOf(schema, 'inserted_at', new Date()),
      schema_name: this.#schema.name,
      version_hash: hash,
      schema: JSON.stringify(this.#schema.toStored()),
    });
    await this.#storage.write(this.#dataset, VERSION_TABLE_NAME, rowsToTable(schema, rows));
    return true;
  }

  #arrowSchema(columns: PreparedTable['columns']): Schema {
    return arrowSchemaForColumns(columns, {
      decimalPrecision: this.capabilities.decimalPrecision,
      timestampPrecision: this.capabilities.timestampPrecision,
    });
  }

  /** Throws the injected failure of this attempt, if any (before any data changes). */
  #injectBefore(job: TableChainJob, tables: readonly string[]): void {
    const { failures, attempts } = this.#runtime;
    const hits = (table: string | undefined) => table !== undefined && tables.includes(table);
    const root = job.rootTable.name;
    if (hits(failures.terminal?.table)) {
      throw new DestinationError(
        `Simulated terminal failure loading table '${root}' in load ${job.loadId}; remove failures.terminal to let it load.`,
        { code: 'SIMULATED_TERMINAL', isRetryable: false },
      );
    }
    if (failures.transient && hits(failures.transient.table)) {
      const key = `transient:${failures.transient.table}`;
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      if (attempt <= failures.transient.times) {
        throw new DestinationError(
          `Simulated transient failure ${attempt} of ${failures.transient.times} loading table '${root}' in load ${job.loadId}; retry.`,
          { code: 'SIMULATED_TRANSIENT', isRetryable: true },
        );
      }
    }
  }

  #crashNow(job: TableChainJob): never {
    const error = new DestinationError(
      `Simulated crash of the reference destination after ${this.#runtime.chainsCompleted} table chain(s), while loading '${job.rootTable.name}' in load ${job.loadId}; resume with a new destination over the same storage (or setFailures()).`,
      { code: 'SIMULATED_CRASH', isRetryable: this.#runtime.failures.crash?.retryable === true },
    );
    this.#runtime.crash = error;
    if (this.#runtime.failures.crash?.kill) process.kill(process.pid, 'SIGKILL');
    throw error;
  }

  async runTableChain(job: TableChainJob): Promise<TableChainResult> {
    this.#alive();
    const names = job.tables.map((item) => item.table.name);
    this.#injectBefore(job, names);
    const { failures } = this.#runtime;
    const crashing =
      failures.crashAfterChains !== undefined && this.#runtime.chainsCompleted >= failures.crashAfterChains;
    const point = failures.crash?.point ?? 'before-chain';
    if (crashing && point === 'before-chain') this.#crashNow(job);

    const input: MergeInput = {
      chain: await Promise.all(
        job.tables.map(async (item) => ({ table: item.table, rows: await this.#readJob(item) })),
      ),
      loadId: job.loadId,
      boundaryTimestamp: job.rootTable['x-boundary-timestamp'] ?? job.packageCreatedAt,
      restore: job.restore,
    };
    const existing = new Map<string, Table>();
    for (const name of names) {
      const table = await this.#storage.read(this.#dataset, name);
      if (table) existing.set(name, table);
    }
    const merged =
      this.#runtime.mergeExecution === 'planned'
        ? applyOperations(existing, await planMerge(input, inMemoryLookups(existing)))
        : mergeClientSide(existing, input);
    for (const [index, name] of names.entries()) {
      const table = merged.get(name);
      if (table) await this.#storage.write(this.#dataset, name, table);
      if (crashing && point === 'mid-chain' && index === 0) this.#crashNow(job);
    }
    this.#logger.debug('reference destination loaded a table chain', {
      table: job.rootTable.name,
      loadId: job.loadId,
      restore: job.restore,
      execution: this.#runtime.mergeExecution,
    });
    if (crashing) this.#crashNow(job);
    if (failures.lostResponse && names.includes(failures.lostResponse.table)) {
      const key = `lost:${failures.lostResponse.table}`;
      const attempt = (this.#runtime.attempts.get(key) ?? 0) + 1;
      this.#runtime.attempts.set(key, attempt);
      if (attempt <= (failures.lostResponse.times ?? 1)) {
        throw new DestinationError(
          `Simulated lost response after loading table '${job.rootTable.name}' in load ${job.loadId}; the chain was applied, retry it with restore.`,
          { code: 'SIMULATED_LOST_RESPONSE', isRetryable: true },
        );
      }
    }
    this.#runtime.chainsCompleted += 1;
    return { tables: job.tables.map((item) => ({ table: item.table.name, rows: item.rows })) };
  }

  /** The rows of a table job: every file, promoted to one schema and aligned to the table's columns. */
  async #readJob(item: TableChainJob['tables'][number]): Promise<Table> {
    let schema = this.#arrowSchema(item.table.columns);
    const parts: Table[] = [];
    for (const file of item.files) {
      const part = await readParquet(file);
      schema = promoteSchemas(schema, part.schema);
      parts.push(part);
    }
    if (parts.length === 1) return alignToSchema(parts[0]!, schema);
    return rowsToTable(
      schema,
      parts.flatMap((part) => tableToRows(alignToSchema(part, schema))),
    );
  }

  async completeLoad(loadId: string): Promise<void> {
    this.#alive();
    const { schema, rows } = await this.#systemRows(LOADS_TABLE_NAME);
    if (rows.some((row) => row.load_id === loadId)) return;
    rows.push({
      load_id: loadId,
      schema_name: this.#schema.name,
      status: 0n,
      inserted_at: timestampOf(schema, 'inserted_at', new Date()),
      schema_version_hash: this.#schema.versionHash || this.#schema.computeVersionHash(),
    });
    await this.#storage.write(this.#dataset, LOADS_TABLE_NAME, rowsToTable(schema, rows));
  }

  #schemaInfo(schema: Schema, row: Row): StoredSchemaInfo {
    return {
      versionHash: String(row.version_hash),
      schemaName: String(row.schema_name),
      version: Number(row.version),
      engineVersion: Number(row.engine_version),
      insertedAt: dateOf(schema, 'inserted_at', row.inserted_at),
      schema: parseStoredSchemaText(String(row.schema)),
    };
  }

  async getStoredSchema(schemaName: string = this.#schema.name): Promise<StoredSchemaInfo | undefined> {
    this.#alive();
    const { schema, rows } = await this.#systemRows(VERSION_TABLE_NAME);
    let newest: Row | undefined;
    for (const row of rows) {
      if (row.schema_name !== schemaName) continue;
      if (!newest || BigInt(row.inserted_at as bigint) >= BigInt(newest.inserted_at as bigint)) newest = row;
    }
    return newest ? this.#schemaInfo(schema, newest) : undefined;
  }

  async getStoredSchemaByHash(versionHash: string): Promise<StoredSchemaInfo | undefined> {
    this.#alive();
    const { schema, rows } = await this.#systemRows(VERSION_TABLE_NAME);
    const row = rows.find((item) => item.version_hash === versionHash);
    return row ? this.#schemaInfo(schema, row) : undefined;
  }

  async getStoredState(pipelineName: string): Promise<StoredStateInfo | undefined> {
    this.#alive();
    const state = (await this.#storage.exists(this.#dataset))
      ? await this.#storage.read(this.#dataset, STATE_TABLE_NAME)
      : undefined;
    if (!state) {
      throw new DestinationUndefinedEntityError(
        `Dataset '${this.#dataset}' has no ${STATE_TABLE_NAME} table yet; nothing to restore.`,
      );
    }
    const completed = new Set(
      (await this.#systemRows(LOADS_TABLE_NAME)).rows
        .filter((row) => row.status === 0n || row.status === 0)
        .map((row) => row.load_id),
    );
    // dlt: JOIN _dlt_loads ON load_id WHERE status = 0 ORDER BY load_id DESC LIMIT 1.
    let newest: Row | undefined;
    for (const row of tableToRows(state)) {
      if (row.pipeline_name !== pipelineName || !completed.has(row._dlt_load_id)) continue;
      if (!newest || String(row._dlt_load_id) >= String(newest._dlt_load_id)) newest = row;
    }
    if (!newest) return undefined;
    return {
      version: Number(newest.version),
      engineVersion: Number(newest.engine_version),
      pipelineName: String(newest.pipeline_name),
      state: String(newest.state),
      createdAt: dateOf(state.schema, 'created_at', newest.created_at),
      versionHash: newest.version_hash === null ? undefined : String(newest.version_hash),
      loadId: String(newest._dlt_load_id),
    };
  }

  async readTable(tableName: string): Promise<ArrowTableLike> {
    this.#alive();
    const table = await this.#storage.read(this.#dataset, tableName);
    if (!table) {
      throw new DestinationUndefinedEntityError(
        `Table '${tableName}' does not exist in dataset '${this.#dataset}' of the reference destination.`,
      );
    }
    return table as unknown as ArrowTableLike;
  }

  async close(): Promise<void> {}
}
