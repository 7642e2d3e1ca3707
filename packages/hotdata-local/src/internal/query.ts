import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type DuckDBConnection, StatementType } from '@duckdb/node-api';
import { tableToIPC } from 'apache-arrow';
import { badRequest } from './api-error.ts';
import { arrowTypeString, readerToJsonRows, resultToArrow } from './arrow.ts';
import { newId } from './ids.ts';
import {
  catalogOf,
  type DatabaseRecord,
  quoteIdentifier,
  quoteLiteral,
  type ResultRecord,
  type Store,
} from './store.ts';

/**
 * Rewrites references to the database's catalog (`"default".schema.table`, `default.schema.table`, or
 * the create-time `default_catalog`) to the DuckDB catalog holding it. String literals, quoted names
 * other than the catalog and comments are left alone.
 */
export function rewriteCatalog(sql: string, database: DatabaseRecord): string {
  const catalogs = new Set(['default', database.defaultCatalog.toLowerCase()]);
  const replacement = quoteIdentifier(catalogOf(database.id));
  let result = '';
  let index = 0;
  const followedByDot = (position: number) => /^\s*\./.test(sql.slice(position));
  while (index < sql.length) {
    const char = sql[index]!;
    if (char === "'") {
      const end = sql.indexOf("'", index + 1);
      const stop = end < 0 ? sql.length : end + 1;
      result += sql.slice(index, stop);
      index = stop;
      continue;
    }
    if (char === '-' && sql[index + 1] === '-') {
      const end = sql.indexOf('\n', index);
      const stop = end < 0 ? sql.length : end;
      result += sql.slice(index, stop);
      index = stop;
      continue;
    }
    if (char === '/' && sql[index + 1] === '*') {
      const end = sql.indexOf('*/', index + 2);
      const stop = end < 0 ? sql.length : end + 2;
      result += sql.slice(index, stop);
      index = stop;
      continue;
    }
    if (char === '"') {
      const end = sql.indexOf('"', index + 1);
      const stop = end < 0 ? sql.length : end + 1;
      const name = sql.slice(index + 1, stop - 1);
      const previous = result.trimEnd().at(-1);
      result +=
        catalogs.has(name.toLowerCase()) && previous !== '.' && followedByDot(stop)
          ? replacement
          : sql.slice(index, stop);
      index = stop;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(index));
    if (word) {
      const previous = result.trimEnd().at(-1);
      const stop = index + word[0].length;
      result +=
        catalogs.has(word[0].toLowerCase()) && previous !== '.' && followedByDot(stop)
          ? replacement
          : word[0];
      index = stop;
      continue;
    }
    result += char;
    index++;
  }
  return result;
}

const READ_ONLY_MESSAGE =
  'Managed tables are read-only in SQL: only SELECT queries are allowed (no CREATE, INSERT, UPDATE, DELETE, DROP, COPY). Use the loads endpoint to change data.';

/** Table functions a query may call: generators only, never file readers or `query()`. */
const ALLOWED_TABLE_FUNCTIONS = new Set(['range', 'generate_series', 'unnest']);
const SYSTEM_SCHEMAS = new Set(['information_schema', 'pg_catalog']);

interface ScopeProblem {
  message: string;
}

/**
 * Walks DuckDB's own parse tree (`json_serialize_sql`) of a SELECT and returns why it reaches outside
 * its database, if it does: another catalog, a schema the database lacks (DuckDB would resolve it as a
 * catalog), the system catalogs, a file (`FROM 'x.csv'`, `read_parquet(...)`) or `query(...)`.
 */
function scopeProblem(
  tree: unknown,
  catalog: string,
  schemas: ReadonlySet<string>,
): ScopeProblem | undefined {
  const stack: unknown[] = [tree];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      stack.push(...node);
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    const record = node as Record<string, unknown>;
    if (record.type === 'BASE_TABLE') {
      const catalogName = String(record.catalog_name ?? '').toLowerCase();
      const schemaName = String(record.schema_name ?? '').toLowerCase();
      const tableName = String(record.table_name ?? '');
      if (catalogName && catalogName !== catalog) {
        return { message: `Catalog '${catalogName}' is not this database: query only its tables.` };
      }
      if (schemaName && SYSTEM_SCHEMAS.has(schemaName)) {
        return {
          message: `'${schemaName}' is not available in SQL: use GET /v1/information_schema to list tables and columns.`,
        };
      }
      if (schemaName && !schemas.has(schemaName)) {
        return { message: `Schema '${schemaName}' does not exist in this database.` };
      }
      if (!schemaName && /[./\\:*?]/.test(tableName)) {
        return { message: `'${tableName}' is not a table: queries cannot read files.` };
      }
    } else if (record.type === 'TABLE_FUNCTION') {
      const fn = record.function as Record<string, unknown> | undefined;
      const name = String(fn?.function_name ?? '').toLowerCase();
      if (!ALLOWED_TABLE_FUNCTIONS.has(name)) {
        return {
          message: `Table function '${name}' is not available: queries read this database's tables only.`,
        };
      }
    } else if (record.type === 'SHOW_REF' && record.query === null) {
      return { message: 'SHOW is not available in SQL: use GET /v1/information_schema to list tables.' };
    }
    for (const value of Object.values(record))
      if (value !== null && typeof value === 'object') stack.push(value);
  }
  return undefined;
}

