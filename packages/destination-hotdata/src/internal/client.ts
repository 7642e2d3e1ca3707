import {
  type ArrowTableLike,
  ConfigurationError,
  type DestinationCapabilities,
  type DestinationClient,
  type DestinationClientOptions,
  DestinationUndefinedEntityError,
  LOADS_TABLE_NAME,
  type Logger,
  type Schema,
  SchemaError,
  STATE_TABLE_NAME,
  type StorageSchemaUpdate,
  type StoredSchemaInfo,
  type StoredStateInfo,
  snakeCase,
  type TableChainJob,
  type TableChainResult,
  VERSION_TABLE_NAME,
} from '@hotdata-dlt/core';
import {
  createHotdataClient,
  HotdataAmbiguousResultError,
  identifierProblem,
} from '@hotdata-dlt/hotdata-api';
import { encodeParquet } from '@hotdata-dlt/parquet';
import type { Table } from 'apache-arrow';
import type { ResolvedDestinationConfiguration } from '../configuration.ts';
import { type ChainJobContext, refusedLoadMode, runChainJob } from './chain-job.ts';
import { HotdataDatabase, isMissingTableError, storageError, type TableDeclarationSpec } from './database.ts';
import { qualifiedTable, quoteString } from './sql.ts';
import { decodeSchemaText, loadsRow, parseTimestamp, versionRow } from './system-tables.ts';

/** Keys declared on dlt's system tables: what identifies one of their rows. */
const SYSTEM_TABLE_KEYS: Record<string, string[]> = {
  [VERSION_TABLE_NAME]: ['version_hash'],
  [LOADS_TABLE_NAME]: ['load_id'],
  [STATE_TABLE_NAME]: ['_dlt_id'],
};

/** The Hotdata schema a pipeline's dataset name maps to (`schemaFromDataset`). */
export function datasetSchemaName(datasetName: string): string {
  const name = snakeCase.normalizeTableIdentifier(datasetName);
  const problem = identifierProblem(name, 'schema');
  if (problem) {
    throw new ConfigurationError(
      `The dataset name '${datasetName}' cannot be a Hotdata schema (${problem}); choose another datasetName or turn schemaFromDataset off.`,
    );
  }
  return name;
}

/**
 * A connection to one Hotdata database for one dlt schema: storage, schema and state sync, table chain
 * loads and reads. Created by `hotdata().client(...)` for each pipeline step.
 */
export class HotdataDestinationClient implements DestinationClient {
  readonly capabilities: DestinationCapabilities;
  readonly #configuration: ResolvedDestinationConfiguration;
  readonly #schema: Schema;
  readonly #hotdataSchema: string;
  readonly #database: HotdataDatabase;
  readonly #logger: Logger;
  readonly #signal: AbortSignal | undefined;
  readonly #execution: ChainJobContext['execution'];

  constructor(
    configuration: ResolvedDestinationConfiguration,
    capabilities: DestinationCapabilities,
    options: DestinationClientOptions,
    execution: ChainJobContext['execution'],
  ) {
    this.capabilities = capabilities;
    this.#configuration = configuration;
    this.#schema = options.schema;
    this.#logger = options.logger;
    this.#signal = options.signal;
    this.#execution = execution;
    this.#hotdataSchema = configuration.schemaFromDataset
      ? datasetSchemaName(options.datasetName)
      : configuration.schema;
    const { apiKey, workspaceId } = configuration.credentials();
    const api = createHotdataClient({
      apiUrl: configuration.apiUrl,
      apiKey,
      workspaceId,
      maxRetries: configuration.maxRetries,
      retryBackoffSeconds: configuration.retryBackoffSeconds,
      logger: options.logger,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    this.#database = new HotdataDatabase({
      api,
      name: configuration.databaseName,
      defaultSchema: this.#hotdataSchema,
      logger: options.logger,
      asyncLoads: configuration.asyncLoads,
    });
  }

  /** The Hotdata schema this client's tables live in. */
  get hotdataSchema(): string {
    return this.#hotdataSchema;
  }

  #spec(name: string): TableDeclarationSpec {
    const systemKey = SYSTEM_TABLE_KEYS[name];
    if (systemKey) return { schema: this.#hotdataSchema, name, key: systemKey };
    const table = this.#schema.getTable(name);
    const key = table && table.parent === undefined ? this.#schema.columnsWithHint(name, 'primary_key') : [];
    return { schema: this.#hotdataSchema, name, ...(key.length > 0 ? { key } : {}) };
  }

  #checkNames(names: readonly string[]): void {
    for (const name of names) {
      const problem = identifierProblem(name, 'table');
      if (problem) {
        throw new SchemaError(
          `Table '${name}' cannot be created in Hotdata: ${problem}. Give the resource another name (tableName).`,
          { table: name },
        );
      }
    }
  }

  /** System tables, declared tables and the schema's data tables (what a legacy server must know up front). */
  #allTables(): TableDeclarationSpec[] {
    const names = [
      ...new Set([
        VERSION_TABLE_NAME,
        LOADS_TABLE_NAME,
        STATE_TABLE_NAME,
        ...this.#configuration.declaredTables,
        ...this.#schema.dataTableNames(),
      ]),
    ];
    this.#checkNames(names);
    return names.map((name) => this.#spec(name));
  }

