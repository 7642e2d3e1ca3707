import { createHash } from 'node:crypto';
import { open, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  KEYED_LOAD_MODES,
  type LoadRequest,
  type LoadResponse,
  MAX_INLINE_DATA_BYTES,
} from '@hotdata-dlt/hotdata-api';
import { ApiError, badRequest, conflict, notFound } from './api-error.ts';
import { arrowTypeString } from './arrow.ts';
import { newId } from './ids.ts';
import {
  type DatabaseRecord,
  normalizeIdentifier,
  qualifiedTable,
  quoteIdentifier,
  quoteLiteral,
  type Store,
  type UploadRecord,
} from './store.ts';

export interface LoadTarget {
  database: DatabaseRecord;
  schema: string;
  table: string;
}

interface Column {
  name: string;
  type: string;
}

const INTEGER_RANK: Record<string, number> = { TINYINT: 1, SMALLINT: 2, INTEGER: 3, BIGINT: 4, HUGEINT: 5 };
const UNSIGNED_RANK: Record<string, number> = { UTINYINT: 1, USMALLINT: 2, UINTEGER: 3, UBIGINT: 4 };
const FLOAT_RANK: Record<string, number> = { FLOAT: 1, DOUBLE: 2 };
const INTEGER_DIGITS: Record<string, number> = {
  TINYINT: 3,
  SMALLINT: 5,
  INTEGER: 10,
  BIGINT: 19,
  HUGEINT: 38,
  UTINYINT: 3,
  USMALLINT: 5,
  UINTEGER: 10,
  UBIGINT: 20,
};
const TEXT_TYPES = new Set(['VARCHAR', 'JSON']);
const TIMESTAMP_TYPES = ['DATE', 'TIMESTAMP', 'TIMESTAMP WITH TIME ZONE'];

function parseDecimal(type: string): { precision: number; scale: number } | undefined {
  const match = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(type);
  return match ? { precision: Number(match[1]), scale: Number(match[2]) } : undefined;
}

/**
 * How a column of type `incoming` fits an existing column of type `existing`: as is, after widening the
 * existing column (returns the new type), or not at all (`undefined`).
 */
export function widenType(existing: string, incoming: string): { fits: true; widenTo?: string } | undefined {
  if (existing === incoming || incoming === '"NULL"' || incoming === 'NULL') return { fits: true };
  if (TEXT_TYPES.has(existing) && TEXT_TYPES.has(incoming)) return { fits: true };
  for (const ranks of [INTEGER_RANK, UNSIGNED_RANK, FLOAT_RANK]) {
    const a = ranks[existing];
    const b = ranks[incoming];
    if (a !== undefined && b !== undefined)
      return a >= b ? { fits: true } : { fits: true, widenTo: incoming };
  }
  const existingInteger = INTEGER_DIGITS[existing];
  const incomingInteger = INTEGER_DIGITS[incoming];
  if (existingInteger !== undefined && incomingInteger !== undefined) {
    return { fits: true, widenTo: existingInteger >= incomingInteger ? existing : 'HUGEINT' };
  }
  if (FLOAT_RANK[existing] !== undefined && (incomingInteger !== undefined || parseDecimal(incoming))) {
    return existing === 'DOUBLE' ? { fits: true } : { fits: true, widenTo: 'DOUBLE' };
  }
  if ((existingInteger !== undefined || parseDecimal(existing)) && FLOAT_RANK[incoming] !== undefined) {
    return { fits: true, widenTo: 'DOUBLE' };
  }
  const existingDecimal = parseDecimal(existing);
  const incomingDecimal =
    parseDecimal(incoming) ?? (incomingInteger ? { precision: incomingInteger, scale: 0 } : undefined);
  if (existingDecimal && incomingDecimal) {
    const scale = Math.max(existingDecimal.scale, incomingDecimal.scale);
    const integerDigits = Math.max(
      existingDecimal.precision - existingDecimal.scale,
      incomingDecimal.precision - incomingDecimal.scale,
    );
    const precision = Math.min(38, integerDigits + scale);
    return precision === existingDecimal.precision && scale === existingDecimal.scale
      ? { fits: true }
      : { fits: true, widenTo: `DECIMAL(${precision},${scale})` };
  }
  if (existingInteger !== undefined && parseDecimal(incoming)) {
    const decimal = parseDecimal(incoming)!;
    return {
      fits: true,
      widenTo: `DECIMAL(${Math.min(38, Math.max(existingInteger + decimal.scale, decimal.precision))},${decimal.scale})`,
    };
  }
  const existingTime = TIMESTAMP_TYPES.indexOf(existing);
  const incomingTime = TIMESTAMP_TYPES.indexOf(incoming);
  if (existingTime >= 0 && incomingTime >= 0) {
    return existingTime >= incomingTime ? { fits: true } : { fits: true, widenTo: incoming };
  }
  return undefined;
}