/** Opens a connection scoped to the database (default schema on the search path). */
async function scopedConnection(store: Store, database: DatabaseRecord): Promise<DuckDBConnection> {
  const connection = await store.connect();
  await connection.run(
    `USE ${quoteIdentifier(catalogOf(database.id))}.${quoteIdentifier(database.defaultSchema)}`,
  );
  return connection;
}

/** Checks that `sql` is exactly one read-only statement that binds; returns the rewritten SQL. */
export async function prepareReadOnly(store: Store, database: DatabaseRecord, sql: string): Promise<string> {
  const rewritten = rewriteCatalog(sql, database);
  const connection = await scopedConnection(store, database);
  try {
    let statements: Awaited<ReturnType<DuckDBConnection['extractStatements']>>;
    try {
      statements = await connection.extractStatements(rewritten);
    } catch (error) {
      throw badRequest(`SQL error: ${cleanMessage(error)}`);
    }
    if (statements.count !== 1)
      throw badRequest(`Send exactly one SQL statement per query (got ${statements.count}).`);
    // Scope first, from the parse tree alone: binding could already touch a file or another catalog.
    const serialized = await connection.runAndReadAll(
      `SELECT json_serialize_sql(${quoteLiteral(rewritten)})`,
    );
    const tree = JSON.parse(String(serialized.getRows()[0]?.[0] ?? '{}')) as {
      error?: boolean;
      error_message?: string;
      statements?: unknown[];
    };
    if (tree.error) {
      throw badRequest(
        /only select/i.test(tree.error_message ?? '')
          ? READ_ONLY_MESSAGE
          : `This query cannot be checked: ${tree.error_message ?? 'unknown error'}`,
      );
    }
    const problem = scopeProblem(
      tree.statements,
      catalogOf(database.id).toLowerCase(),
      new Set(store.schemasOf(database.id)),
    );
    if (problem) throw badRequest(problem.message);
    let prepared: Awaited<ReturnType<typeof statements.prepare>>;
    try {
      prepared = await statements.prepare(0);
    } catch (error) {
      throw badRequest(cleanMessage(error));
    }
    const statementType = prepared.statementType;
    prepared.destroySync();
    if (statementType !== StatementType.SELECT) throw badRequest(READ_ONLY_MESSAGE);
    return rewritten;
  } finally {
    connection.closeSync();
  }
}

function cleanMessage(error: unknown): string {
  const text = (error as Error).message ?? String(error);
  return text.split('\n')[0]!.replace(/db_dbid[a-z0-9]+\./g, 'default.');
}

export interface ExecutedQuery {
  result: ResultRecord;
  columns: string[];
  rows: unknown[][];
  totalRows: number;
  truncated: boolean;
  executionTimeMs: number;
}

/** Runs a checked query, persists its full result under a new result id and returns the preview. */
export async function executeQuery(
  store: Store,
  database: DatabaseRecord,
  sql: string,
  previewRowLimit: number,
  resultId: string = newId('rslt'),
): Promise<ExecutedQuery> {
  const started = performance.now();
  const connection = await scopedConnection(store, database);
  try {
    try {
      await connection.run(`CREATE TABLE results.main.${quoteIdentifier(resultId)} AS ${sql}`);
    } catch (error) {
      throw badRequest(cleanMessage(error));
    }
    const result: ResultRecord = {
      id: resultId,
      databaseId: database.id,
      status: 'ready',
      rowCount: 0,
      columns: [],
      errorMessage: null,
      createdAt: new Date().toISOString(),
    };
    const count = await connection.runAndReadAll(
      `SELECT count(*) FROM results.main.${quoteIdentifier(resultId)}`,
    );
    result.rowCount = Number(count.getRows()[0]?.[0] ?? 0);
    const preview = await connection.runAndReadAll(
      `SELECT * FROM results.main.${quoteIdentifier(resultId)} LIMIT ${previewRowLimit}`,
    );
    result.columns = preview.columnNames();
    await store.putResult(result);
    return {
      result,
      columns: result.columns,
      rows: readerToJsonRows(preview),
      totalRows: result.rowCount,
      truncated: result.rowCount > previewRowLimit,
      executionTimeMs: performance.now() - started,
    };
  } finally {
    connection.closeSync();
  }
}

