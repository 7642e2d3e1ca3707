import {
  ConfigurationError,
  DestinationError,
  DestinationUndefinedEntityError,
  HotdataDltError,
  type Logger,
} from '@hotdata-dlt/core';
import {
  type CreateDatabaseResponse,
  type DatabaseSummary,
  HotdataAmbiguousResultError,
  HotdataApiError,
  type HotdataClient,
  type LoadRequest,
  type LoadResponse,
  type TableInfo,
} from '@hotdata-dlt/hotdata-api';
import type { Table } from 'apache-arrow';
import { qualifiedTable } from './sql.ts';

/** A table to declare: where, and its key columns when known. */
export interface TableDeclarationSpec {
  schema: string;
  name: string;
  key?: string[];
}

/** The resolved database. */
export interface DatabaseRef {
  id: string;
  name: string;
}

/** A table as `information_schema` reports it. */
export interface ExistingTable {
  schema: string;
  table: string;
  /** Loaded at least once (declared-only tables are not). */
  synced: boolean;
  columns: string[];
}

/** Schema and table of the marker that makes a legacy migration restartable (see docs/architecture.md). */
export const MIGRATION_MARKER = { schema: 'main', table: '_hotdata_dlt_migrations' } as const;

const tableId = (schema: string, table: string) => `${schema}.${table}`;

/** A query failed because the table (or schema) does not exist, or was declared but never loaded. */
export function isMissingTableError(error: unknown): boolean {
  return (
    HotdataApiError.isInstance(error) &&
    (error.kind === 'bad_request' || error.kind === 'not_found') &&
    /does not exist|not found/i.test(error.message)
  );
}

/** A load was refused because its upload was already consumed or is being loaded (409, or 400 from an async job). */
export function isUploadClaimedError(error: unknown): error is HotdataApiError {
  return (
    HotdataApiError.isInstance(error) &&
    (error.kind === 'conflict' || error.kind === 'bad_request' || error.kind === 'job_failed') &&
    /upload .*(already consumed|being loaded)/i.test(error.message)
  );
}

/** A load was refused because the table was not declared when the database was created (legacy servers). */
export function isNotDeclaredError(error: unknown): boolean {
  return (
    HotdataApiError.isInstance(error) && error.kind === 'bad_request' && /not declared/i.test(error.message)
  );
}

/**
 * One Hotdata database, found by exact name: creation with declared tables, declaration of missing
 * tables (in place on current servers; by migration to a new database on legacy servers that only load
 * tables declared at creation), queries and loads.
 */
export class HotdataDatabase {
  readonly #api: HotdataClient;
  readonly #name: string;
  readonly #defaultSchema: string;
  readonly #logger: Logger;
  readonly #asyncLoads: boolean;
  #ref: DatabaseRef | undefined;
  #connectionId: string | undefined;
  #tables: Map<string, ExistingTable> | undefined;
  /** Set when the server answered the add-schema/table endpoints with 404 or refused an undeclared table. */
  legacy = false;

  constructor(options: {
    api: HotdataClient;
    name: string;
    defaultSchema: string;
    logger: Logger;
    asyncLoads: boolean;
  }) {
    this.#api = options.api;
    this.#name = options.name;
    this.#defaultSchema = options.defaultSchema;
    this.#logger = options.logger;
    this.#asyncLoads = options.asyncLoads;
  }

  get name(): string {
    return this.#name;
  }