  async initializeStorage(): Promise<void> {
    try {
      if (await this.#database.find()) return;
      if (!this.#configuration.createDatabaseIfMissing) {
        throw new DestinationUndefinedEntityError(
          `No Hotdata database is named '${this.#configuration.databaseName}' and createDatabaseIfMissing is off; create the database or turn the option on (env HOTDATA_CREATE_DATABASE_IF_MISSING).`,
        );
      }
      await this.#database.create(this.#allTables());
    } catch (error) {
      throw storageError(`Creating Hotdata database '${this.#configuration.databaseName}'`, error);
    }
  }

  async isStorageInitialized(): Promise<boolean> {
    return (await this.#database.find()) !== undefined;
  }

  async dropStorage(): Promise<void> {
    if (this.#configuration.schemaFromDataset) {
      throw new ConfigurationError(
        `dropStorage would delete database '${this.#configuration.databaseName}' with every dataset's schema (schemaFromDataset is on); delete the tables or the database yourself.`,
      );
    }
    await this.#database.drop();
  }

  async updateStoredSchema(options: { onlyTables?: string[] } = {}): Promise<StorageSchemaUpdate> {
    try {
      await this.#database.require();
      const dataTables = options.onlyTables ?? this.#schema.dataTableNames();
      const system = [VERSION_TABLE_NAME, LOADS_TABLE_NAME, STATE_TABLE_NAME];
      const names = [...new Set([...system, ...this.#configuration.declaredTables, ...dataTables])];
      this.#checkNames(names);
      const before = await this.#database.tables();
      const addedColumns: Record<string, string[]> = {};
      for (const name of dataTables) {
        const existing = before.get(`${this.#hotdataSchema}.${name}`);
        if (!existing?.synced || !this.#schema.hasTable(name)) continue;
        const added = Object.keys(this.#schema.completeColumns(name)).filter(
          (column) => !existing.columns.includes(column),
        );
        if (added.length > 0) addedColumns[name] = added;
      }
      const createdTables = await this.#database.ensureTables(
        names.map((name) => this.#spec(name)),
        this.#allTables(),
      );
      const schemaStored = await this.#storeSchemaVersion();
      return { schemaStored, createdTables, addedColumns };
    } catch (error) {
      throw storageError(`Updating the stored schema '${this.#schema.name}' in Hotdata`, error);
    }
  }

  /** Writes the `_dlt_version` row unless one with this schema's hash exists; true when written. */
  async #storeSchemaVersion(): Promise<boolean> {
    const stored = this.#schema.toStored();
    stored.version_hash = this.#schema.versionHash || this.#schema.computeVersionHash();
    const exists = async () =>
      (
        await this.#selectRows(
          VERSION_TABLE_NAME,
          `SELECT version_hash FROM ${this.#table(VERSION_TABLE_NAME)} WHERE version_hash = ${quoteString(stored.version_hash)} LIMIT 1`,
        )
      ).length > 0;
    if (await exists()) return false;
    await this.#writeSystemRow(
      VERSION_TABLE_NAME,
      versionRow(stored, this.capabilities.maxTextDataTypeLength),
      SYSTEM_TABLE_KEYS[VERSION_TABLE_NAME]!,
      exists,
    );
    return true;
  }

  /**
   * System rows are upserted by their key, so writing one again after a lost response is harmless. A
   * server without the key-based load modes gets an append instead (the callers checked that the row is
   * absent), resent after a lost response only when the row did not arrive.
   */
  async #writeSystemRow(
    table: string,
    rows: Table,
    key: string[],
    exists: () => Promise<boolean>,
  ): Promise<void> {
    const bytes = await encodeParquet(rows);
    for (let attempt = 0; ; attempt++) {
      const mode = this.#execution.serverRefusedModes ? 'append' : 'upsert';
      try {
        const upload = await this.#database.upload(bytes, this.#signal);
        await this.#database.load(
          this.#hotdataSchema,
          table,
          { mode, upload_id: upload.uploadId, format: 'parquet', ...(mode === 'upsert' ? { key } : {}) },
          this.#signal,
        );
        break;
      } catch (error) {
        if (mode === 'upsert' && refusedLoadMode(error)) {
          this.#execution.serverRefusedModes = true;
          this.#logger.warn(
            'the server refused a load mode; system rows are appended after an existence check',
            {
              table,
              error: (error as Error).message,
            },
          );
          continue;
        }
        if (!HotdataAmbiguousResultError.isInstance(error) || attempt >= 3) throw error;
        if (mode === 'append' && (await exists())) break;
      }
    }
    this.#database.noteLoaded(
      this.#hotdataSchema,
      table,
      rows.schema.fields.map((field) => field.name),
    );
  }

  #table(name: string): string {
    return qualifiedTable(this.#hotdataSchema, name);
  }

  /** JSON rows of a query on a system table; no rows when the table was never loaded. */
  async #selectRows(table: string, sql: string): Promise<unknown[][]> {
    const known = await this.#database.table(this.#hotdataSchema, table);
    if (known && !known.synced) return [];
    try {
      return (await this.#database.queryRows(sql, this.#hotdataSchema)).rows;
    } catch (error) {
      if (isMissingTableError(error)) return [];
      throw error;
    }
  }

  async runTableChain(job: TableChainJob): Promise<TableChainResult> {
    return runChainJob(job, {
      database: this.#database,
      schema: this.#hotdataSchema,
      capabilities: this.capabilities,
      logger: this.#logger,
      signal: this.#signal,
      idempotencyColumns: this.#configuration.idempotencyColumns,
      lookupBatchSize: this.#configuration.lookupBatchSize,
      execution: this.#execution,
    });
  }

  async completeLoad(loadId: string): Promise<void> {
    try {
      const exists = async () =>
        (
          await this.#selectRows(
            LOADS_TABLE_NAME,
            `SELECT load_id FROM ${this.#table(LOADS_TABLE_NAME)} WHERE load_id = ${quoteString(loadId)} LIMIT 1`,
          )
        ).length > 0;
      if (await exists()) return;
      const hash = this.#schema.versionHash || this.#schema.computeVersionHash();
      await this.#writeSystemRow(
        LOADS_TABLE_NAME,
        loadsRow(loadId, this.#schema.name, hash),
        SYSTEM_TABLE_KEYS[LOADS_TABLE_NAME]!,
        exists,
      );
    } catch (error) {
      throw storageError(`Completing load ${loadId} (writing its ${LOADS_TABLE_NAME} row)`, error);
    }
  }

  async #schemaInfo(where: string): Promise<StoredSchemaInfo | undefined> {
    if (!(await this.#database.find())) return undefined;
    const rows = await this.#selectRows(
      VERSION_TABLE_NAME,
      `SELECT version_hash, schema_name, version, engine_version, inserted_at, schema FROM ${this.#table(VERSION_TABLE_NAME)} WHERE ${where} ORDER BY inserted_at DESC LIMIT 1`,
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      versionHash: String(row[0]),
      schemaName: String(row[1]),
      version: Number(row[2]),
      engineVersion: Number(row[3]),
      insertedAt: parseTimestamp(row[4]),
      schema: decodeSchemaText(String(row[5])),
    };
  }

  getStoredSchema(schemaName: string = this.#schema.name): Promise<StoredSchemaInfo | undefined> {
    return this.#schemaInfo(`schema_name = ${quoteString(schemaName)}`);
  }

  getStoredSchemaByHash(versionHash: string): Promise<StoredSchemaInfo | undefined> {
    return this.#schemaInfo(`version_hash = ${quoteString(versionHash)}`);
  }

  async getStoredState(pipelineName: string): Promise<StoredStateInfo | undefined> {
    if (!(await this.#database.find())) {
      throw new DestinationUndefinedEntityError(
        `No Hotdata database is named '${this.#configuration.databaseName}' yet, so it holds no pipeline state.`,
      );
    }
    for (const table of [STATE_TABLE_NAME, LOADS_TABLE_NAME]) {
      if (!(await this.#database.table(this.#hotdataSchema, table))) {
        throw new DestinationUndefinedEntityError(
          `Hotdata database '${this.#configuration.databaseName}' has no table ${this.#hotdataSchema}.${table} yet, so it holds no pipeline state.`,
        );
      }
    }
    const state = this.#table(STATE_TABLE_NAME);
    const loads = this.#table(LOADS_TABLE_NAME);
    const known = await this.#database.table(this.#hotdataSchema, LOADS_TABLE_NAME);
    if (!known?.synced) return undefined;
    const rows = await this.#selectRows(
      STATE_TABLE_NAME,
      `SELECT s.version, s.engine_version, s.pipeline_name, s.state, s.created_at, s.version_hash, s._dlt_load_id FROM ${state} AS s JOIN ${loads} AS l ON l.load_id = s._dlt_load_id WHERE s.pipeline_name = ${quoteString(pipelineName)} AND l.status = 0 ORDER BY s._dlt_load_id DESC LIMIT 1`,
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      version: Number(row[0]),
      engineVersion: Number(row[1]),
      pipelineName: String(row[2]),
      state: String(row[3]),
      createdAt: parseTimestamp(row[4]),
      versionHash: row[5] === null || row[5] === undefined ? undefined : String(row[5]),
      loadId: String(row[6]),
    };
  }

  async readTable(tableName: string): Promise<ArrowTableLike> {
    try {
      await this.#database.require();
      return (await this.#database.queryArrow(
        `SELECT * FROM ${this.#table(tableName)}`,
        this.#hotdataSchema,
      )) as unknown as ArrowTableLike;
    } catch (error) {
      if (isMissingTableError(error)) {
        throw new DestinationUndefinedEntityError(
          `Table ${this.#hotdataSchema}.${tableName} does not exist in Hotdata database '${this.#configuration.databaseName}' (or was never loaded).`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  async query(sql: string): Promise<ArrowTableLike> {
    return (await this.#database.queryArrow(sql, this.#hotdataSchema)) as unknown as ArrowTableLike;
  }

  async close(): Promise<void> {}
}