function slice(offset: number | undefined, limit: number | undefined): string {
  return `${limit !== undefined ? ` LIMIT ${limit}` : ''}${offset ? ` OFFSET ${offset}` : ''}`;
}

/** Reads a ready result in one of the service's formats. */
export async function readResult(
  store: Store,
  result: ResultRecord,
  format: 'json' | 'arrow' | 'parquet' | 'csv' | 'md',
  offset: number | undefined,
  limit: number | undefined,
): Promise<{ contentType: string; body: Buffer | string; rowCount: number }> {
  const table = `results.main.${quoteIdentifier(result.id)}`;
  const connection = await store.connect();
  try {
    if (format === 'parquet' || format === 'csv') {
      const path = join(store.uploadsDir, `${newId('tmpr')}.${format}`);
      const options = format === 'parquet' ? '(FORMAT parquet)' : '(FORMAT csv, HEADER)';
      const query =
        format === 'parquet' ? `SELECT * FROM ${table}` : `SELECT * FROM ${table}${slice(offset, limit)}`;
      await connection.run(`COPY (${query}) TO ${quoteLiteral(path)} ${options}`);
      try {
        const body = await readFile(path);
        return {
          contentType: format === 'parquet' ? 'application/vnd.apache.parquet' : 'text/csv; charset=utf-8',
          body,
          rowCount: result.rowCount,
        };
      } finally {
        await rm(path, { force: true });
      }
    }
    if (format === 'arrow') {
      const start = Math.min(offset ?? 0, result.rowCount);
      const rows = Math.min(result.rowCount - start, limit ?? Number.POSITIVE_INFINITY);
      const streamed = await connection.run(`SELECT * FROM ${table}${slice(offset, limit)}`);
      const arrow = await resultToArrow(streamed, rows);
      return {
        contentType: 'application/vnd.apache.arrow.stream',
        body: Buffer.from(tableToIPC(arrow, 'stream')),
        rowCount: arrow.numRows,
      };
    }
    const reader = await connection.runAndReadAll(`SELECT * FROM ${table}${slice(offset, limit)}`);
    const rows = readerToJsonRows(reader);
    if (format === 'md') {
      const columns = reader.columnNames();
      const lines = [
        `| ${columns.join(' | ')} |`,
        `| ${columns.map(() => '---').join(' | ')} |`,
        ...rows.map((row) => `| ${row.map((value) => (value === null ? '' : String(value))).join(' | ')} |`),
      ];
      return {
        contentType: 'text/markdown; charset=utf-8',
        body: `${lines.join('\n')}\n`,
        rowCount: rows.length,
      };
    }
    return {
      contentType: 'application/json',
      body: JSON.stringify({
        result_id: result.id,
        status: 'ready',
        columns: reader.columnNames(),
        nullable: reader.columnNames().map(() => true),
        rows,
        row_count: rows.length,
      }),
      rowCount: rows.length,
    };
  } finally {
    connection.closeSync();
  }
}

/** information_schema rows of a database: every loaded table with its Arrow column types. */
export async function describeTables(
  store: Store,
  database: DatabaseRecord,
): Promise<
  Array<{
    schema: string;
    table: string;
    columns: Array<{ name: string; dataType: string; nullable: boolean }>;
  }>
> {
  const connection = await store.connect();
  try {
    const tables = await connection.runAndReadAll(
      `SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ${quoteLiteral(catalogOf(database.id))} ORDER BY schema_name, table_name`,
    );
    const described = [];
    for (const [schema, table] of tables.getRows()) {
      const shape = await connection.runAndReadAll(
        `SELECT * FROM ${quoteIdentifier(catalogOf(database.id))}.${quoteIdentifier(String(schema))}.${quoteIdentifier(String(table))} LIMIT 0`,
      );
      described.push({
        schema: String(schema),
        table: String(table),
        columns: shape.columnNames().map((name, index) => ({
          name,
          dataType: arrowTypeString(shape.columnType(index)),
          nullable: true,
        })),
      });
    }
    return described;
  } finally {
    connection.closeSync();
  }
}