  /** The database, or `undefined` when none has the name. Finishes or rolls back an interrupted migration. */
  async find(): Promise<DatabaseRef | undefined> {
    if (this.#ref) return this.#ref;
    const candidates: DatabaseSummary[] = [];
    for await (const database of this.#api.databases.list({ search: this.#name, limit: 100 })) {
      if (database.name === this.#name) candidates.push(database);
    }
    if (candidates.length > 1) await this.#recoverMigration(candidates);
    const found = candidates[0];
    if (!found) return undefined;
    this.#ref = { id: found.id, name: this.#name };
    return this.#ref;
  }

  /** The database; a missing one is a `DestinationUndefinedEntityError`. */
  async require(): Promise<DatabaseRef> {
    const found = await this.find();
    if (!found) {
      throw new DestinationUndefinedEntityError(
        `No Hotdata database is named '${this.#name}' in this workspace; run a load (createDatabaseIfMissing) or create it.`,
      );
    }
    return found;
  }

  /** Creates the database with the given tables declared (and the default schema). */
  async create(tables: readonly TableDeclarationSpec[]): Promise<DatabaseRef> {
    let created: CreateDatabaseResponse;
    try {
      created = await this.#api.databases.create({
        name: this.#name,
        default_schema: this.#defaultSchema,
        schemas: declarations(tables, this.#defaultSchema),
      });
    } catch (error) {
      if (!HotdataAmbiguousResultError.isInstance(error)) throw error;
      // The create may have been applied: use the database if it is there, else create it again.
      const found = await this.find();
      if (found) return found;
      return this.create(tables);
    }
    this.#logger.info('created Hotdata database', { database: this.#name, databaseId: created.id });
    this.#ref = { id: created.id, name: this.#name };
    this.#connectionId = created.default_connection_id;
    this.#tables = new Map(
      tables.map((table) => [
        tableId(table.schema, table.name),
        { schema: table.schema, table: table.name, synced: false, columns: [] },
      ]),
    );
    return this.#ref;
  }

  async #connection(): Promise<string> {
    if (this.#connectionId) return this.#connectionId;
    const { id } = await this.require();
    this.#connectionId = (await this.#api.databases.get(id)).default_connection_id;
    return this.#connectionId;
  }

