import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type AnyResource,
  bumpStateVersion,
  ConfigurationError,
  createSnakeCase,
  type Destination,
  type DestinationCapabilities,
  type DltSource,
  decodeStoredState,
  decodeTypedJson,
  encodeStoredState,
  encodeTypedJson,
  HotdataDltError,
  isResource,
  isSource,
  type Logger,
  type NamingConvention,
  type PipelineEvent,
  type PipelineStateDocument,
  PipelineStepError,
  pipelineStateTable,
  type ResourceData,
  resource,
  Schema,
  type SchemaContract,
  type SourceStateDocument,
  STATE_ENGINE_VERSION,
  snakeCase,
  source,
  type TableHints,
} from '@hotdata-dlt/core';
import { Dataset } from './dataset.ts';
import { type ExtractedPackage, extractSource, writeStateItem } from './internal/extract.ts';
import { loadPackage, type PackageLoadInfo } from './internal/load.ts';
import { PackageNormalizer } from './internal/normalize.ts';
import { exists, loadIdTime, move, newLoadId, readJson, WorkingDir, writeJson } from './internal/storage.ts';
import { type PipelineOptions, type ResolvedPipelineOptions, resolvePipelineOptions } from './options.ts';

/** Hints for `run` / `extract` of plain data (rows, iterables, generator functions, Arrow tables). */
export interface RunOptions extends TableHints<unknown> {
  /** Overrides the schema contract of every source and resource of this run. */
  schemaContract?: SchemaContract;
}

/** What `run` / `load` did. */
export interface LoadInfo {
  pipelineName: string;
  datasetName: string;
  destinationName: string | undefined;
  /** Load ids of the packages loaded, oldest first. */
  loadIds: string[];
  packages: PackageLoadInfo[];
  /** True when the run only finished packages left by an earlier run. */
  finishedPendingPackages: boolean;
  seconds: number;
}

/** What `extract` did. */
export interface ExtractInfo {
  loadIds: string[];
  resources: Array<{ name: string; items: number }>;
}

/** What `normalize` did. */
export interface NormalizeInfo {
  loadIds: string[];
  tables: Array<{ table: string; rows: number; files: number }>;
}

type RunData = DltSource | AnyResource | readonly AnyResource[] | ResourceData<unknown>;

/** A pipeline event as the engine builds it; the pipeline adds its name and the time. */
type PipelineEventInput = PipelineEvent extends infer Event
  ? Event extends PipelineEvent
    ? Omit<Event, 'pipelineName' | 'timestamp'>
    : never
  : never;

function emptyState(pipelineName: string, datasetName: string): PipelineStateDocument {
  return {
    _state_version: 0,
    _state_engine_version: STATE_ENGINE_VERSION,
    pipeline_name: pipelineName,
    dataset_name: datasetName,
    default_schema_name: null,
    schema_names: [],
    destination_type: null,
    destination_name: null,
    staging_type: null,
    staging_name: null,
    sources: {},
    _local: { first_run: true },
  };
}

/**
 * A pipeline: moves data from sources to a destination in three steps — extract (run resources, write
 * raw items to a load package on disk), normalize (flatten, type and evolve into Parquet files per table)
 * and load (apply write dispositions at the destination). Packages survive crashes and are finished on
 * the next run; state (incremental cursors, resource state) is kept locally and at the destination.
 *
 * @example
 * ```ts
 * const p = pipeline({ pipelineName: 'shop', destination: hotdata(), datasetName: 'sales' });
 * const info = await p.run(shop());
 * const rows = await p.dataset().sql('select count(*) as n from orders').toRows();
 * ```
 */
export class Pipeline {
  readonly pipelineName: string;
  readonly datasetName: string;
  readonly destination: Destination | undefined;
  readonly workingDir: string;
  readonly #options: ResolvedPipelineOptions;
  readonly #dir: WorkingDir;
  readonly #logger: Logger;
  readonly #schemas = new Map<string, Schema>();
  #state: PipelineStateDocument;
  #opened: Promise<void> | undefined;
  #synced = false;

