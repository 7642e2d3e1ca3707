import {
  type AnyResource,
  type ColumnHints,
  type DltSource,
  incremental,
  type ResourceContext,
  resource,
  source,
} from '@hotdata-dlt/core';
import {
  LINEAR_RESOURCES,
  type LinearOptions,
  type LinearResourceName,
  type ResolvedLinearConfig,
  resolveLinearConfig,
} from './config.ts';
import { type CallContext, LinearGraphqlClient } from './internal/graphql-client.ts';
import { RESOURCE_QUERIES } from './internal/queries.ts';
import { RateLimitTracker } from './internal/rate-limit.ts';
import { walkPages } from './internal/walk.ts';

type Ref = { id: string; name: string } | null;

/** A row of `issues`, as Linear returns it (the pipeline snake-cases the names). */
export interface LinearIssueRow {
  id: string;
  identifier: string;
  number: number;
  title: string;
  description: string | null;
  priority: number;
  priorityLabel: string;
  estimate: number | null;
  url: string;
  branchName: string;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  completedAt: string | null;
  canceledAt: string | null;
  archivedAt: string | null;
  dueDate: string | null;
  trashed: boolean | null;
  state: { id: string; name: string; type: string };
  team: { id: string; key: string; name: string };
  assignee: (Ref & { email: string }) | null;
  creator: Ref;
  project: Ref;
  cycle: { id: string; number: number; name: string | null } | null;
  parent: { id: string; identifier: string } | null;
  /** Unnested into the child table `issues__labels`. */
  labels: Array<{ id: string; name: string; color: string }>;
}

/** A row of `comments`. `issue` is null for comments on projects and updates. */
export interface LinearCommentRow {
  id: string;
  body: string;
  url: string;
  createdAt: string;
  updatedAt: string;
  editedAt: string | null;
  resolvedAt: string | null;
  archivedAt: string | null;
  issue: { id: string; identifier: string } | null;
  user: Ref;
  parent: { id: string } | null;
}

/** A row of `teams`. */
export interface LinearTeamRow {
  id: string;
  key: string;
  name: string;
  displayName: string;
  description: string | null;
  color: string | null;
  icon: string | null;
  timezone: string;
  cyclesEnabled: boolean;
  triageEnabled: boolean;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
}

/** A row of `users` (deactivated users included, `active = false`). */
export interface LinearUserRow {
  id: string;
  name: string;
  displayName: string;
  email: string;
  active: boolean;
  admin: boolean;
  guest: boolean;
  app: boolean;
  timezone: string | null;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
}

/** A row of `workflow_states`. */
export interface LinearWorkflowStateRow {
  id: string;
  name: string;
  type: string;
  position: number;
  color: string;
  description: string | null;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
  team: { id: string; key: string; name: string };
}

/** A row of `projects`. */
export interface LinearProjectRow {
  id: string;
  name: string;
  description: string;
  slugId: string;
  url: string;
  priority: number;
  progress: number;
  health: string | null;
  startDate: string | null;
  targetDate: string | null;
  startedAt: string | null;
  completedAt: string | null;
  canceledAt: string | null;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
  status: { id: string; name: string; type: string };
  lead: Ref;
  /** Unnested into the child table `projects__teams`. */
  teams: Array<{ id: string; key: string; name: string }>;
}

/** A row of `cycles`. */
export interface LinearCycleRow {
  id: string;
  number: number;
  name: string | null;
  description: string | null;
  startsAt: string;
  endsAt: string;
  completedAt: string | null;
  progress: number;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
  team: { id: string; key: string; name: string };
}

const timestamp: ColumnHints = { dataType: 'timestamp' };
const key: ColumnHints = { dataType: 'text', nullable: false };
const common: Record<string, ColumnHints> = {
  id: key,
  createdAt: timestamp,
  updatedAt: timestamp,
  archivedAt: timestamp,
};