  /** Every table of the database (all schemas) with its columns, as `information_schema` lists them. */
  async tables(options: { refresh?: boolean } = {}): Promise<Map<string, ExistingTable>> {
    if (this.#tables && !options.refresh) return this.#tables;
    const connectionId = await this.#connection();
    const tables = new Map<string, ExistingTable>();
    for await (const info of this.#api.informationSchema.list({
      connectionId,
      includeColumns: true,
      limit: 1000,
    })) {
      tables.set(tableId(info.schema, info.table), existing(info));
    }
    this.#tables = tables;
    return tables;
  }

  /** The table, if the database lists it (declared or loaded). */
  async table(schema: string, table: string): Promise<ExistingTable | undefined> {
    return (await this.tables()).get(tableId(schema, table));
  }

  /** Remembers that a load created or changed a table (saves a listing before the next lookup). */
  noteLoaded(schema: string, table: string, columns: readonly string[]): void {
    const id = tableId(schema, table);
    const known = this.#tables?.get(id);
    const merged = [...new Set([...(known?.columns ?? []), ...columns])];
    this.#tables?.set(id, { schema, table, synced: true, columns: merged });
  }

  /**
   * Declares the tables the database lacks, returning their names. Current servers get them in place
   * (`addSchema` / `addTable`); a legacy server (add endpoints answer 404) gets a new database with the
   * union of tables and a copy of every row.
   */
  async ensureTables(
    wanted: readonly TableDeclarationSpec[],
    alsoOnMigration: readonly TableDeclarationSpec[] = [],
  ): Promise<string[]> {
    const known = await this.tables();
    const absent = (table: TableDeclarationSpec) => !known.has(tableId(table.schema, table.name));
    const missing = wanted.filter(absent);
    if (missing.length === 0) return [];
    if (!this.legacy) {
      try {
        await this.#declareInPlace(missing);
        return missing.map((table) => table.name);
      } catch (error) {
        if (!(HotdataApiError.isInstance(error) && error.kind === 'not_found')) throw error;
        this.legacy = true;
        this.#logger.info('the server only loads tables declared at database creation (legacy); migrating', {
          database: this.#name,
        });
      }
    }
    // Each migration copies the whole database: declare every table known to be needed at once.
    await this.#migrate([...missing, ...alsoOnMigration.filter(absent)]);
    return missing.map((table) => table.name);
  }

  async #declareInPlace(missing: readonly TableDeclarationSpec[]): Promise<void> {
    const { id } = await this.require();
    const known = await this.tables();
    const knownSchemas = new Set([...known.values()].map((table) => table.schema));
    for (const [schema, tables] of groupBySchema(missing)) {
      if (!knownSchemas.has(schema) && schema !== this.#defaultSchema) {
        try {
          await this.#api.databases.addSchema(id, { name: schema, tables: tables.map(declaration) });
          for (const table of tables) this.#remember(table);
          continue;
        } catch (error) {
          if (!(HotdataApiError.isInstance(error) && error.kind === 'conflict')) throw error;
        }
      }
      for (const table of tables) {
        try {
          await this.#api.databases.addTable(id, schema, declaration(table));
        } catch (error) {
          // 404 here means either a legacy server or a schema that is not there yet.
          if (
            HotdataApiError.isInstance(error) &&
            error.kind === 'not_found' &&
            /schema/i.test(error.message)
          ) {
            await this.#api.databases.addSchema(id, { name: schema, tables: [declaration(table)] });
          } else if (!(HotdataApiError.isInstance(error) && error.kind === 'conflict')) {
            throw error;
          }
        }
        this.#remember(table);
      }
    }
  }

  #remember(table: TableDeclarationSpec): void {
    this.#tables?.set(tableId(table.schema, table.name), {
      schema: table.schema,
      table: table.name,
      synced: false,
      columns: [],
    });
  }

  /**
   * Legacy servers: a new database with the same name and the union of the old tables, the missing ones
   * and the migration marker; every loaded table copied (query → Parquet → upload → replace) and its row
   * count verified; then a marker row naming the old database, and only then the old database deleted.
   * `find()` finishes (marker row present) or rolls back (absent) a migration interrupted between steps.
   */
  async #migrate(missing: readonly TableDeclarationSpec[]): Promise<void> {
    const old = await this.require();
    const oldTables = [...(await this.tables({ refresh: true })).values()];
    const union: TableDeclarationSpec[] = [
      ...oldTables.map((table) => ({ schema: table.schema, name: table.table })),
      ...missing,
    ];
    if (
      !union.some(
        (table) => table.schema === MIGRATION_MARKER.schema && table.name === MIGRATION_MARKER.table,
      )
    )
      union.push({ schema: MIGRATION_MARKER.schema, name: MIGRATION_MARKER.table });
    const counts = new Map<string, number>();
    for (const table of oldTables.filter((item) => item.synced))
      counts.set(tableId(table.schema, table.table), await this.#count(old.id, table.schema, table.table));

    const created = await this.#api.databases.create({
      name: this.#name,
      default_schema: this.#defaultSchema,
      schemas: declarations(union, this.#defaultSchema),
    });
    this.#logger.info('migrating Hotdata database to declare new tables', {
      database: this.#name,
      from: old.id,
      to: created.id,
      tables: union.length,
    });
    let copiedRows = 0;
    for (const table of oldTables.filter((item) => item.synced)) {
      const bytes = await this.#api.queryParquet(
        `SELECT * FROM ${qualifiedTable(table.schema, table.table)}`,
        {
          databaseId: old.id,
        },
      );
      const upload = await this.#api.uploads.upload(bytes, { contentType: 'application/vnd.apache.parquet' });
      await this.#api.loads.load(
        { databaseId: created.id, schema: table.schema, table: table.table },
        { mode: 'replace', upload_id: upload.uploadId, format: 'parquet' },
      );
      const expected = counts.get(tableId(table.schema, table.table)) ?? 0;
      const copied = await this.#count(created.id, table.schema, table.table);
      if (copied !== expected) {
        throw new DestinationError(
          `Migrating database '${this.#name}' copied ${copied} of ${expected} rows of ${table.schema}.${table.table}; the old database ${old.id} is kept. Run the load again to retry the migration.`,
          { isRetryable: true },
        );
      }
      copiedRows += copied;
    }
    const marker = `source_database_id,completed_at,tables,rows\n${old.id},${new Date().toISOString()},${counts.size},${copiedRows}\n`;
    await this.#api.loads.load(
      { databaseId: created.id, schema: MIGRATION_MARKER.schema, table: MIGRATION_MARKER.table },
      {
        mode: 'append',
        data: marker,
        columns: {
          source_database_id: 'VARCHAR',
          completed_at: 'TIMESTAMPTZ',
          tables: 'BIGINT',
          rows: 'BIGINT',
        },
        idempotency_key: `migration-${old.id}-${created.id}`,
      },
    );
    await this.#api.databases.delete(old.id);
    this.#logger.info('migrated Hotdata database', {
      database: this.#name,
      databaseId: created.id,
      rows: copiedRows,
    });
    this.#ref = { id: created.id, name: this.#name };
    this.#connectionId = created.default_connection_id;
    this.#tables = undefined;
    await this.tables();
  }

  async #count(databaseId: string, schema: string, table: string): Promise<number> {
    const { rows } = await this.#api.query(`SELECT count(*) AS n FROM ${qualifiedTable(schema, table)}`, {
      databaseId,
    });
    return Number(rows[0]?.[0] ?? 0);
  }

  /**
   * Several databases carry the name. The pair (older O, newer N) left by an interrupted migration is
   * resolved: N declares the migration marker; a marker row naming O means the copy completed (delete O),
   * none means it did not (delete N: O still holds every row). Anything else is ambiguous.
   */
  async #recoverMigration(candidates: DatabaseSummary[]): Promise<void> {
    while (candidates.length > 1) {
      const newest = candidates[0]!;
      const others = new Set(candidates.slice(1).map((database) => database.id));
      const marker = await this.#markerRows(newest.id);
      if (marker === undefined) {
        throw new ConfigurationError(
          `${candidates.length} Hotdata databases are named '${this.#name}' (${candidates.map((database) => database.id).join(', ')}); give the destination a unique databaseName (env HOTDATA_DATABASE) or delete the extra databases.`,
        );
      }
      const completed = marker.find((source) => others.has(source));
      if (completed) {
        this.#logger.warn('finishing an interrupted migration: deleting the migrated-from database', {
          database: this.#name,
          deleted: completed,
          kept: newest.id,
        });
        await this.#api.databases.delete(completed);
        candidates.splice(
          candidates.findIndex((database) => database.id === completed),
          1,
        );
      } else {
        this.#logger.warn('rolling back an interrupted migration: deleting the incomplete copy', {
          database: this.#name,
          deleted: newest.id,
        });
        await this.#api.databases.delete(newest.id);
        candidates.shift();
      }
    }
  }

  /** Source ids in a database's migration marker; `undefined` when it does not declare the marker. */
  async #markerRows(databaseId: string): Promise<string[] | undefined> {
    const { default_connection_id: connectionId } = await this.#api.databases.get(databaseId);
    let declared: TableInfo | undefined;
    for await (const info of this.#api.informationSchema.list({
      connectionId,
      schema: MIGRATION_MARKER.schema,
      table: MIGRATION_MARKER.table,
    })) {
      declared = info;
    }
    if (!declared) return undefined;
    if (!declared.synced) return [];
    const { rows } = await this.#api.query(
      `SELECT source_database_id FROM ${qualifiedTable(MIGRATION_MARKER.schema, MIGRATION_MARKER.table)}`,
      { databaseId },
    );
    return rows.map((row) => String(row[0]));
  }

  /** Deletes the database with every table. */
  async drop(): Promise<void> {
    const found = await this.find();
    if (!found) return;
    await this.#api.databases.delete(found.id);
    this.#ref = undefined;
    this.#tables = undefined;
    this.#connectionId = undefined;
  }

  /** Runs read-only SQL; bare table names resolve in `defaultSchema`. */
  async queryArrow(sql: string, defaultSchema: string): Promise<Table> {
    const { id } = await this.require();
    return this.#api.queryArrow(sql, { databaseId: id, defaultSchema });
  }

  /** Runs read-only SQL and returns JSON rows (timestamps as ISO strings). */
  async queryRows(sql: string, defaultSchema: string): Promise<{ columns: string[]; rows: unknown[][] }> {
    const { id } = await this.require();
    const result = await this.#api.query(sql, { databaseId: id, defaultSchema });
    return { columns: result.columns, rows: result.rows };
  }

  /** Uploads Parquet bytes or a Parquet file; returns the upload id and the bytes sent. */
  async upload(source: Buffer | string, signal?: AbortSignal): Promise<{ uploadId: string; bytes: number }> {
    const result = await this.#api.uploads.upload(source, {
      contentType: 'application/vnd.apache.parquet',
      ...(signal ? { signal } : {}),
    });
    return { uploadId: result.uploadId, bytes: result.sizeBytes };
  }

  /**
   * Loads an upload into a table in one mode. A legacy server refusing an undeclared table gets the table
   * declared (by migration) and the load is sent again.
   */
  async load(
    schema: string,
    table: string,
    request: Omit<LoadRequest, 'async' | 'async_after_ms'>,
    signal?: AbortSignal,
  ): Promise<LoadResponse> {
    const send = async () => {
      const { id } = await this.require();
      return this.#api.loads.load(
        { databaseId: id, schema, table },
        { ...request, ...(this.#asyncLoads ? { async: true, async_after_ms: 10_000 } : {}) } as LoadRequest,
        signal ? { signal } : {},
      );
    };
    try {
      return await send();
    } catch (error) {
      if (isUploadClaimedError(error)) {
        // Every upload id is sent with one load only: if it is already claimed, an earlier attempt of this
        // very load reached the server (its response was lost), and may have been applied.
        throw new HotdataAmbiguousResultError(
          `The load into ${schema}.${table} may or may not have been applied: its upload was already claimed by an attempt whose response was lost.`,
          {
            method: error.method,
            path: error.path,
            ...(error.status ? { status: error.status } : {}),
            cause: error,
          },
        );
      }
      if (!isNotDeclaredError(error)) throw error;
      this.legacy = true;
      await this.ensureTables([{ schema, name: table }]);
      return send();
    }
  }
}

