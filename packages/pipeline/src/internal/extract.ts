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
  type ResourceBatch,
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

/** A resource of the extract graph; `children` are the transformers it feeds. */
interface ResourceNode {
  readonly resource: AnyResource;
  /** Whether its rows are written: false for a parent that runs only to feed its transformers. */
  selected: boolean;
  readonly children: ResourceNode[];
}

/**
 * The selected resources of a source as trees, one per resource that is not a transformer; each
 * transformer hangs under its parent, so a parent runs once however many transformers it feeds (dlt's
 * pipe fork). A parent is looked up by name in the source first (a copy made by `withResources` or
 * `applyHints` is the one that runs; state is kept by name, too), otherwise the transformer's own parent
 * runs, unselected.
 */
function resourceTrees(source: DltSource): ResourceNode[] {
  const inSource = new Map(source.resources.map((item) => [item.name, item]));
  const nodes = new Map<string, ResourceNode>();
  const roots: ResourceNode[] = [];
  const nodeOf = (wanted: AnyResource, below: readonly string[]): ResourceNode => {
    const resource = inSource.get(wanted.name) ?? wanted;
    const existing = nodes.get(resource.name);
    if (existing) return existing;
    if (below.includes(resource.name)) {
      throw new ConfigurationError(
        `Source '${source.name}': resource '${resource.name}' feeds itself through transformers ${[...below, resource.name].join(' -> ')}; give the resources distinct names.`,
      );
    }
    const parent = resource.parent ? nodeOf(resource.parent, [...below, resource.name]) : undefined;
    const node: ResourceNode = { resource, selected: false, children: [] };
    nodes.set(resource.name, node);
    (parent?.children ?? roots).push(node);
    return node;
  };
  for (const resource of source.selectedResources) nodeOf(resource, []).selected = true;
  return roots;
}

function preOrder(node: ResourceNode): ResourceNode[] {
  return [node, ...node.children.flatMap(preOrder)];
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

  const extracted = new Map<string, number>();
  /** Writes the batches of one selected resource to its table(s) and reports its progress. */
  const openSink = (resource: AnyResource) => {
    const disposition = writeDispositionOf(hintsOf(resource, context));
    if (disposition === 'replace') delete resourceStates[resource.name];
    const staticName =
      typeof resource.hints.tableName === 'function'
        ? undefined
        : (resource.hints.tableName ?? resource.name);
    const dynamic = typeof resource.hints.tableName === 'function';
    if (!dynamic) applyTemplate(resource, staticName);
    let items = 0;
    const write = async (batch: ResourceBatch) => {
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
    };
    const end = () => {
      if (items === 0 && disposition === 'replace' && !dynamic) {
        const table = naming.normalizeTablesPath(staticName!);
        if (schema.hasSeenData(table)) emptyTables.push(table);
      }
      extracted.set(resource.name, items);
      context.emit({
        type: 'resource-extract-end',
        loadId: context.loadId,
        resource: resource.name,
        items,
        pipelineName: context.pipelineName,
        timestamp: Date.now(),
      });
    };
    return { write, end };
  };

  for (const root of resourceTrees(source)) {
    const nodes = preOrder(root);
    const sinks = new Map(
      nodes.filter((node) => node.selected).map((node) => [node, openSink(node.resource)]),
    );
    const runs = new Map(
      nodes.filter((node) => node !== root).map((node) => [node, node.resource.openTransformer(runContext)]),
    );
    // A resource is finished when nothing more would come of its pages: its own limit or incremental end
    // was reached, or it is not selected and every transformer below it is finished.
    const finished = (node: ResourceNode): boolean =>
      (runs.get(node)?.done ?? false) || (!node.selected && node.children.every(finished));
    // Depth first: each batch reaches the resource's table and every transformer below it before the
    // parent is asked for its next batch, so at most one batch per level is in flight and writes never
    // overlap.
    const deliver = async (node: ResourceNode, batch: ResourceBatch): Promise<void> => {
      await sinks.get(node)?.write(batch);
      for (const child of node.children) {
        if (finished(child)) continue;
        for await (const produced of runs.get(child)!.push(batch)) {
          await deliver(child, produced);
          if (finished(child)) break;
        }
      }
    };
    if (!finished(root)) {
      for await (const batch of root.resource.iterate(runContext)) {
        context.signal.throwIfAborted();
        await deliver(root, batch);
        if (finished(root)) break;
      }
    }
    for (const sink of sinks.values()) sink.end();
  }
  for (const resource of source.selectedResources) {
    resources.push({ name: resource.name, items: extracted.get(resource.name) ?? 0 });
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
