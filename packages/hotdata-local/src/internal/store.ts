import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { ConfigurationError } from '@hotdata-dlt/core';
import type { TableDeclaration } from '@hotdata-dlt/hotdata-api';
import { identifierProblem } from '@hotdata-dlt/hotdata-api';
import { ApiError, badRequest, conflict, notFound } from './api-error.ts';
import { newId } from './ids.ts';

export interface DatabaseRecord {
  id: string;
  workspaceId: string;
  name: string | null;
  defaultCatalog: string;
  defaultSchema: string;
  defaultConnectionId: string;
  expiresAt: string | null;
  createdAt: string;
  /** Creation order, for newest-first listing with stable cursors. */
  sequence: number;
}

export interface TableRecord {
  databaseId: string;
  schema: string;
  table: string;
  key: string[] | null;
  partitionBy: unknown[];
  sortedBy: unknown[];
  /** Declared at database creation (legacy servers only load these). */
  declaredAtCreation: boolean;
  lastSync: string | null;
  tombstoned: boolean;
}

export interface UploadRecord {
  id: string;
  workspaceId: string;
  mode: 'single' | 'multipart' | 'legacy';
  /** `open` → `finalized` (or legacy `pending`) → `consuming` → `consumed`. */
  status: 'open' | 'finalized' | 'pending' | 'consuming' | 'consumed';
  declaredSize: number | null;
  sizeBytes: number;
  contentType: string | null;
  filename: string | null;
  partSize: number | null;
  finalizeToken: string;
  createdAt: string;
  parts: Record<number, { etag: string; size: number }>;
}

export interface JobRecord {
  id: string;
  workspaceId: string;
  jobType: string;
  status: 'pending' | 'running' | 'succeeded' | 'partially_succeeded' | 'failed';
  attempts: number;
  createdAt: string;
  completedAt: string | null;
  errorMessage: string | null;
  result: unknown;
}

export interface ResultRecord {
  id: string;
  databaseId: string;
  status: 'pending' | 'processing' | 'ready' | 'failed';
  rowCount: number;
  columns: string[];
  errorMessage: string | null;
  createdAt: string;
}

export interface QueryRunRecord {
  id: string;
  databaseId: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  sqlText: string;
  resultId: string | null;
  errorMessage: string | null;
  createdAt: string;
  completedAt: string | null;
  executionTimeMs: number | null;
  rowCount: number | null;
}

export interface IdempotencyRecord {
  dataHash: string;
  state: 'running' | 'done';
  response: unknown;
}

interface Metadata {
  version: 1;
  sequence: number;
  databases: Record<string, DatabaseRecord>;
  schemas: Record<string, string[]>;
  tables: TableRecord[];
  uploads: Record<string, UploadRecord>;
  jobs: Record<string, JobRecord>;
  results: Record<string, ResultRecord>;
  queryRuns: Record<string, QueryRunRecord>;
  idempotency: Record<string, IdempotencyRecord>;
}

const RETAINED_RESULTS = 500;
const RETAINED_JOBS = 2000;
/** Consumed uploads are kept (newest first) so a reuse still answers 409 rather than 404. */
const RETAINED_CONSUMED_UPLOADS = 2000;

function emptyMetadata(): Metadata {
  return {
    version: 1,
    sequence: 0,
    databases: {},
    schemas: {},
    tables: [],
    uploads: {},
    jobs: {},
    results: {},
    queryRuns: {},
    idempotency: {},
  };
}

/** Quotes an SQL identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes an SQL string literal. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The DuckDB catalog holding a Hotdata database's tables. */
export function catalogOf(databaseId: string): string {
  return `db_${databaseId}`;
}

export function qualifiedTable(databaseId: string, schema: string, table: string): string {
  return `${quoteIdentifier(catalogOf(databaseId))}.${quoteIdentifier(schema)}.${quoteIdentifier(table)}`;
}