async function describe(connection: DuckDBConnection, relation: string): Promise<Column[]> {
  const reader = await connection.runAndReadAll(`DESCRIBE ${relation}`);
  return reader
    .getRowObjects()
    .map((row) => ({ name: String(row.column_name), type: String(row.column_type) }));
}

async function tableExists(connection: DuckDBConnection, target: LoadTarget): Promise<boolean> {
  const reader = await connection.runAndReadAll(
    `SELECT count(*) AS n FROM duckdb_tables() WHERE database_name = ${quoteLiteral(`db_${target.database.id}`)} AND schema_name = ${quoteLiteral(target.schema)} AND table_name = ${quoteLiteral(target.table)}`,
  );
  return Number(reader.getRows()[0]?.[0] ?? 0) > 0;
}

async function sniffFormat(path: string): Promise<'parquet' | 'json' | 'csv'> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(4);
    await handle.read(buffer, 0, 4, 0);
    if (buffer.toString('latin1') === 'PAR1') return 'parquet';
    const first = buffer.toString('utf8').trimStart()[0];
    return first === '{' ? 'json' : 'csv';
  } finally {
    await handle.close();
  }
}

function formatFromContentType(contentType: string | null): 'parquet' | 'json' | 'csv' | undefined {
  if (!contentType) return undefined;
  if (/parquet/i.test(contentType)) return 'parquet';
  if (/json/i.test(contentType)) return 'json';
  if (/csv/i.test(contentType)) return 'csv';
  return undefined;
}

function readerSql(
  format: 'parquet' | 'json' | 'csv',
  path: string,
  columns?: LoadRequest['columns'],
): string {
  const file = quoteLiteral(path);
  if (format === 'parquet') return `read_parquet(${file})`;
  if (format === 'json') return `read_json(${file}, format = 'newline_delimited')`;
  if (!columns) return `read_csv(${file}, header = true, auto_detect = true)`;
  const spec = Object.entries(columns)
    .map(([name, type]) => {
      const text =
        typeof type === 'string'
          ? type
          : type.precision !== undefined
            ? `${type.type}(${type.precision},${type.scale ?? 0})`
            : type.type;
      return `${quoteLiteral(name)}: ${quoteLiteral(text.toUpperCase() === 'STRING' || text.toUpperCase() === 'TEXT' ? 'VARCHAR' : text)}`;
    })
    .join(', ');
  return `read_csv(${file}, header = true, columns = {${spec}})`;
}

/**
 * The upload a load names, if it can be loaded now: unknown (404), already consumed or being consumed
 * (409), not finalized (400) otherwise. Async loads call it before accepting the job, so a replayed load
 * gets the documented 409 at once instead of a failed job.
 */
