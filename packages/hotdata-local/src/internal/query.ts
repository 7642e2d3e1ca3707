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

const READ_ONLY_TYPES = new Set<StatementType>([StatementType.SELECT, StatementType.EXPLAIN]);

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
    let prepared: Awaited<ReturnType<typeof statements.prepare>>;
    try {
      prepared = await statements.prepare(0);
    } catch (error) {
      throw badRequest(cleanMessage(error));
    }
    if (!READ_ONLY_TYPES.has(prepared.statementType)) {
      throw badRequest(
        'Managed tables are read-only in SQL: only SELECT queries are allowed (no CREATE, INSERT, UPDATE, DELETE, DROP). Use the loads endpoint to change data.',
      );
    }
    prepared.destroySync();
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