/** Validates and lowercases an identifier, or throws 400 "Invalid identifier". */
export function normalizeIdentifier(name: unknown, kind: 'schema' | 'table' | 'catalog'): string {
  if (typeof name !== 'string') throw badRequest(`Invalid identifier: the ${kind} name must be a string`);
  const problem = identifierProblem(name, kind);
  if (problem) throw badRequest(`Invalid identifier: ${problem}`);
  return name.toLowerCase();
}

function dataDirInUse(dir: string, cause?: unknown): ConfigurationError {
  return new ConfigurationError(
    `The data dir '${dir}' is in use by another hotdata-local server: stop it or choose another data dir.`,
    cause === undefined ? {} : { cause },
  );
}

/**
 * Everything hotdata-local keeps: metadata in `metadata.json` (written atomically after each change),
 * table data in one DuckDB file per database (attached as catalog `db_<id>`), query results as tables of
 * the `results` catalog, uploads as files. A data dir survives restarts; without one everything lives
 * in a temporary folder removed on close.
 */
export class Store {
  readonly instance: DuckDBInstance;
  readonly dir: string;
  readonly uploadsDir: string;
  readonly #temporary: boolean;
  #metadata: Metadata;
  #writing: Promise<void> = Promise.resolve();
  readonly #locks = new Set<string>();
  readonly #key: string;
  static readonly #openDirs = new Set<string>();

  private constructor(
    instance: DuckDBInstance,
    dir: string,
    key: string,
    temporary: boolean,
    metadata: Metadata,
  ) {
    this.instance = instance;
    this.dir = dir;
    this.#key = key;
    this.uploadsDir = join(dir, 'uploads');
    this.#temporary = temporary;
    this.#metadata = metadata;
  }

