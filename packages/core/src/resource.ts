import { type ArrowTableLike, isArrowTable } from './arrow-like.ts';
import { runInResourceScope } from './context.ts';
import { ConfigurationError } from './errors.ts';
import type { TableHints } from './hints.ts';
import { type Incremental, type IncrementalBinding, isIncremental } from './incremental.ts';
import type { Logger } from './logger.ts';

/**
 * Any resource, whatever its row type. Resources are invariant in their row type (hints such as
 * `tableName` take a row), so collections of resources use this type.
 */
// biome-ignore lint/suspicious/noExplicitAny: the row type of a heterogeneous resource list is unknowable.
export type AnyResource = Resource<any>;

/** What a resource yields: a row, a page (array) of rows, or an Arrow table / record batch. */
export type ResourceYield<T> = T | readonly T[] | ArrowTableLike;

/** What a resource function receives. */
export interface ResourceContext<TCursor = unknown> {
  /** The resource's incremental, bound to the stored state; placeholders when it has none. */
  readonly incremental: IncrementalBinding<TCursor>;
  /** This resource's state (`sources.<source>.resources.<name>` in pipeline state). Mutable. */
  readonly state: Record<string, unknown>;
  /** The source's state. */
  readonly sourceState: Record<string, unknown>;
  /** Aborted when the run is cancelled: pass it to your HTTP client. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

type MaybePromise<T> = T | Promise<T>;
type ResourceIterable<T> = Iterable<ResourceYield<T>> | AsyncIterable<ResourceYield<T>>;

/** A function producing a resource's items: a (async) generator function, or one returning rows. */
export type ResourceFunction<T> = (
  context: ResourceContext,
) => MaybePromise<ResourceIterable<T> | readonly T[] | ArrowTableLike | undefined>;

/** Everything `resource()` accepts as data. */
export type ResourceData<T> = ResourceIterable<T> | readonly T[] | ArrowTableLike | ResourceFunction<T>;

/** Options of {@link resource}: the table hints plus the resource's own settings. */
export interface ResourceOptions<T = unknown> extends TableHints<T> {
  /** Resource name: the default table name and the key of its state. Default: the function's name. */
  name?: string;
  /** An incremental cursor; see {@link incremental}. */
  incremental?: Incremental;
  /** Whether a source extracts this resource. Default `true`. */
  selected?: boolean;
}

/** A batch of items travelling from a resource to the engine. */
export type ResourceBatch = { kind: 'rows'; rows: unknown[] } | { kind: 'arrow'; table: ArrowTableLike };

/** What the engine binds for a resource with an incremental (see the pipeline package). */
export interface IncrementalHandle {
  readonly binding: IncrementalBinding;
  /** Filters one batch; `stop` asks the engine to close the resource (row order reached the bound). */
  filter(batch: ResourceBatch): MaybePromise<{ batch: ResourceBatch | undefined; stop: boolean }>;
}

/** Engine SPI: one run of a transformer, fed its parent's batches; see {@link Resource.openTransformer}. */
export interface TransformerRun {
  /** True once the transformer takes no more pages: its `addLimit` or its incremental's end was reached. */
  readonly done: boolean;
  /**
   * Runs the transformer over one batch of its parent (already filtered by the parent's incremental and
   * steps) and yields the transformer's batches, with its own incremental filter, maps, filters and
   * limit applied. Consume each before pushing the next batch.
   */
  push(parentBatch: ResourceBatch): AsyncGenerator<ResourceBatch>;
}

/** Engine SPI: what the engine passes to {@link Resource.iterate}. */
export interface ResourceRunContext {
  /** The state object of the named resource (created empty when missing). */
  resourceState(resourceName: string): Record<string, unknown>;
  readonly sourceState: Record<string, unknown>;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** Binds a resource's incremental to state; `undefined` when the resource has none. */
  bindIncremental(resource: AnyResource): IncrementalHandle | undefined;
}

type Step =
  | { kind: 'map'; fn: (item: unknown) => unknown }
  | { kind: 'filter'; fn: (item: unknown) => MaybePromise<boolean> }
  | { kind: 'limit'; maxItems: number };

type TransformFunction<TIn, TOut> = (
  page: TIn[],
  context: ResourceContext,
) => MaybePromise<ResourceIterable<TOut> | readonly TOut[] | ArrowTableLike | undefined>;

interface ResourceDefinition<T> {
  name: string;
  hints: TableHints<T>;
  incremental: Incremental | undefined;
  selected: boolean;
  data: ResourceData<T> | undefined;
  parent: AnyResource | undefined;
  transform: TransformFunction<unknown, T> | undefined;
  steps: readonly Step[];
}

const unboundIncremental: IncrementalBinding = Object.freeze({
  cursorPath: '',
  initialValue: undefined,
  startValue: undefined,
  lastValue: undefined,
  endValue: undefined,
});

/**
 * A named stream of rows with table hints (dlt's `DltResource`). Resources are immutable: `applyHints`,
 * `addMap`, `addFilter` and `addLimit` return new resources.
 */
export class Resource<T = Record<string, unknown>> {
  readonly kind = 'resource' as const;
  // biome-ignore lint/suspicious/noExplicitAny: the row type is a phantom of the public API; see AnyResource.
  readonly #definition: ResourceDefinition<any>;