export function loadableUpload(store: Store, uploadId: string, workspaceId: string): UploadRecord {
  const upload: UploadRecord = store.getUpload(uploadId);
  if (upload.workspaceId !== workspaceId) throw notFound(`Upload '${uploadId}' not found`);
  if (upload.status === 'consumed')
    throw conflict(`Upload '${upload.id}' was already consumed by a load; upload the data again.`);
  if (upload.status === 'consuming')
    throw conflict(`Upload '${upload.id}' is being loaded by another request.`);
  if (upload.status === 'open')
    throw badRequest(`Upload '${upload.id}' is not finalized; finalize it before loading.`);
  return upload;
}

interface ResolvedSource {
  relation: string;
  release(success: boolean): Promise<void>;
}

async function resolveSource(
  store: Store,
  target: LoadTarget,
  request: LoadRequest,
  workspaceId: string,
): Promise<ResolvedSource> {
  if (request.upload_id !== undefined) {
    const upload = loadableUpload(store, request.upload_id, workspaceId);
    const previous = upload.status;
    upload.status = 'consuming';
    await store.putUpload(upload);
    const path = store.uploadPath(upload.id);
    let format: 'parquet' | 'json' | 'csv';
    try {
      format = request.format ?? formatFromContentType(upload.contentType) ?? (await sniffFormat(path));
    } catch (error) {
      upload.status = previous;
      await store.putUpload(upload);
      throw error;
    }
    return {
      relation: readerSql(format, path),
      async release(success) {
        upload.status = success ? 'consumed' : previous;
        await store.putUpload(upload);
        // A consumed upload can never be loaded again: its bytes are dead weight in the data dir.
        if (success) await rm(path, { force: true });
      },
    };
  }
  if (request.result_id !== undefined) {
    const result = store.getResult(target.database.id, request.result_id);
    if (result.status === 'failed')
      throw badRequest(`Result '${result.id}' failed: ${result.errorMessage ?? 'unknown error'}`);
    if (result.status !== 'ready') throw conflict(`Result '${result.id}' is still being computed.`);
    return { relation: `results.main.${quoteIdentifier(result.id)}`, release: async () => {} };
  }
  const data = request.data ?? '';
  if (Buffer.byteLength(data, 'utf8') > MAX_INLINE_DATA_BYTES) {
    throw new ApiError(
      413,
      'INLINE_DATA_TOO_LARGE',
      `Inline data is larger than ${MAX_INLINE_DATA_BYTES} bytes; upload it and load by upload_id instead.`,
    );
  }
  const path = join(store.uploadsDir, `${newId('inln')}.csv`);
  await writeFile(path, data);
  return {
    relation: readerSql('csv', path, request.columns),
    release: () => rm(path, { force: true }),
  };
}

/** Adds missing columns and widens compatible types; an incompatible change is a 409. */
async function evolveColumns(
  connection: DuckDBConnection,
  table: string,
  existing: Column[],
  incoming: Column[],
  source: string,
): Promise<void> {
  const byName = new Map(existing.map((column) => [column.name.toLowerCase(), column]));
  for (const column of incoming) {
    const current = byName.get(column.name.toLowerCase());
    if (!current) {
      await connection.run(
        `ALTER TABLE ${table} ADD COLUMN ${quoteIdentifier(column.name)} ${column.type === '"NULL"' ? 'VARCHAR' : column.type}`,
      );
      continue;
    }
    const fit =
      widenType(current.type, column.type) ??
      ((await onlyNulls(connection, source, column.name)) ? { fits: true } : undefined);
    if (!fit) {
      throw conflict(
        `Column '${column.name}' is ${current.type} in the table but ${column.type} in the load: an incompatible type change. Only widening (e.g. INTEGER to BIGINT) is applied automatically.`,
      );
    }
    if (fit.widenTo)
      await connection.run(
        `ALTER TABLE ${table} ALTER COLUMN ${quoteIdentifier(column.name)} TYPE ${fit.widenTo}`,
      );
  }
}

/** A column without any value (typed VARCHAR by CSV detection) fits any existing type. */
async function onlyNulls(connection: DuckDBConnection, source: string, column: string): Promise<boolean> {
  const reader = await connection.runAndReadAll(`SELECT count(${quoteIdentifier(column)}) FROM ${source}`);
  return Number(reader.getRows()[0]?.[0] ?? 0) === 0;
}