  constructor(options: PipelineOptions) {
    const resolved = resolvePipelineOptions(options);
    this.pipelineName = resolved.pipelineName;
    this.datasetName = resolved.datasetName;
    this.destination = resolved.destination;
    this.workingDir = resolved.workingDir;
    this.#options = resolved;
    this.#dir = new WorkingDir(this.workingDir);
    this.#logger = resolved.logger;
    this.#state = emptyState(this.pipelineName, this.datasetName);
  }

  /** A deep copy of the pipeline state (dlt's state document). */
  get state(): PipelineStateDocument {
    return structuredClone(this.#state);
  }

  /** The default schema (of the first source extracted), if any. */
  get defaultSchema(): Schema | undefined {
    const name = this.#state.default_schema_name;
    return name ? this.#schemas.get(name) : undefined;
  }

  /** Every schema of the pipeline by name. */
  get schemas(): ReadonlyMap<string, Schema> {
    return this.#schemas;
  }

  /** True when extracted or normalized packages wait to be loaded. */
  get hasPendingPackages(): boolean {
    for (const area of [this.#dir.extractedDir, this.#dir.normalizedDir]) {
      if (existsSync(area) && readdirSync(area).length > 0) return true;
    }
    return false;
  }

  /** Opens the working dir: reads state and schemas, removes leftovers of interrupted steps. */
  async open(): Promise<void> {
    this.#opened ??= (async () => {
      await this.#dir.ensure();
      await this.#dir.cleanTemporaryAreas();
      if (await exists(this.#dir.statePath)) {
        this.#state = decodeTypedJson<PipelineStateDocument>(await readFile(this.#dir.statePath, 'utf8'));
      }
      for (const file of await readdir(this.#dir.schemasDir)) {
        if (!file.endsWith('.schema.json')) continue;
        const schema = Schema.fromStored(await readJson(join(this.#dir.schemasDir, file)));
        this.#schemas.set(schema.name, schema);
      }
    })();
    return this.#opened;
  }

  #emit(event: PipelineEventInput | PipelineEvent): void {
    try {
      this.#options.onEvent?.({
        ...event,
        pipelineName: this.pipelineName,
        timestamp: Date.now(),
      } as PipelineEvent);
    } catch {
      // A listener must not break the pipeline.
    }
  }

  get #signal(): AbortSignal {
    return this.#options.signal ?? new AbortController().signal;
  }

  get #capabilities(): DestinationCapabilities | undefined {
    return this.destination?.capabilities;
  }

