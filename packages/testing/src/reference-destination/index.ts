import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ArrowTableLike,
  type Destination,
  type DestinationCapabilities,
  type DestinationClient,
  type DestinationClientOptions,
  DestinationError,
  DestinationUndefinedEntityError,
  type Schema as DltSchema,
  LOADS_TABLE_NAME,
  STATE_TABLE_NAME,
  type StoredSchemaInfo,
  type StoredStateInfo,
  type TableChainJob,
  type TableChainResult,
  VERSION_TABLE_NAME,
} from '@hotdata-dlt/core';
import { alignToSchema, mergeClientSide, promoteSchemas, rowsToTable, tableToRows } from '@hotdata-dlt/merge';
import { arrowSchemaForColumns, readParquet, writeParquet } from '@hotdata-dlt/parquet';
import { Field, Int64, Schema, type Table, TimestampMicrosecond, Utf8 } from 'apache-arrow';

/** Injectable failures, like dlt's `dummy` destination. */
export interface ReferenceFailures {
  /** Chains of this root table fail with a retryable error the first `times` attempts. */
  transient?: { table: string; times: number };
  /** Chains of this root table always fail with a terminal error. */
  terminal?: { table: string };
}

export interface ReferenceDestinationOptions {
  /** `memory` (default): tables live in this object. `{ dir }`: Parquet files, shared across processes. */
  storage?: 'memory' | { dir: string };
  failures?: ReferenceFailures;
  /** Destination name. Default `reference`. */
  name?: string;
}

/** The reference destination plus test helpers to inspect what it holds. */
export interface ReferenceDestination extends Destination {
  /** Every table of a dataset (system tables included), read from storage. */
  tables(datasetName: string): Promise<Map<string, Table>>;
  /** Rows of one table as plain objects with exact values (`tableToRows`). */
  rows(datasetName: string, table: string): Promise<Record<string, unknown>[]>;
}

const capabilities: DestinationCapabilities = {
  preferredLoaderFileFormat: 'parquet',
  supportedLoaderFileFormats: ['parquet'],
  supportedStagingFileFormats: [],
  supportedMergeStrategies: ['delete-insert', 'upsert', 'insert-only', 'scd2'],
  supportedReplaceStrategies: ['truncate-and-insert'],
  maxIdentifierLength: 255,
  maxColumnIdentifierLength: 255,
  namingConvention: 'snake_case',
  hasCaseSensitiveIdentifiers: false,
  timestampPrecision: 6,
  maxTimestampPrecision: 9,
  decimalPrecision: [38, 9],
  maxTextDataTypeLength: 1024 * 1024 * 1024,
  supportsTransactions: false,
  supportsNestedTypes: false,
  supportsTzAwareDatetime: true,
  supportsNaiveDatetime: true,
  recommendedFileSize: 64 * 1024 * 1024,
  loaderParallelismStrategy: 'sequential',
  maxParallelLoadJobs: 1,
};

const versionSchema = new Schema([
  new Field('version', new Int64(), false),
  new Field('engine_version', new Int64(), false),
  new Field('inserted_at', new TimestampMicrosecond('UTC'), false),
  new Field('schema_name', new Utf8(), false),
  new Field('version_hash', new Utf8(), false),
  new Field('schema', new Utf8(), false),
]);
const loadsSchema = new Schema([
  new Field('load_id', new Utf8(), false),
  new Field('schema_name', new Utf8(), true),
  new Field('status', new Int64(), false),
  new Field('inserted_at', new TimestampMicrosecond('UTC'), false),
  new Field('schema_version_hash', new Utf8(), true),
]);

interface Storage {
  load(dataset: string): Promise<Map<string, Table>>;
  save(dataset: string, name: string, table: Table): Promise<void>;
  drop(dataset: string): Promise<void>;
  exists(dataset: string): Promise<boolean>;
}

function memoryStorage(): Storage {
  const datasets = new Map<string, Map<string, Table>>();
  return {
    async load(dataset) {
      return new Map(datasets.get(dataset) ?? []);
    },
    async save(dataset, name, table) {
      if (!datasets.has(dataset)) datasets.set(dataset, new Map());
      datasets.get(dataset)!.set(name, table);
    },
    async drop(dataset) {
      datasets.delete(dataset);
    },
    async exists(dataset) {
      return datasets.has(dataset);
    },
  };
}