/**
 * Refuses an upsert / update batch in which two rows share a key (NULL keys never match, so rows with a
 * NULL key part are never duplicates): which row would win is undefined, so nothing is applied.
 */
async function refuseDuplicateKeys(
  connection: DuckDBConnection,
  source: string,
  key: string[],
): Promise<void> {
  const columns = key.map(quoteIdentifier).join(', ');
  const duplicates = await connection.runAndReadAll(
    `SELECT ${columns} FROM ${source} WHERE ${key.map((column) => `${quoteIdentifier(column)} IS NOT NULL`).join(' AND ')} GROUP BY ${columns} HAVING count(*) > 1 LIMIT 1`,
  );
  if (duplicates.currentRowCount > 0) {
    throw badRequest(
      `Duplicate key in batch: key (${key.join(', ')}) = (${duplicates.getRows()[0]!.map(String).join(', ')}) appears more than once; de-duplicate the batch first.`,
    );
  }
}

function keyCondition(key: string[], left: string, right: string): string {
  return key
    .map((column) => `${left}.${quoteIdentifier(column)} = ${right}.${quoteIdentifier(column)}`)
    .join(' AND ');
}

/**
 * Applies one load in one transaction: replace, append, or upsert / update / delete by key, with the
 * load-mode semantics shared with the merge planner (docs/hotdata-local.md, "Load modes"): NULL keys
 * never match, a key twice in an upsert / update batch is a 400 and nothing is applied, update and
 * delete never create a table. Returns the service's load response.
 */
