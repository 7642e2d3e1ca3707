import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type AnyResource,
  type ArrowTableLike,
  ConfigurationError,
  createIncrementalHandle,
  type DltSource,
  encodeTypedJson,
  type Logger,
  type NamingConvention,
  type PipelineEvent,
  type ResourceRunContext,
  resolveTableName,
  type Schema,
  type SourceStateDocument,
  type TableHints,
  tableTemplateFromHints,
  type WriteDisposition,
} from '@hotdata-dlt/core';
import { writeParquet } from '@hotdata-dlt/parquet';
import type { Table } from 'apache-arrow';

const MAX_ITEM_FILE_BYTES = 64 * 1024 * 1024;

/** Appends typed-jsonl lines (one JSON array of items per line) to rotating files per table. */
class ItemWriter {
  readonly #dir: string;
  readonly #table: string;
  #stream: WriteStream | undefined;
  #bytes = 0;
  readonly files: string[] = [];
  items = 0;

  constructor(dir: string, table: string) {
    this.#dir = dir;
    this.#table = table;
  }

  async write(items: readonly unknown[]): Promise<void> {
    if (!this.#stream || this.#bytes > MAX_ITEM_FILE_BYTES) {
      await this.close();
      const path = join(this.#dir, `${this.#table}.${randomBytes(5).toString('hex')}.typed-jsonl`);
      this.files.push(path);
      this.#stream = createWriteStream(path);
      this.#bytes = 0;
    }
    let line: string;
    try {
      line = `${encodeTypedJson(items)}\n`;
    } catch (error) {
      throw new ConfigurationError(
        `Table '${this.#table}': an item cannot be stored (${(error as Error).message}). Yield plain objects without cycles.`,
        { cause: error },
      );
    }
    this.#bytes += line.length;
    this.items += items.length;
    if (!this.#stream.write(line)) await new Promise<void>((resolve) => this.#stream!.once('drain', resolve));
  }

  async close(): Promise<void> {
    const stream = this.#stream;
    if (!stream) return;
    this.#stream = undefined;
    await new Promise<void>((resolve, reject) =>
      stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
  }
}

export interface ExtractedPackage {
  loadId: string;
  dir: string;
  /** Item files per (normalized) root table: typed-jsonl or parquet. */
  files: Record<string, string[]>;
  /** Replace tables that must be emptied because their resource yielded nothing. */
  emptyTables: string[];
  items: number;
  resources: Array<{ name: string; items: number }>;
  /** The pipeline state document carried by this package (set when the state changed). */
  pipelineState?: unknown;
}

export interface ExtractContext {
  schema: Schema;
  naming: NamingConvention;
  loadId: string;
  dir: string;
  sourceState: SourceStateDocument;
  logger: Logger;
  signal: AbortSignal;
  emit(event: PipelineEvent): void;
  pipelineName: string;
  /** Write disposition of resources that set none (the destination's `defaultWriteDisposition`). */
  defaultWriteDisposition?: WriteDisposition | undefined;
}

/** A resource's hints, with the destination's default write disposition when it sets none. */
function hintsOf(resource: AnyResource, context: ExtractContext): TableHints<unknown> {
  if (resource.hints.writeDisposition !== undefined || !context.defaultWriteDisposition)
    return resource.hints;
  return { ...resource.hints, writeDisposition: context.defaultWriteDisposition };
}

function writeDispositionOf(hints: TableHints<unknown>): string | undefined {
  const hint = hints.writeDisposition;
  return typeof hint === 'string' ? hint : hint?.disposition;
}

/** Runs the selected resources of a source and writes their items into a package folder. */
export async function extractSource(source: DltSource, context: ExtractContext): Promise<ExtractedPackage> {
  const jobsDir = join(context.dir, 'new_jobs');
  await mkdir(jobsDir, { recursive: true });
  const writers = new Map<string, ItemWriter>();
  const arrowFiles = new Map<string, string[]>();
  const resources: Array<{ name: string; items: number }> = [];
  const emptyTables: string[] = [];
  const { schema, naming } = context;
  const applied = new Set<string>();

  const applyTemplate = (resource: AnyResource, rawTableName: string | undefined) => {
    const key = `${resource.name}\u0000${rawTableName ?? ''}`;
    if (applied.has(key)) return;
    applied.add(key);
    const template = tableTemplateFromHints(resource.name, hintsOf(resource, context), {
      naming,
      ...(rawTableName !== undefined ? { tableName: rawTableName } : {}),
      ...(resource.incremental ? { incremental: resource.incremental } : {}),
    });
    schema.updateTable(template.table, { replaceCompoundKeys: true });
    for (const nested of template.nestedTables) schema.updateTable(nested, { replaceCompoundKeys: true });
  };

  context.sourceState.resources ??= {};
  const resourceStates = context.sourceState.resources;
  const runContext: ResourceRunContext = {
    resourceState(name) {
      resourceStates[name] ??= {};
      return resourceStates[name]!;
    },
    sourceState: context.sourceState,
    signal: context.signal,
    logger: context.logger,
    bindIncremental(resource) {
      if (!resource.incremental) return undefined;
      return createIncrementalHandle(resource.incremental, this.resourceState(resource.name), {
        resourceName: resource.name,
        naming,
        logger: context.logger,
        ...(resource.hints.primaryKey !== undefined ? { resourcePrimaryKey: resource.hints.primaryKey } : {}),
      });
    },
  };

  for (const resource of source.selectedResources) {
    const disposition = writeDispositionOf(hintsOf(resource, context));
    if (disposition === 'replace') delete resourceStates[resource.name];
    const staticName =
      typeof resource.hints.tableName === 'function'
        ? undefined
        : (resource.hints.tableName ?? resource.name);
    const dynamic = typeof resource.hints.tableName === 'function';
    if (!dynamic) applyTemplate(resource, staticName);
    let items = 0;
    for await (const batch of resource.iterate(runContext)) {
      context.signal.throwIfAborted();
      if (batch.kind === 'arrow') {
        const table = dynamic
          ? resolveTableName(
              resource.name,
              resource.hints,
              (batch.table as unknown as Table).get(0)?.toJSON(),
              naming,
            )
          : naming.normalizeTablesPath(staticName!);
        if (dynamic) applyTemplate(resource, table);
        const path = join(jobsDir, `${table}.${randomBytes(5).toString('hex')}.parquet`);
        await writeParquet(batch.table as unknown as Table, path);
        const list = arrowFiles.get(table) ?? [];
        list.push(path);
        arrowFiles.set(table, list);
        items += (batch.table as ArrowTableLike).numRows;
      } else {
        const byTable = new Map<string, unknown[]>();
        for (const item of batch.rows) {
          let table: string;
          if (dynamic) {
            const raw = (resource.hints.tableName as (row: unknown) => string)(item);
            table = resolveTableName(resource.name, { tableName: raw }, item, naming);
            applyTemplate(resource, raw);
          } else {
            table = naming.normalizeTablesPath(staticName!);
          }
          const group = byTable.get(table) ?? [];
          group.push(item);
          byTable.set(table, group);
        }
        for (const [table, group] of byTable) {
          let writer = writers.get(table);
          if (!writer) {
            writer = new ItemWriter(jobsDir, table);
            writers.set(table, writer);
          }
          await writer.write(group);
        }
        items += batch.rows.length;
      }
      context.emit({
        type: 'resource-extract-progress',
        loadId: context.loadId,
        resource: resource.name,
        items,
        pipelineName: context.pipelineName,
        timestamp: Date.now(),
      });
    }
    if (items === 0 && disposition === 'replace' && !dynamic) {
      const table = naming.normalizeTablesPath(staticName!);
      if (schema.hasSeenData(table)) emptyTables.push(table);
    }
    resources.push({ name: resource.name, items });
    context.emit({
      type: 'resource-extract-end',
      loadId: context.loadId,
      resource: resource.name,
      items,
      pipelineName: context.pipelineName,
      timestamp: Date.now(),
    });
  }
  for (const writer of writers.values()) await writer.close();
  const files: Record<string, string[]> = {};
  for (const [table, writer] of writers) files[table] = [...writer.files];
  for (const [table, paths] of arrowFiles) files[table] = [...(files[table] ?? []), ...paths];
  return {
    loadId: context.loadId,
    dir: context.dir,
    files,
    emptyTables,
    items: resources.reduce((t, r) => t + r.items, 0),
    resources,
  };
}

/** Writes the `_dlt_pipeline_state` row into a package as an item file. */
export async function writeStateItem(dir: string, row: Record<string, unknown>): Promise<string> {
  const writer = new ItemWriter(join(dir, 'new_jobs'), '_dlt_pipeline_state');
  await writer.write([row]);
  await writer.close();
  return writer.files[0]!;
}