function directoryStorage(dir: string): Storage {
  return {
    async load(dataset) {
      const folder = join(dir, dataset);
      const tables = new Map<string, Table>();
      if (!existsSync(folder)) return tables;
      for (const file of await readdir(folder)) {
        if (file.endsWith('.parquet'))
          tables.set(file.slice(0, -'.parquet'.length), await readParquet(join(folder, file)));
      }
      return tables;
    },
    async save(dataset, name, table) {
      await mkdir(join(dir, dataset), { recursive: true });
      await writeParquet(table, join(dir, dataset, `${name}.parquet`));
    },
    async drop(dataset) {
      await rm(join(dir, dataset), { recursive: true, force: true });
    },
    async exists(dataset) {
      return existsSync(join(dir, dataset));
    },
  };
}

const micros = (date: Date) => BigInt(date.getTime()) * 1000n;

class ReferenceClient implements DestinationClient {
  readonly capabilities = capabilities;
  readonly #storage: Storage;
  readonly #dataset: string;
  readonly #schema: DltSchema;
  readonly #failures: ReferenceFailures;
  readonly #attempts: Map<string, number>;

  constructor(
    storage: Storage,
    options: DestinationClientOptions,
    failures: ReferenceFailures,
    attempts: Map<string, number>,
  ) {
    this.#storage = storage;
    this.#dataset = options.datasetName;
    this.#schema = options.schema;
    this.#failures = failures;
    this.#attempts = attempts;
  }