function existing(info: TableInfo): ExistingTable {
  return {
    schema: info.schema,
    table: info.table,
    synced: info.synced,
    columns: (info.columns ?? []).map((column) => column.name),
  };
}

function declaration(table: TableDeclarationSpec) {
  return { name: table.name, ...(table.key && table.key.length > 0 ? { key: table.key } : {}) };
}

function groupBySchema(tables: readonly TableDeclarationSpec[]): Map<string, TableDeclarationSpec[]> {
  const groups = new Map<string, TableDeclarationSpec[]>();
  for (const table of tables) {
    const group = groups.get(table.schema) ?? [];
    if (!group.some((item) => item.name === table.name)) group.push(table);
    groups.set(table.schema, group);
  }
  return groups;
}

function declarations(tables: readonly TableDeclarationSpec[], defaultSchema: string) {
  const groups = groupBySchema(tables);
  if (!groups.has(defaultSchema)) groups.set(defaultSchema, []);
  return [...groups].map(([name, items]) => ({ name, tables: items.map(declaration) }));
}

/**
 * Wraps an API failure of a storage step into a `DestinationError` that says what was being done and
 * keeps `isRetryable`; the package's own errors (configuration, schema, undefined entity) pass as they are.
 */
export function storageError(what: string, error: unknown): HotdataDltError {
  if (HotdataDltError.isInstance(error) && !HotdataApiError.isInstance(error)) return error;
  const retryable = HotdataDltError.isInstance(error) ? error.isRetryable : false;
  const message = error instanceof Error ? error.message : String(error);
  return new DestinationError(`${what} failed: ${message}`, { isRetryable: retryable, cause: error });
}