export async function applyLoad(
  store: Store,
  target: LoadTarget,
  request: LoadRequest,
  options: { workspaceId: string; legacyDeclaredTables: boolean; keyLoadModes?: boolean },
): Promise<LoadResponse> {
  if (options.keyLoadModes === false && KEYED_LOAD_MODES.has(request.mode)) {
    throw badRequest(
      `Unknown mode '${request.mode}': this server loads with mode 'replace' or 'append' only.`,
    );
  }
  const schema = normalizeIdentifier(target.schema, 'schema');
  const table = normalizeIdentifier(target.table, 'table');
  const resolved = { ...target, schema, table };
  const record = store.findTable(target.database.id, schema, table);
  if (record?.tombstoned) throw notFound(`Table '${schema}.${table}' was deleted.`);
  if (options.legacyDeclaredTables) {
    if (!store.hasSchema(target.database.id, schema)) throw badRequest(`Schema '${schema}' is not declared`);
    if (!record?.declaredAtCreation) {
      throw badRequest(
        `Table '${schema}.${table}' is not declared in database '${target.database.id}'; declare it when creating the database.`,
      );
    }
  }
  const key = request.key ?? record?.key ?? undefined;
  if (KEYED_LOAD_MODES.has(request.mode) && (!key || key.length === 0)) {
    throw badRequest(
      `Mode '${request.mode}' needs key columns, but table '${schema}.${table}' has no declared key: pass key in the request or declare the table with a key.`,
    );
  }

  const source = await resolveSource(store, resolved, request, options.workspaceId);
  let success = false;
  const connection = await store.connect();
  try {
    let incoming: Column[];
    try {
      incoming = await describe(connection, `SELECT * FROM ${source.relation}`);
    } catch (error) {
      throw badRequest(`The load data could not be read: ${(error as Error).message.split('\n')[0]}`);
    }
    if (key) {
      const names = new Set(incoming.map((column) => column.name.toLowerCase()));
      const missing = key.filter((column) => !names.has(column.toLowerCase()));
      if (missing.length > 0)
        throw badRequest(`Key column(s) ${missing.join(', ')} are missing from the load data.`);
    }
    if (key && (request.mode === 'upsert' || request.mode === 'update')) {
      await refuseDuplicateKeys(connection, source.relation, key);
    }
    await store.ensureSchema(target.database.id, schema);
    const qualified = qualifiedTable(target.database.id, schema, table);
    const exists = await tableExists(connection, resolved);

    await connection.run('BEGIN TRANSACTION');
    try {
      if (
        request.mode === 'replace' ||
        (!exists && (request.mode === 'append' || request.mode === 'upsert'))
      ) {
        await connection.run(`CREATE OR REPLACE TABLE ${qualified} AS SELECT * FROM ${source.relation}`);
      } else if (exists) {
        const existing = await describe(connection, qualified);
        if (request.mode !== 'delete')
          await evolveColumns(connection, qualified, existing, incoming, source.relation);
        const sourceAlias = `${source.relation} AS s`;
        if (request.mode === 'append') {
          await connection.run(`INSERT INTO ${qualified} BY NAME SELECT * FROM ${source.relation}`);
        } else if (request.mode === 'delete') {
          await connection.run(
            `DELETE FROM ${qualified} AS t WHERE EXISTS (SELECT 1 FROM ${sourceAlias} WHERE ${keyCondition(key!, 't', 's')})`,
          );
        } else {
          const keySet = new Set(key!.map((column) => column.toLowerCase()));
          const assignments = incoming
            .filter((column) => !keySet.has(column.name.toLowerCase()))
            .map((column) => `${quoteIdentifier(column.name)} = s.${quoteIdentifier(column.name)}`);
          if (assignments.length > 0) {
            await connection.run(
              `UPDATE ${qualified} AS t SET ${assignments.join(', ')} FROM ${sourceAlias} WHERE ${keyCondition(key!, 't', 's')}`,
            );
          }
          if (request.mode === 'upsert') {
            await connection.run(
              `INSERT INTO ${qualified} BY NAME SELECT * FROM ${sourceAlias} WHERE NOT EXISTS (SELECT 1 FROM ${qualified} AS t WHERE ${keyCondition(key!, 't', 's')})`,
            );
          }
        }
      }
      await connection.run('COMMIT');
    } catch (error) {
      await connection.run('ROLLBACK').catch(() => {});
      if (error instanceof ApiError) throw error;
      const message = (error as Error).message.split('\n')[0] ?? String(error);
      if (/Conversion Error|Could not convert|Type mismatch|Binder Error/i.test(message)) {
        throw conflict(`The load does not fit table '${schema}.${table}': ${message}`);
      }
      throw error;
    }

    const afterExists = exists || (await tableExists(connection, resolved));
    let rowCount = 0;
    let arrowSchema: Array<{ name: string; data_type: string; nullable: boolean }> = [];
    if (afterExists) {
      const count = await connection.runAndReadAll(`SELECT count(*) FROM ${qualified}`);
      rowCount = Number(count.getRows()[0]?.[0] ?? 0);
      const shape = await connection.runAndReadAll(`SELECT * FROM ${qualified} LIMIT 0`);
      arrowSchema = shape.columnNames().map((name, index) => ({
        name,
        data_type: arrowTypeString(shape.columnType(index)),
        nullable: true,
      }));
      await store.touchTable(target.database.id, schema, table);
    }
    success = true;
    return {
      connection_id: target.database.defaultConnectionId,
      schema_name: schema,
      table_name: table,
      row_count: rowCount,
      arrow_schema_json: JSON.stringify({ fields: arrowSchema }),
    };
  } finally {
    connection.closeSync();
    await source.release(success);
  }
}

/** Key of an inline-data idempotency record, and the hash of its payload. */
export function idempotencyOf(
  target: LoadTarget,
  request: LoadRequest,
): { key: string; hash: string } | undefined {
  if (request.idempotency_key === undefined) return undefined;
  return {
    key: `${target.database.id}/${target.schema}/${target.table}/${request.idempotency_key}`,
    hash: createHash('sha256')
      .update(JSON.stringify([request.mode, request.data, request.columns, request.key]))
      .digest('hex'),
  };
}