  /** @internal Use {@link resource} or {@link transformer}. */
  constructor(definition: ResourceDefinition<T>) {
    this.#definition = definition;
  }

  get name(): string {
    return this.#definition.name;
  }

  /** The table hints (without `name`, `incremental`, `selected`). */
  get hints(): Readonly<TableHints<T>> {
    return this.#definition.hints;
  }

  get incremental(): Incremental | undefined {
    return this.#definition.incremental;
  }

  get selected(): boolean {
    return this.#definition.selected;
  }

  /** The resource feeding this transformer, if it is one. */
  get parent(): AnyResource | undefined {
    return this.#definition.parent;
  }

  get isTransformer(): boolean {
    return this.#definition.parent !== undefined;
  }

  /** A copy with hints merged over the current ones (`columns` merged per column). */
  applyHints(options: Partial<ResourceOptions<T>>): Resource<T> {
    const { name, incremental: nextIncremental, selected, ...hints } = options;
    if (nextIncremental !== undefined && !isIncremental(nextIncremental)) {
      throw new ConfigurationError(`Resource '${this.name}': incremental must come from incremental(...).`);
    }
    const columns =
      hints.columns === undefined
        ? this.#definition.hints.columns
        : { ...this.#definition.hints.columns, ...hints.columns };
    return new Resource<T>({
      ...this.#definition,
      name: name ?? this.#definition.name,
      incremental: nextIncremental ?? this.#definition.incremental,
      selected: selected ?? this.#definition.selected,
      hints: { ...this.#definition.hints, ...hints, ...(columns === undefined ? {} : { columns }) },
    });
  }

  /** A copy whose rows pass through `fn` (after the incremental filter). */
  addMap<U>(fn: (item: T) => U): Resource<U> {
    return this.#withStep({ kind: 'map', fn: fn as (item: unknown) => unknown }) as unknown as Resource<U>;
  }

  /** A copy keeping only rows for which `fn` returns true. */
  addFilter(fn: (item: T) => MaybePromise<boolean>): Resource<T> {
    return this.#withStep({ kind: 'filter', fn: fn as (item: unknown) => MaybePromise<boolean> });
  }

  /** A copy that stops after `maxItems` yields of the underlying data (pages count as one yield). */
  addLimit(maxItems: number): Resource<T> {
    if (!Number.isInteger(maxItems) || maxItems < 0) {
      throw new ConfigurationError(`Resource '${this.name}': addLimit(maxItems) needs an integer >= 0.`);
    }
    return this.#withStep({ kind: 'limit', maxItems });
  }

  /**
   * Engine SPI: runs the resource and yields its batches with the incremental filter, maps, filters and
   * limits applied. User code runs inside the resource scope, so `resourceState()` works there.
   *
   * A transformer iterated this way runs its parent itself. An engine running several resources of one
   * source feeds transformers from one run of their parent instead: see {@link openTransformer}.
   */
  async *iterate(run: ResourceRunContext): AsyncGenerator<ResourceBatch> {
    const { parent } = this.#definition;
    if (parent) {
      const opened = this.openTransformer(run);
      if (opened.done) return;
      for await (const parentBatch of parent.iterate(run)) {
        yield* opened.push(parentBatch);
        if (opened.done) break;
      }
      return;
    }
    const started = this.#start(run);
    yield* started.process(this.#rawBatches(started.context, started.inScope));
  }

  /**
   * Engine SPI: starts one run of this transformer without running its parent; the engine pushes the
   * parent's batches in, one at a time. This is how one run of a parent feeds its own table and every
   * transformer below it (dlt's pipe fork). Binds the transformer's incremental now.
   *
   * @example
   * ```ts
   * const opened = reviews.openTransformer(run);
   * for await (const page of books.iterate(run)) {
   *   for await (const batch of opened.push(page)) write('reviews', batch);
   *   if (opened.done) break;
   * }
   * ```
   */
  openTransformer(run: ResourceRunContext): TransformerRun {
    const { transform } = this.#definition;
    if (!transform) {
      throw new ConfigurationError(`Resource '${this.name}' is not a transformer: use iterate() to run it.`);
    }
    const started = this.#start(run);
    const name = this.name;
    return {
      get done() {
        return started.done;
      },
      async *push(parentBatch) {
        if (started.done) return;
        const page = parentBatch.kind === 'rows' ? parentBatch.rows : arrowRows(parentBatch.table);
        const produced = await started.inScope(() => transform(page, started.context));
        yield* started.process(toBatches(produced, name));
      },
    };
  }

  /** Binds the incremental and the state of one run; `process` applies the run's filter and steps. */
  #start(run: ResourceRunContext) {
    const limit = this.#definition.steps.find((step) => step.kind === 'limit');
    const handle = run.bindIncremental(this);
    const scopeState = {
      resourceName: this.name,
      resourceState: run.resourceState(this.name),
      sourceState: run.sourceState,
    };
    const context: ResourceContext = {
      incremental: handle?.binding ?? unboundIncremental,
      state: scopeState.resourceState,
      sourceState: run.sourceState,
      signal: run.signal,
      logger: run.logger,
    };
    const inScope = <R>(fn: () => R): R => runInResourceScope(scopeState, fn);
    // Counted across every call of `process`, so a transformer's limit spans all of its parent's pages.
    let yields = 0;
    let stopped = false;
    const isDone = () => stopped || (limit !== undefined && yields >= limit.maxItems);
    const applySteps = (batch: ResourceBatch) => this.#applySteps(batch, inScope);
    async function* process(raw: AsyncGenerator<ResourceBatch>): AsyncGenerator<ResourceBatch> {
      try {
        while (!isDone()) {
          run.signal.throwIfAborted();
          const next = await inScope(() => raw.next());
          if (next.done) break;
          yields += 1;
          let batch: ResourceBatch | undefined = next.value;
          let stop = false;
          if (handle) {
            const filtered = await inScope(() => handle.filter(next.value));
            batch = filtered.batch;
            stop = filtered.stop;
          }
          if (batch) batch = await applySteps(batch);
          if (batch && !isEmptyBatch(batch)) yield batch;
          if (stop) stopped = true;
        }
      } finally {
        await inScope(() => raw.return(undefined));
      }
    }
    return {
      context,
      inScope,
      process,
      get done() {
        return isDone();
      },
    };
  }

  async *#rawBatches(
    context: ResourceContext,
    inScope: <R>(fn: () => R) => R,
  ): AsyncGenerator<ResourceBatch> {
    const { data } = this.#definition;
    const produced =
      typeof data === 'function' ? await inScope(() => (data as ResourceFunction<T>)(context)) : data;
    yield* toBatches(produced, this.name);
  }

  async #applySteps(
    batch: ResourceBatch,
    inScope: <R>(fn: () => R) => R,
  ): Promise<ResourceBatch | undefined> {
    const steps = this.#definition.steps.filter((step) => step.kind !== 'limit');
    if (steps.length === 0) return batch;
    if (batch.kind === 'arrow') {
      throw new ConfigurationError(
        `Resource '${this.name}' yields Arrow tables: addMap/addFilter work on rows only. Transform the table before yielding it.`,
      );
    }
    let rows = batch.rows;
    for (const step of steps) {
      if (step.kind === 'map') rows = await Promise.all(rows.map((row) => inScope(() => step.fn(row))));
      else if (step.kind === 'filter') {
        const keep = await Promise.all(rows.map((row) => inScope(() => step.fn(row))));
        rows = rows.filter((_, index) => keep[index]);
      }
    }
    return { kind: 'rows', rows };
  }