  #naming(): NamingConvention {
    const caps = this.#capabilities;
    if (!caps) return snakeCase;
    return createSnakeCase({ maxLength: Math.min(caps.maxIdentifierLength, caps.maxColumnIdentifierLength) });
  }

  #requireDestination(step: string): Destination {
    if (!this.destination) {
      throw new ConfigurationError(
        `Pipeline '${this.pipelineName}' has no destination; pass one to pipeline({ destination }) to ${step}.`,
      );
    }
    return this.destination;
  }

  async #saveState(): Promise<void> {
    await writeJson(this.#dir.statePath, JSON.parse(encodeTypedJson(this.#state)) as unknown, true);
  }

  async #saveSchema(schema: Schema): Promise<void> {
    schema.bumpVersion();
    await writeJson(join(this.#dir.schemasDir, `${schema.name}.schema.json`), schema.toStored(), true);
  }

  /** The schema name used for resources and plain data run without a source. */
  #defaultSchemaName(): string {
    return (
      this.#state.default_schema_name ??
      snakeCase.normalizeIdentifier(this.pipelineName.replace(/_pipeline$/, ''))
    );
  }

  #toSources(data: RunData, options: RunOptions): DltSource[] {
    const contract = options.schemaContract;
    const withContract = (item: AnyResource) =>
      contract ? item.applyHints({ schemaContract: contract }) : item;
    if (isSource(data)) {
      if (!contract) return [data];
      return [
        source(data.name, () => data.resources.map(withContract), {
          ...data.options,
          schemaContract: contract,
        })(),
      ];
    }
    const name = this.#defaultSchemaName();
    if (isResource(data)) {
      const hinted = Object.keys(options).length > 0 ? data.applyHints(options) : data;
      return [source(name, () => [withContract(hinted)])()];
    }
    if (Array.isArray(data) && data.length > 0 && data.every((item) => isResource(item))) {
      return [source(name, () => (data as AnyResource[]).map(withContract))()];
    }
    const tableName = options.tableName;
    if (typeof tableName !== 'string' && typeof tableName !== 'function') {
      throw new ConfigurationError(
        'Plain data needs a table name: pass { tableName: "..." } to run() or extract(), or wrap it in resource().',
      );
    }
    const resourceName = typeof tableName === 'string' ? tableName : 'data';
    return [
      source(name, () => [resource(data as ResourceData<unknown>, { ...options, name: resourceName })])(),
    ];
  }

  /**
   * Runs sources or data through extract → normalize → load. If packages of an earlier run are pending,
   * they are finished first and `data` is not extracted (as in dlt): run again to extract it.
   */
  async run(data?: RunData, options: RunOptions = {}): Promise<LoadInfo> {
    await this.open();
    const started = performance.now();
    const destination = this.#requireDestination('run');
    this.#emit({
      type: 'run-start',
      datasetName: this.datasetName,
      destinationName: destination.destinationName,
    });
    if (this.#options.restoreFromDestination && !this.#synced) await this.syncDestination();
    let finishedPendingPackages = false;
    if (this.hasPendingPackages) {
      const pending = [
        ...(await this.#dir.packages(this.#dir.extractedDir)),
        ...(await this.#dir.packages(this.#dir.normalizedDir)),
      ];
      this.#emit({ type: 'pending-packages-found', loadIds: pending });
      if (data !== undefined) {
        this.#logger.warn(
          'pending packages were found: they are loaded first and the data passed to run() is not extracted',
          {
            loadIds: pending,
          },
        );
      }
      finishedPendingPackages = true;
    } else if (data !== undefined) {
      await this.extract(data, options);
    }
    await this.normalize();
    const info = await this.load();
    const result = { ...info, finishedPendingPackages, seconds: (performance.now() - started) / 1000 };
    this.#emit({ type: 'run-end', loadIds: result.loadIds, seconds: result.seconds });
    return result;
  }

  /** Extracts sources or data into new load packages (one per schema). */
  async extract(data: RunData, options: RunOptions = {}): Promise<ExtractInfo> {
    await this.open();
    const sources = this.#toSources(data, options);
    const naming = this.#naming();
    const state = structuredClone(this.#state);
    const info: ExtractInfo = { loadIds: [], resources: [] };
    const area = await this.#dir.newExtractArea();
    const committed: Array<{ loadId: string; schema: Schema }> = [];
    try {
      const started = performance.now();
      let lastPackage: { dir: string; schema: Schema; extracted: ExtractedPackage } | undefined;
      const packages: ExtractedPackage[] = [];
      for (const dltSource of sources) {
        const loadId = newLoadId();
        const dir = join(area, loadId);
        await mkdir(dir, { recursive: true });
        const schema =
          this.#schemas.get(dltSource.name)?.clone() ??
          (dltSource.options.schema
            ? Schema.fromStored(dltSource.options.schema)
            : Schema.create(dltSource.name, {
                ...(dltSource.options.maxTableNesting !== undefined
                  ? { maxNesting: dltSource.options.maxTableNesting }
                  : {}),
                ...(dltSource.options.rootKey !== undefined
                  ? { rootKeyPropagation: dltSource.options.rootKey }
                  : {}),
                ...(dltSource.options.schemaContract !== undefined
                  ? { schemaContract: dltSource.options.schemaContract }
                  : {}),
              }));
        if (dltSource.options.schemaContract !== undefined)
          schema.settings.schema_contract = dltSource.options.schemaContract;
        state.sources ??= {};
        state.sources[dltSource.name] ??= {};
        const sourceState = state.sources[dltSource.name] as SourceStateDocument;
        this.#emit({
          type: 'extract-start',
          loadId,
          resources: dltSource.selectedResources.map((item) => item.name),
        });
        const extracted = await extractSource(dltSource, {
          schema,
          naming,
          loadId,
          dir,
          sourceState,
          logger: this.#logger,
          signal: this.#signal,
          emit: (event) => this.#emit(event),
          pipelineName: this.pipelineName,
          defaultWriteDisposition: this.destination?.defaultWriteDisposition,
        });
        info.resources.push(...extracted.resources);
        lastPackage = { dir, schema, extracted };
        committed.push({ loadId, schema });
        packages.push(extracted);
        state.schema_names = [...new Set([...(state.schema_names ?? []), schema.name])].sort();
        state.default_schema_name ??= schema.name;
        this.#emit({
          type: 'extract-end',
          loadId,
          items: extracted.items,
          seconds: (performance.now() - started) / 1000,
        });
      }
      state.dataset_name = this.datasetName;
      state.destination_type = this.destination?.destinationType ?? null;
      state.destination_name = this.destination?.destinationName ?? null;
      bumpStateVersion(state);
      state._local ??= {};
      const localPart = state._local;
      if (lastPackage && state._version_hash !== localPart._last_extracted_hash) {
        lastPackage.schema.updateTable(pipelineStateTable());
        const now = new Date();
        const stateFile = await writeStateItem(lastPackage.dir, {
          version: state._state_version,
          engine_version: state._state_engine_version,
          pipeline_name: this.pipelineName,
          state: encodeStoredState(state),
          created_at: now,
          version_hash: state._version_hash,
        });
        lastPackage.extracted.pipelineState = JSON.parse(encodeTypedJson({ ...state, _local: undefined }));
        lastPackage.extracted.files._dlt_pipeline_state = [stateFile];
        localPart._last_extracted_hash = state._version_hash;
        localPart._last_extracted_at = now;
      }
      for (const extracted of packages) {
        await writeJson(join(extracted.dir, 'load_package_state.json'), {
          _state_engine_version: 1,
          created_at: loadIdTime(extracted.loadId).toISOString(),
          ...(extracted.pipelineState ? { pipeline_state: extracted.pipelineState } : {}),
        });
        await writeJson(join(extracted.dir, 'extract.json'), {
          files: extracted.files,
          emptyTables: extracted.emptyTables,
        });
      }
      for (const { loadId, schema } of committed) {
        const dir = join(area, loadId);
        const emptyTables = packages.find((item) => item.loadId === loadId)?.emptyTables ?? [];
        const hasItems = (await readdir(join(dir, 'new_jobs'))).length > 0 || emptyTables.length > 0;
        if (!hasItems) {
          await rm(dir, { recursive: true, force: true });
          this.#schemas.set(schema.name, schema);
          await this.#saveSchema(schema);
          continue;
        }
        await writeJson(join(dir, 'schema.json'), schema.toStored());
        await move(dir, join(this.#dir.extractedDir, loadId));
        info.loadIds.push(loadId);
        this.#schemas.set(schema.name, schema);
        await this.#saveSchema(schema);
      }
      this.#state = state;
      await this.#saveState();
      return info;
    } catch (error) {
      this.#emit({ type: 'step-failed', step: 'extract', error: (error as Error).message });
      if (HotdataDltError.isInstance(error) && error instanceof PipelineStepError) throw error;
      throw new PipelineStepError(
        `Extract of pipeline '${this.pipelineName}' failed: ${(error as Error).message}`,
        {
          step: 'extract',
          pipelineName: this.pipelineName,
          cause: error,
          isRetryable: HotdataDltError.isInstance(error) ? error.isRetryable : false,
        },
      );
    } finally {
      await rm(area, { recursive: true, force: true });
    }
  }

  /** Normalizes every extracted package into Parquet job files, oldest first. */
  async normalize(): Promise<NormalizeInfo> {
    await this.open();
    const info: NormalizeInfo = { loadIds: [], tables: [] };
    const capabilities = this.#capabilities ?? DEFAULT_CAPABILITIES;
    const naming = this.#naming();
    for (const loadId of await this.#dir.packages(this.#dir.extractedDir)) {
      const source = join(this.#dir.extractedDir, loadId);
      if (await exists(join(this.#dir.normalizedDir, loadId))) {
        await rm(source, { recursive: true, force: true });
        continue;
      }
      const started = performance.now();
      this.#emit({ type: 'normalize-start', loadId });
      const packageSchema = Schema.fromStored(await readJson(join(source, 'schema.json')));
      const schema = this.#schemas.get(packageSchema.name) ?? packageSchema;
      const target = join(this.#dir.normalizingDir, loadId);
      await rm(target, { recursive: true, force: true });
      await mkdir(join(target, 'new_jobs'), { recursive: true });
      try {
        const extracted = await readJson<{ files: Record<string, string[]>; emptyTables: string[] }>(
          join(source, 'extract.json'),
        );
        const normalizer = new PackageNormalizer({
          schema,
          naming,
          loadId,
          capabilities,
          jobsDir: join(target, 'new_jobs'),
          bufferRows: this.#options.bufferRows,
          maxFileSize: this.#options.maxFileSize,
          logger: this.#logger,
          onFile: (table, file, rows) =>
            this.#emit({ type: 'normalize-file-end', loadId, table, file, rows }),
        });
        for (const [table, files] of Object.entries(extracted.files)) {
          for (const file of files) {
            const path = join(source, 'new_jobs', file.split('/').at(-1)!);
            if (path.endsWith('.parquet')) await normalizer.addArrowFile(table, path);
            else await normalizer.addItemFile(table, path);
          }
        }
        const tables = await normalizer.finish(extracted.emptyTables);
        schema.bumpVersion();
        await writeJson(join(target, 'schema.json'), schema.toStored());
        if (await exists(join(source, 'load_package_state.json'))) {
          await writeJson(
            join(target, 'load_package_state.json'),
            await readJson(join(source, 'load_package_state.json')),
          );
        }
        this.#schemas.set(schema.name, schema);
        await this.#saveSchema(schema);
        if (tables.size === 0) {
          await rm(target, { recursive: true, force: true });
        } else {
          await move(target, join(this.#dir.normalizedDir, loadId));
          info.loadIds.push(loadId);
        }
        await rm(source, { recursive: true, force: true });
        const metrics = [...tables].map(([table, result]) => ({
          table,
          rows: result.rows,
          files: result.files.length,
        }));
        info.tables.push(...metrics);
        this.#emit({
          type: 'normalize-end',
          loadId,
          tables: metrics.map(({ table, rows }) => ({ table, rows })),
          seconds: (performance.now() - started) / 1000,
        });
      } catch (error) {
        await rm(target, { recursive: true, force: true });
        this.#schemas.delete(schema.name);
        await this.#reloadSchema(schema.name);
        this.#emit({
          type: 'step-failed',
          step: 'normalize',
          loadId,
          error: (error as Error).message,
        });
        throw new PipelineStepError(`Normalize of load ${loadId} failed: ${(error as Error).message}`, {
          step: 'normalize',
          pipelineName: this.pipelineName,
          loadId,
          cause: error,
        });
      }
    }
    return info;
  }

  async #reloadSchema(name: string): Promise<void> {
    const path = join(this.#dir.schemasDir, `${name}.schema.json`);
    if (await exists(path)) this.#schemas.set(name, Schema.fromStored(await readJson(path)));
  }

  /** Loads every normalized package, oldest first. */
  async load(): Promise<LoadInfo> {
    await this.open();
    const started = performance.now();
    const destination = this.#requireDestination('load');
    const packages: PackageLoadInfo[] = [];
    for (const loadId of await this.#dir.packages(this.#dir.normalizedDir)) {
      const dir = join(this.#dir.normalizedDir, loadId);
      const schema = Schema.fromStored(await readJson(join(dir, 'schema.json')));
      const result = await loadPackage({
        dir,
        loadId,
        schema,
        destination,
        datasetName: this.datasetName,
        loadedDir: this.#dir.loadedDir,
        pipelineName: this.pipelineName,
        logger: this.#logger,
        signal: this.#signal,
        emit: (event) => this.#emit(event),
        maxRetries: this.#options.maxRetries,
        retryBackoffMs: this.#options.retryBackoffMs,
        workers: this.#options.workers,
      }).catch((error: unknown) => {
        this.#emit({ type: 'step-failed', step: 'load', loadId, error: (error as Error).message });
        throw error;
      });
      packages.push(result);
      await this.#adoptPackageState(join(this.#dir.loadedDir, loadId));
    }
    return {
      pipelineName: this.pipelineName,
      datasetName: this.datasetName,
      destinationName: destination.destinationName,
      loadIds: packages.map((item) => item.loadId),
      packages,
      finishedPendingPackages: false,
      seconds: (performance.now() - started) / 1000,
    };
  }

  /** After a load, a package's state newer than the local one (an extract whose state save was lost) wins. */
  async #adoptPackageState(dir: string): Promise<void> {
    this.#state._local ??= {};
    const local = this.#state._local;
    local.first_run = false;
    const path = join(dir, 'load_package_state.json');
    if (await exists(path)) {
      const packaged = decodeTypedJson<{ pipeline_state?: PipelineStateDocument }>(
        JSON.stringify(await readJson(path)),
      ).pipeline_state;
      if (packaged && packaged._state_version > this.#state._state_version) {
        this.#state = { ...packaged, _local: { ...local, _last_extracted_hash: packaged._version_hash } };
      }
    }
    await this.#saveState();
  }

  /**
   * Restores state and schemas from the destination (SEMANTICS §6.7): the newest state of a completed
   * load wins when it is at least as new as the local one. Runs once per instance at the start of `run`.
   */
  async syncDestination(): Promise<{ restoredState: boolean; restoredSchemas: string[] }> {
    await this.open();
    const destination = this.#requireDestination('sync the destination');
    this.#synced = true;
    const schema = this.defaultSchema ?? Schema.create(this.#defaultSchemaName());
    const client = await destination.client({
      schema,
      datasetName: this.datasetName,
      logger: this.#logger,
      signal: this.#signal,
    });
    const restoredSchemas: string[] = [];
    let restoredState = false;
    try {
      let stored: Awaited<ReturnType<typeof client.getStoredState>>;
      try {
        stored = await client.getStoredState(this.pipelineName);
      } catch (error) {
        if (!(HotdataDltError.isInstance(error) && error.code === 'DESTINATION_UNDEFINED_ENTITY'))
          throw error;
        stored = undefined;
        // The dataset is gone (dropped, or another destination): local state would skip data that is no
        // longer there, so start fresh as dlt does (§6.7 step 4) — unless packages still wait to load.
        if (!this.hasPendingPackages && this.#hasLocalData() && !(await client.isStorageInitialized())) {
          await this.#wipeLocalState();
        }
      }
      const local = this.#state;
      if (stored) {
        const remote = decodeStoredState(stored.state);
        if (remote.pipeline_name !== this.pipelineName) {
          throw new ConfigurationError(
            `The destination holds state of pipeline '${remote.pipeline_name}', not '${this.pipelineName}'; use another dataset.`,
          );
        }
        if (remote._state_version >= local._state_version && remote._version_hash !== local._version_hash) {
          for (const name of remote.schema_names ?? []) {
            const info = await client.getStoredSchema(name);
            if (!info) continue;
            const restored = Schema.fromStored(info.schema);
            this.#schemas.set(name, restored);
            await this.#saveSchema(restored);
            restoredSchemas.push(name);
          }
          this.#state = {
            ...remote,
            dataset_name: this.datasetName,
            _local: { ...local._local, first_run: false, _last_extracted_hash: remote._version_hash },
          };
          restoredState = true;
        } else {
          this.#state._local = { ...local._local, first_run: false };
        }
        await this.#saveState();
      }
      for (const name of this.#state.schema_names ?? []) {
        if (this.#schemas.has(name)) continue;
        const info = await client.getStoredSchema(name);
        if (!info) continue;
        const restored = Schema.fromStored(info.schema);
        this.#schemas.set(name, restored);
        await this.#saveSchema(restored);
        restoredSchemas.push(name);
      }
    } finally {
      await client.close();
    }
    this.#emit({ type: 'sync-end', restoredState, restoredSchemas });
    return { restoredState, restoredSchemas };
  }

  #hasLocalData(): boolean {
    return this.#state._state_version > 0 || this.#schemas.size > 0;
  }

  async #wipeLocalState(): Promise<void> {
    this.#logger.warn('the destination dataset does not exist: local state and schemas are reset', {
      datasetName: this.datasetName,
    });
    for (const name of this.#schemas.keys()) {
      await rm(join(this.#dir.schemasDir, `${name}.schema.json`), { force: true });
    }
    this.#schemas.clear();
    this.#state = emptyState(this.pipelineName, this.datasetName);
    await this.#saveState();
  }

  /** Deletes every pending (extracted or normalized) package. Local state and schemas stay as they are. */
  async dropPendingPackages(): Promise<string[]> {
    await this.open();
    const dropped: string[] = [];
    for (const area of [this.#dir.extractedDir, this.#dir.normalizedDir]) {
      for (const loadId of await this.#dir.packages(area)) {
        await rm(join(area, loadId), { recursive: true, force: true });
        dropped.push(loadId);
      }
    }
    await this.#dir.cleanTemporaryAreas();
    return dropped;
  }

  /** Load ids of pending packages: extracted (not normalized yet) and normalized (not loaded yet). */
  async pendingPackages(): Promise<{ extracted: string[]; normalized: string[] }> {
    await this.open();
    return {
      extracted: await this.#dir.packages(this.#dir.extractedDir),
      normalized: await this.#dir.packages(this.#dir.normalizedDir),
    };
  }

  /** Read access to the loaded tables through the destination. */
  dataset(): Dataset {
    const destination = this.#requireDestination('read the dataset');
    return new Dataset(async () => {
      await this.open();
      const schema = this.defaultSchema ?? Schema.create(this.#defaultSchemaName());
      return destination.client({
        schema,
        datasetName: this.datasetName,
        logger: this.#logger,
        signal: this.#signal,
      });
    });
  }
}

/** Capabilities used to normalize without a destination (extract and normalize only). */
const DEFAULT_CAPABILITIES: DestinationCapabilities = {
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

/**
 * Creates a pipeline (dlt's `dlt.pipeline`).
 *
 * @example
 * ```ts
 * const p = pipeline({ pipelineName: 'shop', destination, workingDir: '.pipelines' });
 * await p.run(resource([{ id: 1 }], { name: 'items' }));
 * ```
 */
export function pipeline(options: PipelineOptions): Pipeline {
  return new Pipeline(options);
}