  static async open(dataDir: string | undefined): Promise<Store> {
    const temporary = dataDir === undefined;
    const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'hotdata-local-')));
    await mkdir(join(dir, 'uploads'), { recursive: true });
    await mkdir(join(dir, 'databases'), { recursive: true });
    // DuckDB's file lock only stops other processes; two servers of this process would share the files.
    const key = await realpath(dir);
    if (Store.#openDirs.has(key)) throw dataDirInUse(dir);
    Store.#openDirs.add(key);
    try {
      return await Store.#openIn(dir, key, temporary);
    } catch (error) {
      Store.#openDirs.delete(key);
      throw error;
    }
  }

  static async #openIn(dir: string, key: string, temporary: boolean): Promise<Store> {
    const metadataPath = join(dir, 'metadata.json');
    const metadata = existsSync(metadataPath)
      ? (JSON.parse(await readFile(metadataPath, 'utf8')) as Metadata)
      : emptyMetadata();
    // A load interrupted by a stop never consumed its upload: make it loadable again.
    for (const upload of Object.values(metadata.uploads)) {
      if (upload.status === 'consuming') upload.status = upload.mode === 'legacy' ? 'pending' : 'finalized';
    }
    const instance = await DuckDBInstance.create(':memory:');
    const store = new Store(instance, dir, key, temporary, metadata);
    try {
      await store.#withConnection(async (connection) => {
        await connection.run(`ATTACH ${quoteLiteral(join(dir, 'results.duckdb'))} AS results`);
        for (const database of Object.values(metadata.databases))
          await store.#attach(connection, database.id);
      });
    } catch (error) {
      instance.closeSync();
      const message = (error as Error).message ?? String(error);
      if (/Could not set lock/i.test(message)) throw dataDirInUse(dir, error);
      throw error;
    }
    return store;
  }

  async close(): Promise<void> {
    await this.#writing;
    this.instance.closeSync();
    Store.#openDirs.delete(this.#key);
    if (this.#temporary) await rm(this.dir, { recursive: true, force: true });
  }

  /** Whether the data dir is a temporary folder removed on close. */
  get temporary(): boolean {
    return this.#temporary;
  }

  get metadata(): Readonly<Metadata> {
    return this.#metadata;
  }

  /** Persists metadata atomically (serialized writes). */
  save(): Promise<void> {
    const snapshot = JSON.stringify(this.#metadata);
    const path = join(this.dir, 'metadata.json');
    this.#writing = this.#writing.then(async () => {
      await writeFile(`${path}.tmp`, snapshot);
      await rename(`${path}.tmp`, path);
    });
    return this.#writing;
  }

  async connect(): Promise<DuckDBConnection> {
    return this.instance.connect();
  }

  async #withConnection<T>(fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const connection = await this.instance.connect();
    try {
      return await fn(connection);
    } finally {
      connection.closeSync();
    }
  }

  async #attach(connection: DuckDBConnection, databaseId: string): Promise<void> {
    const file = join(this.dir, 'databases', `${databaseId}.duckdb`);
    await connection.run(
      `ATTACH IF NOT EXISTS ${quoteLiteral(file)} AS ${quoteIdentifier(catalogOf(databaseId))}`,
    );
  }

  // ---- databases ----

  async createDatabase(input: {
    workspaceId: string;
    name: string | null;
    defaultCatalog: string;
    defaultSchema: string | undefined;
    expiresAt: string | null;
    schemas: Array<{ name: string; tables: TableDeclaration[] }>;
  }): Promise<DatabaseRecord> {
    const schemaNames = input.schemas.map((schema) => schema.name);
    if (new Set(schemaNames).size !== schemaNames.length) throw badRequest('A schema is declared twice.');
    const defaultSchema =
      input.defaultSchema ?? (input.schemas.length === 1 ? input.schemas[0]!.name : 'main');
    const record: DatabaseRecord = {
      id: newId('dbid'),
      workspaceId: input.workspaceId,
      name: input.name,
      defaultCatalog: input.defaultCatalog,
      defaultSchema,
      defaultConnectionId: newId('conn'),
      expiresAt: input.expiresAt,
      createdAt: new Date().toISOString(),
      sequence: ++this.#metadata.sequence,
    };
    const allSchemas = new Set(['main', defaultSchema, ...schemaNames]);
    await this.#withConnection(async (connection) => {
      await this.#attach(connection, record.id);
      for (const schema of allSchemas) {
        await connection.run(
          `CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(catalogOf(record.id))}.${quoteIdentifier(schema)}`,
        );
      }
    });
    this.#metadata.databases[record.id] = record;
    this.#metadata.schemas[record.id] = [...allSchemas];
    for (const schema of input.schemas) {
      for (const table of schema.tables) {
        if (this.findTable(record.id, schema.name, table.name)) {
          throw badRequest(`Table '${schema.name}.${table.name}' is declared twice.`);
        }
        this.#metadata.tables.push(this.#tableRecord(record.id, schema.name, table, true));
      }
    }
    await this.save();
    return record;
  }

  getDatabase(workspaceId: string, databaseId: string): DatabaseRecord {
    const record = this.#metadata.databases[databaseId];
    if (!record || record.workspaceId !== workspaceId) throw notFound(`Database '${databaseId}' not found`);
    return record;
  }

  databaseByConnection(workspaceId: string, connectionId: string): DatabaseRecord {
    const record = Object.values(this.#metadata.databases).find(
      (database) => database.defaultConnectionId === connectionId && database.workspaceId === workspaceId,
    );
    if (!record) throw notFound(`Connection '${connectionId}' not found`);
    return record;
  }

  listDatabases(workspaceId: string, search: string | undefined): DatabaseRecord[] {
    const needle = search?.toLowerCase();
    return Object.values(this.#metadata.databases)
      .filter((database) => database.workspaceId === workspaceId)
      .filter((database) => !needle || (database.name ?? '').toLowerCase().includes(needle))
      .sort((a, b) => b.sequence - a.sequence);
  }

  async deleteDatabase(workspaceId: string, databaseId: string): Promise<void> {
    this.getDatabase(workspaceId, databaseId);
    if (this.#locks.has(databaseId))
      throw new ApiError(409, 'RESOURCE_LOCKED', 'A load is running in this database.');
    await this.#withConnection((connection) =>
      connection.run(`DETACH ${quoteIdentifier(catalogOf(databaseId))}`),
    );
    delete this.#metadata.databases[databaseId];
    delete this.#metadata.schemas[databaseId];
    this.#metadata.tables = this.#metadata.tables.filter((table) => table.databaseId !== databaseId);
    await rm(join(this.dir, 'databases', `${databaseId}.duckdb`), { force: true });
    await rm(join(this.dir, 'databases', `${databaseId}.duckdb.wal`), { force: true });
    await this.save();
  }

  // ---- schemas and tables ----

  hasSchema(databaseId: string, schema: string): boolean {
    return (this.#metadata.schemas[databaseId] ?? []).includes(schema);
  }

  schemasOf(databaseId: string): string[] {
    return this.#metadata.schemas[databaseId] ?? [];
  }

  async addSchema(databaseId: string, schema: string, tables: TableDeclaration[]): Promise<void> {
    if (this.hasSchema(databaseId, schema)) throw conflict(`Schema '${schema}' already exists`);
    await this.ensureSchema(databaseId, schema);
    for (const table of tables) await this.addTable(databaseId, schema, table);
  }

  async ensureSchema(databaseId: string, schema: string): Promise<void> {
    if (this.hasSchema(databaseId, schema)) return;
    await this.#withConnection((connection) =>
      connection.run(
        `CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(catalogOf(databaseId))}.${quoteIdentifier(schema)}`,
      ),
    );
    const schemas = this.#metadata.schemas[databaseId] ?? [];
    schemas.push(schema);
    this.#metadata.schemas[databaseId] = schemas;
    await this.save();
  }

  findTable(databaseId: string, schema: string, table: string): TableRecord | undefined {
    return this.#metadata.tables.find(
      (record) => record.databaseId === databaseId && record.schema === schema && record.table === table,
    );
  }

  liveTables(databaseId: string): TableRecord[] {
    return this.#metadata.tables.filter((record) => record.databaseId === databaseId && !record.tombstoned);
  }

  #tableRecord(
    databaseId: string,
    schema: string,
    declaration: TableDeclaration,
    atCreation: boolean,
  ): TableRecord {
    return {
      databaseId,
      schema,
      table: declaration.name,
      key: declaration.key ?? null,
      partitionBy: declaration.partition_by ?? [],
      sortedBy: declaration.sorted_by ?? [],
      declaredAtCreation: atCreation,
      lastSync: null,
      tombstoned: false,
    };
  }

  async addTable(databaseId: string, schema: string, declaration: TableDeclaration): Promise<void> {
    if (!this.hasSchema(databaseId, schema)) throw notFound(`Schema '${schema}' not found`);
    const existing = this.findTable(databaseId, schema, declaration.name);
    if (existing) {
      throw conflict(
        existing.tombstoned
          ? `Table '${schema}.${declaration.name}' was deleted and cannot be declared again`
          : `Table '${schema}.${declaration.name}' already exists`,
      );
    }
    this.#metadata.tables.push(this.#tableRecord(databaseId, schema, declaration, false));
    await this.save();
  }

  /** Records a table created by a load (current API: undeclared tables are created on first load). */
  async touchTable(databaseId: string, schema: string, table: string): Promise<TableRecord> {
    let record = this.findTable(databaseId, schema, table);
    if (!record) {
      record = this.#tableRecord(databaseId, schema, { name: table }, false);
      this.#metadata.tables.push(record);
    }
    record.lastSync = new Date().toISOString();
    await this.save();
    return record;
  }

  async tombstoneTable(databaseId: string, schema: string, table: string): Promise<void> {
    const record = this.findTable(databaseId, schema, table);
    if (!record || record.tombstoned) throw notFound(`Table '${schema}.${table}' not found`);
    record.tombstoned = true;
    await this.#withConnection((connection) =>
      connection.run(`DROP TABLE IF EXISTS ${qualifiedTable(databaseId, schema, table)}`),
    );
    await this.save();
  }

  // ---- locks ----

  /** Takes the database's write lock or throws 409 RESOURCE_LOCKED. */
  lock(databaseId: string): () => void {
    if (this.#locks.has(databaseId)) {
      throw new ApiError(
        409,
        'RESOURCE_LOCKED',
        'Another load holds the write lock of this database; retry when it has finished.',
      );
    }
    this.#locks.add(databaseId);
    return () => this.#locks.delete(databaseId);
  }

  // ---- uploads ----

  uploadPath(uploadId: string): string {
    return join(this.uploadsDir, uploadId);
  }

  partPath(uploadId: string, partNumber: number): string {
    return join(this.uploadsDir, `${uploadId}.parts`, String(partNumber));
  }

  async putUpload(record: UploadRecord): Promise<void> {
    this.#metadata.uploads[record.id] = record;
    if (record.status === 'consumed') {
      const consumed = Object.values(this.#metadata.uploads).filter((upload) => upload.status === 'consumed');
      for (const upload of consumed.slice(0, Math.max(0, consumed.length - RETAINED_CONSUMED_UPLOADS)))
        delete this.#metadata.uploads[upload.id];
    }
    await this.save();
  }

  getUpload(uploadId: string): UploadRecord {
    const record = this.#metadata.uploads[uploadId];
    if (!record) throw notFound(`Upload '${uploadId}' not found`);
    return record;
  }

  // ---- jobs, results, query runs ----

  async putJob(job: JobRecord): Promise<void> {
    this.#metadata.jobs[job.id] = job;
    const ids = Object.keys(this.#metadata.jobs);
    for (const id of ids.slice(0, Math.max(0, ids.length - RETAINED_JOBS))) delete this.#metadata.jobs[id];
    await this.save();
  }

  getJob(workspaceId: string, jobId: string): JobRecord {
    const job = this.#metadata.jobs[jobId];
    if (!job || job.workspaceId !== workspaceId) throw notFound(`Job '${jobId}' not found`);
    return job;
  }

  async putResult(result: ResultRecord): Promise<void> {
    this.#metadata.results[result.id] = result;
    const ids = Object.keys(this.#metadata.results);
    const expired = ids.slice(0, Math.max(0, ids.length - RETAINED_RESULTS));
    if (expired.length > 0) {
      await this.#withConnection(async (connection) => {
        for (const id of expired) {
          await connection.run(`DROP TABLE IF EXISTS results.main.${quoteIdentifier(id)}`);
          delete this.#metadata.results[id];
        }
      });
    }
    await this.save();
  }

  getResult(databaseId: string, resultId: string): ResultRecord {
    const result = this.#metadata.results[resultId];
    if (!result || result.databaseId !== databaseId) throw notFound(`Result '${resultId}' not found`);
    return result;
  }

  async putQueryRun(run: QueryRunRecord): Promise<void> {
    this.#metadata.queryRuns[run.id] = run;
    const ids = Object.keys(this.#metadata.queryRuns);
    for (const id of ids.slice(0, Math.max(0, ids.length - RETAINED_JOBS)))
      delete this.#metadata.queryRuns[id];
    await this.save();
  }

  getQueryRun(databaseId: string, runId: string): QueryRunRecord {
    const run = this.#metadata.queryRuns[runId];
    if (!run || run.databaseId !== databaseId) throw notFound(`Query run '${runId}' not found`);
    return run;
  }

  idempotency(key: string): IdempotencyRecord | undefined {
    return this.#metadata.idempotency[key];
  }

  async setIdempotency(key: string, record: IdempotencyRecord | undefined): Promise<void> {
    if (record) this.#metadata.idempotency[key] = record;
    else delete this.#metadata.idempotency[key];
    await this.save();
  }
}