  #withStep(step: Step): Resource<T> {
    return new Resource<T>({ ...this.#definition, steps: [...this.#definition.steps, step] });
  }
}

function isEmptyBatch(batch: ResourceBatch): boolean {
  return batch.kind === 'rows' ? batch.rows.length === 0 : false;
}

function arrowRows(table: ArrowTableLike): unknown[] {
  const withRows = table as ArrowTableLike & { toArray?: () => Array<{ toJSON?: () => unknown }> };
  return (withRows.toArray?.() ?? []).map((row) => (typeof row?.toJSON === 'function' ? row.toJSON() : row));
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.iterator in value;
}

function itemToBatch(item: unknown): ResourceBatch | undefined {
  if (item === undefined) return undefined;
  if (isArrowTable(item)) return { kind: 'arrow', table: item };
  if (Array.isArray(item)) return { kind: 'rows', rows: item };
  return { kind: 'rows', rows: [item] };
}

async function* toBatches(produced: unknown, resourceName: string): AsyncGenerator<ResourceBatch> {
  if (produced === undefined || produced === null) return;
  if (isArrowTable(produced)) {
    yield { kind: 'arrow', table: produced };
    return;
  }
  if (Array.isArray(produced)) {
    if (produced.length > 0) yield { kind: 'rows', rows: produced };
    return;
  }
  if (typeof produced === 'string') {
    throw new ConfigurationError(
      `Resource '${resourceName}' produced a string; yield rows (objects), arrays of rows or Arrow tables.`,
    );
  }
  if (isAsyncIterable(produced)) {
    for await (const item of produced) {
      const batch = itemToBatch(item);
      if (batch) yield batch;
    }
    return;
  }
  if (isIterable(produced)) {
    for (const item of produced) {
      const batch = itemToBatch(item);
      if (batch) yield batch;
    }
    return;
  }
  // A single row returned by a function.
  const batch = itemToBatch(produced);
  if (batch) yield batch;
}

function validateName(name: string | undefined, what: string): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new ConfigurationError(
      `${what} needs a name: pass { name: '...' } in the options (or use a named function).`,
    );
  }
  return name;
}