  async initializeStorage(): Promise<void> {
    if (!(await this.#storage.exists(this.#dataset))) {
      await this.#storage.save(this.#dataset, VERSION_TABLE_NAME, rowsToTable(versionSchema, []));
      await this.#storage.save(this.#dataset, LOADS_TABLE_NAME, rowsToTable(loadsSchema, []));
    }
  }

  isStorageInitialized(): Promise<boolean> {
    return this.#storage.exists(this.#dataset);
  }

  dropStorage(): Promise<void> {
    return this.#storage.drop(this.#dataset);
  }

  async updateStoredSchema(options: { onlyTables?: string[] } = {}) {
    const tables = await this.#storage.load(this.#dataset);
    const versions = tableToRows(tables.get(VERSION_TABLE_NAME) ?? rowsToTable(versionSchema, []));
    const hash = this.#schema.versionHash || this.#schema.computeVersionHash();
    const schemaStored = !versions.some((row) => row.version_hash === hash);
    if (schemaStored) {
      versions.push({
        version: BigInt(this.#schema.version),
        engine_version: BigInt(this.#schema.engineVersion),
        inserted_at: micros(new Date()),
        schema_name: this.#schema.name,
        version_hash: hash,
        schema: JSON.stringify(this.#schema.toStored()),
      });
      await this.#storage.save(this.#dataset, VERSION_TABLE_NAME, rowsToTable(versionSchema, versions));
    }
    const createdTables = (options.onlyTables ?? []).filter((name) => !tables.has(name));
    return { schemaStored, createdTables, addedColumns: {} };
  }

  async runTableChain(job: TableChainJob): Promise<TableChainResult> {
    const root = job.rootTable.name;
    if (this.#failures.terminal?.table === root) {
      throw new DestinationError(`Simulated terminal failure of table '${root}' in load ${job.loadId}.`, {
        isRetryable: false,
      });
    }
    if (this.#failures.transient?.table === root) {
      const attempt = (this.#attempts.get(root) ?? 0) + 1;
      this.#attempts.set(root, attempt);
      if (attempt <= this.#failures.transient.times) {
        throw new DestinationError(`Simulated transient failure ${attempt} of table '${root}'.`, {
          isRetryable: true,
        });
      }
    }
    const existing = await this.#storage.load(this.#dataset);
    const chain = [];
    for (const tableJob of job.tables) {
      let schema = arrowSchemaForColumns(tableJob.table.columns, {
        decimalPrecision: capabilities.decimalPrecision,
      });
      const parts: Table[] = [];
      for (const file of tableJob.files) {
        const part = await readParquet(file);
        schema = promoteSchemas(schema, part.schema);
        parts.push(part);
      }
      const rows = parts.flatMap((part) => tableToRows(alignToSchema(part, schema)));
      chain.push({ table: tableJob.table, rows: rowsToTable(schema, rows) });
    }
    const boundary = job.rootTable['x-boundary-timestamp'];
    const merged = mergeClientSide(existing, {
      chain,
      loadId: job.loadId,
      boundaryTimestamp: boundary ? new Date(boundary) : job.packageCreatedAt,
      restore: job.restore,
    });
    for (const [name, table] of merged) await this.#storage.save(this.#dataset, name, table);
    return { tables: job.tables.map((tableJob) => ({ table: tableJob.table.name, rows: tableJob.rows })) };
  }

  async completeLoad(loadId: string): Promise<void> {
    const tables = await this.#storage.load(this.#dataset);
    const loads = tableToRows(tables.get(LOADS_TABLE_NAME) ?? rowsToTable(loadsSchema, []));
    if (loads.some((row) => row.load_id === loadId)) return;
    loads.push({
      load_id: loadId,
      schema_name: this.#schema.name,
      status: 0n,
      inserted_at: micros(new Date()),
      schema_version_hash: this.#schema.versionHash,
    });
    await this.#storage.save(this.#dataset, LOADS_TABLE_NAME, rowsToTable(loadsSchema, loads));
  }

  async #versions(): Promise<Record<string, unknown>[]> {
    const tables = await this.#storage.load(this.#dataset);
    const table = tables.get(VERSION_TABLE_NAME);
    return table ? tableToRows(table) : [];
  }

  #toSchemaInfo(row: Record<string, unknown>): StoredSchemaInfo {
    return {
      versionHash: String(row.version_hash),
      schemaName: String(row.schema_name),
      version: Number(row.version),
      engineVersion: Number(row.engine_version),
      insertedAt: new Date(Number(BigInt(row.inserted_at as bigint) / 1000n)),
      schema: JSON.parse(String(row.schema)),
    };
  }

  async getStoredSchema(schemaName = this.#schema.name): Promise<StoredSchemaInfo | undefined> {
    const rows = (await this.#versions()).filter((row) => row.schema_name === schemaName);
    rows.sort((a, b) => Number(BigInt(a.inserted_at as bigint) - BigInt(b.inserted_at as bigint)));
    const newest = rows.at(-1);
    return newest ? this.#toSchemaInfo(newest) : undefined;
  }

  async getStoredSchemaByHash(versionHash: string): Promise<StoredSchemaInfo | undefined> {
    const row = (await this.#versions()).find((item) => item.version_hash === versionHash);
    return row ? this.#toSchemaInfo(row) : undefined;
  }

  async getStoredState(pipelineName: string): Promise<StoredStateInfo | undefined> {
    const tables = await this.#storage.load(this.#dataset);
    const state = tables.get(STATE_TABLE_NAME);
    if (!state)
      throw new DestinationUndefinedEntityError(
        `Dataset '${this.#dataset}' has no ${STATE_TABLE_NAME} table yet.`,
      );
    const completed = new Set(
      tableToRows(tables.get(LOADS_TABLE_NAME) ?? rowsToTable(loadsSchema, []))
        .filter((row) => row.status === 0n)
        .map((row) => row.load_id),
    );
    const rows = tableToRows(state)
      .filter((row) => row.pipeline_name === pipelineName && completed.has(row._dlt_load_id))
      .sort((a, b) => String(a._dlt_load_id).localeCompare(String(b._dlt_load_id)));
    const newest = rows.at(-1);
    if (!newest) return undefined;
    return {
      version: Number(newest.version),
      engineVersion: Number(newest.engine_version),
      pipelineName: String(newest.pipeline_name),
      state: String(newest.state),
      createdAt: new Date(Number(BigInt(newest.created_at as bigint) / 1000n)),
      versionHash: newest.version_hash === null ? undefined : String(newest.version_hash),
      loadId: String(newest._dlt_load_id),
    };
  }

  async readTable(tableName: string): Promise<ArrowTableLike> {
    const table = (await this.#storage.load(this.#dataset)).get(tableName);
    if (!table)
      throw new DestinationUndefinedEntityError(
        `Table '${tableName}' does not exist in dataset '${this.#dataset}'.`,
      );
    return table as unknown as ArrowTableLike;
  }

  async close(): Promise<void> {}
}

/**
 * The reference destination: tables in memory or in local Parquet files, every disposition applied
 * client-side with `@hotdata-dlt/merge`, dlt's system tables, and injectable transient and terminal
 * failures. The engine's tests run against it; `hotdata()` runs the same conformance suite.
 */
export function createReferenceDestination(options: ReferenceDestinationOptions = {}): ReferenceDestination {
  const storage =
    options.storage === undefined || options.storage === 'memory'
      ? memoryStorage()
      : directoryStorage(options.storage.dir);
  const attempts = new Map<string, number>();
  return {
    destinationType: 'reference',
    destinationName: options.name ?? 'reference',
    capabilities,
    async client(clientOptions) {
      return new ReferenceClient(storage, clientOptions, options.failures ?? {}, attempts);
    },
    describe: () => ({
      storage: options.storage === undefined || options.storage === 'memory' ? 'memory' : options.storage.dir,
    }),
    tables: (datasetName) => storage.load(datasetName),
    async rows(datasetName, table) {
      const found = (await storage.load(datasetName)).get(table);
      return found ? tableToRows(found) : [];
    },
  };
}