/** Column hints: the types Linear documents, so columns that are null on a first run still get them. */
const COLUMNS: Record<LinearResourceName, Record<string, ColumnHints>> = {
  teams: {
    ...common,
    key: { dataType: 'text' },
    name: { dataType: 'text' },
    description: { dataType: 'text' },
  },
  users: { ...common, name: { dataType: 'text' }, email: { dataType: 'text' }, active: { dataType: 'bool' } },
  workflow_states: {
    ...common,
    name: { dataType: 'text' },
    type: { dataType: 'text' },
    position: { dataType: 'double' },
  },
  projects: {
    ...common,
    name: { dataType: 'text' },
    description: { dataType: 'text' },
    priority: { dataType: 'bigint' },
    progress: { dataType: 'double' },
    health: { dataType: 'text' },
    startDate: { dataType: 'date' },
    targetDate: { dataType: 'date' },
    startedAt: timestamp,
    completedAt: timestamp,
    canceledAt: timestamp,
  },
  cycles: {
    ...common,
    number: { dataType: 'bigint' },
    name: { dataType: 'text' },
    description: { dataType: 'text' },
    startsAt: timestamp,
    endsAt: timestamp,
    completedAt: timestamp,
    progress: { dataType: 'double' },
  },
  issues: {
    ...common,
    identifier: { dataType: 'text' },
    number: { dataType: 'bigint' },
    title: { dataType: 'text' },
    description: { dataType: 'text' },
    priority: { dataType: 'bigint' },
    estimate: { dataType: 'double' },
    dueDate: { dataType: 'date' },
    startedAt: timestamp,
    completedAt: timestamp,
    canceledAt: timestamp,
    trashed: { dataType: 'bool' },
  },
  comments: {
    ...common,
    body: { dataType: 'text' },
    editedAt: timestamp,
    resolvedAt: timestamp,
  },
};

const upsert = { disposition: 'merge', strategy: 'upsert' } as const;
const INCREMENTAL: ReadonlySet<LinearResourceName> = new Set(['issues', 'comments']);

function createResources(config: ResolvedLinearConfig): AnyResource[] {
  // One budget per credential and source instance: every resource of every run reads the same headers.
  const client = new LinearGraphqlClient(config, new RateLimitTracker(config.minRemainingRequests));
  const callContext = (context: ResourceContext): CallContext => ({
    credential: config.credential(),
    logger: config.logger ?? context.logger,
    signal: context.signal,
  });

  return LINEAR_RESOURCES.map((name) => {
    const spec = RESOURCE_QUERIES[name];
    if (!INCREMENTAL.has(name)) {
      return resource(
        async function* fullListing(context) {
          yield* walkPages({ spec, config, client, context: callContext(context) });
        },
        { name, primaryKey: 'id', writeDisposition: 'replace', columns: COLUMNS[name] },
      );
    }
    // Pages come newest first, so the engine must read to the end (no rowOrder): the cursor becomes the
    // largest updatedAt of the whole walk, and the pipeline keeps it only when the extract succeeded.
    // Rows updated during a walk carry an updatedAt past that cursor, so the next run picks them up.
    return resource(
      async function* updatedSinceCursor(context) {
        const start = context.incremental.startValue;
        yield* walkPages({
          spec,
          config,
          client,
          context: callContext(context),
          updatedSince: typeof start === 'string' ? start : undefined,
        });
      },
      {
        name,
        primaryKey: 'id',
        writeDisposition: upsert,
        columns: COLUMNS[name],
        incremental: incremental<string>('updatedAt', {
          ...(config.updatedSince === undefined ? {} : { initialValue: config.updatedSince }),
          primaryKey: 'id',
        }),
      },
    );
  });
}

const linearSource = source('linear', (config: ResolvedLinearConfig) => createResources(config));

/**
 * Linear (the issue tracker) as a source named `linear`, read through its GraphQL API:
 *
 * - `issues` — incremental on `updatedAt` (the filter is `updatedAt >= cursor`, the cursor the largest
 *   `updatedAt` seen), merged (upsert) on `id`; labels land in the child table `issues__labels`;
 * - `comments` — incremental the same way, merged on `id`;
 * - `teams`, `users`, `workflow_states`, `projects` (teams in `projects__teams`), `cycles` — read in
 *   full each run and replaced.
 *
 * The credential comes from `apiKey` / `LINEAR_API_KEY` (a personal key `lin_api_…`, sent raw) or an
 * OAuth token (`accessToken` / `LINEAR_ACCESS_TOKEN`, sent as `Bearer`). Rate limits are read from the
 * `X-RateLimit-*` headers: the source waits for the reset when a budget runs low or Linear answers
 * `RATELIMITED`.
 *
 * @example
 * ```ts
 * import { linear } from '@hotdata-dlt/source-linear';
 *
 * const source = linear({ teams: ['ENG'], resources: ['issues', 'workflow_states'] });
 * await pipeline({ pipelineName: 'linear', destination }).run(source);
 * ```
 */
export function linear(options: LinearOptions = {}): DltSource {
  const config = resolveLinearConfig(options);
  const instance = linearSource(config);
  return config.resources.length === LINEAR_RESOURCES.length
    ? instance
    : instance.withResources(...config.resources);
}