function splitOptions<T>(options: ResourceOptions<T>) {
  const { name, incremental: inc, selected, ...hints } = options;
  if (inc !== undefined && !isIncremental(inc)) {
    throw new ConfigurationError(
      `Resource '${name ?? '?'}': the incremental option must come from incremental(...).`,
    );
  }
  return { name, incremental: inc, selected: selected ?? true, hints };
}

/**
 * Declares a resource: a named stream of rows with table hints (dlt's `@dlt.resource`).
 *
 * `data` may be an array, a (async) iterable, an Arrow table, or a (async generator) function receiving
 * the {@link ResourceContext}. Yield single rows, pages (arrays) of rows, or Arrow tables.
 *
 * @example
 * ```ts
 * const orders = resource(
 *   async function* () { yield [{ id: 1, customer: 'Alice', items: [{ sku: 'a', qty: 2 }] }]; },
 *   { name: 'orders', writeDisposition: 'merge', primaryKey: 'id' },
 * );
 * ```
 */
export function resource<T = Record<string, unknown>>(
  data: ResourceData<T>,
  options: ResourceOptions<T> = {},
): Resource<T> {
  const split = splitOptions(options);
  const fallbackName =
    typeof data === 'function' && data.name && data.name !== 'anonymous' ? data.name : undefined;
  if (data === null || data === undefined) {
    throw new ConfigurationError(
      `Resource '${split.name ?? '?'}' has no data: pass rows, an iterable or a function.`,
    );
  }
  return new Resource<T>({
    name: validateName(split.name ?? fallbackName, 'resource()'),
    hints: split.hints,
    incremental: split.incremental,
    selected: split.selected,
    data,
    parent: undefined,
    transform: undefined,
    steps: [],
  });
}

/**
 * Declares a transformer: a resource fed by another (dlt's `@dlt.transformer`). `fn` receives each page
 * the parent yields and yields rows of its own (for example, details fetched per id).
 *
 * @example
 * ```ts
 * const details = transformer(issues, async function* (page) {
 *   for (const issue of page) yield await fetchDetails(issue.id);
 * }, { name: 'issue_details', primaryKey: 'id', writeDisposition: 'merge' });
 * ```
 */
export function transformer<TIn, TOut = Record<string, unknown>>(
  parent: Resource<TIn>,
  fn: TransformFunction<TIn, TOut>,
  options: ResourceOptions<TOut> = {},
): Resource<TOut> {
  if (!isResource(parent)) {
    throw new ConfigurationError('transformer(parent, fn) needs a resource as its parent.');
  }
  const split = splitOptions(options);
  const fallbackName = fn.name && fn.name !== 'anonymous' ? fn.name : undefined;
  return new Resource<TOut>({
    name: validateName(split.name ?? fallbackName, 'transformer()'),
    hints: split.hints,
    incremental: split.incremental,
    selected: split.selected,
    data: undefined,
    parent,
    transform: fn as TransformFunction<unknown, TOut>,
    steps: [],
  });
}

/** True for a resource or transformer (also one made by a duplicate install of this package). */
export function isResource(value: unknown): value is AnyResource {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'resource' &&
    typeof (value as { iterate?: unknown }).iterate === 'function'
  );
}
