import { ConfigurationError, Schema } from '@hotdata-dlt/core';
import { hotdata } from '@hotdata-dlt/destination-hotdata';
import { arrowToRows } from '@hotdata-dlt/pipeline';
import { DataType, DateUnit, type Table } from 'apache-arrow';
import { EXIT_CODES, UsageError } from '../errors.ts';
import { QUERY_FORMATS, type QueryFormat } from '../internal/constants.ts';
import type { CliContext } from '../internal/context.ts';
import { formatCsv, formatTable, jsonValue } from '../internal/format.ts';
import { createPipeline } from '../internal/pipelines.ts';

export interface QueryOptions {
  pipeline?: string;
  database?: string;
  schema?: string;
  format?: string;
}

async function queryDatabase(context: CliContext, sql: string, options: QueryOptions): Promise<Table> {
  await context.backend();
  const defaults = context.configPath() ? ((await context.config()).config.destination ?? {}) : {};
  const destination = hotdata({
    ...defaults,
    databaseName: options.database!,
    ...(options.schema ? { schema: options.schema } : {}),
    createDatabaseIfMissing: false,
  });
  const client = await destination.client({
    schema: Schema.create('query'),
    datasetName: 'query',
    logger: context.logger,
    signal: context.interrupts.signal,
  });
  try {
    if (!client.query) throw new ConfigurationError('This destination cannot run SQL.');
    return (await client.query(sql)) as unknown as Table;
  } finally {
    await client.close();
  }
}

async function queryPipeline(context: CliContext, sql: string, options: QueryOptions): Promise<Table> {
  const resolved = await context.config();
  let name = options.pipeline;
  if (name === undefined) {
    if (resolved.pipelines.length !== 1) {
      throw new UsageError(
        resolved.pipelines.length === 0
          ? `${resolved.path} defines no pipelines: name a database with --database <name>.`
          : `Name the pipeline whose dataset to query with --pipeline (${resolved.pipelines.map((item) => item.name).join(', ')}), or a database with --database.`,
      );
    }
    name = resolved.pipelines[0]!.name;
  }
  const [item] = context.select(resolved, [name]);
  const p = await createPipeline(resolved, item!, {
    logger: context.logger,
    signal: context.interrupts.signal,
  });
  return p.dataset().sql(sql).toArrow();
}

/**
 * `hotdata-dlt query "<sql>"`: runs read-only SQL on a pipeline's dataset (`--pipeline`, or the only
 * pipeline) or on a database by name (`--database`, no config needed) and prints a table, JSON or CSV.
 */
export async function queryCommand(context: CliContext, sql: string, options: QueryOptions): Promise<number> {
  const format = (options.format ?? (context.options.json ? 'json' : 'table')) as QueryFormat;
  if (!QUERY_FORMATS.includes(format)) {
    throw new UsageError(`--format must be one of ${QUERY_FORMATS.join(', ')}; got '${options.format}'.`);
  }
  if (options.database && options.pipeline) {
    throw new UsageError('Give either --pipeline or --database, not both.');
  }
  if (!sql.trim()) throw new UsageError('The query is empty: hotdata-dlt query "select ...".');
  const table =
    options.database !== undefined
      ? await queryDatabase(context, sql, options)
      : await queryPipeline(context, sql, options);
  const columns = table.schema.fields.map((field) => field.name);
  const rows = withCalendarDates(table, arrowToRows(table));
  if (format === 'json') {
    context.out(`${JSON.stringify(rows.map((row) => jsonValue(row)))}\n`);
  } else if (format === 'csv') {
    context.out(formatCsv(columns, rows));
  } else {
    context.out(
      formatTable(
        columns.map((column) => ({ key: column, header: column })),
        rows,
        { header: (line) => context.reporter.colors.bold(line) },
      ),
    );
    context.out(context.reporter.colors.dim(`(${rows.length} row${rows.length === 1 ? '' : 's'})\n`));
  }
  return EXIT_CODES.ok;
}

/** `date` columns as `YYYY-MM-DD` (Arrow hands them over as midnight-UTC `Date`s, printed as timestamps). */
function withCalendarDates(table: Table, rows: Record<string, unknown>[]): Record<string, unknown>[] {
  const dates = table.schema.fields
    .filter((field) => DataType.isDate(field.type) && field.type.unit === DateUnit.DAY)
    .map((field) => field.name);
  if (dates.length === 0) return rows;
  for (const row of rows) {
    for (const name of dates) {
      const value = row[name];
      if (value instanceof Date && !Number.isNaN(value.getTime()))
        row[name] = value.toISOString().slice(0, 10);
    }
  }
  return rows;
}
