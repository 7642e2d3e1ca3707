import type { LinearResourceName } from '../config.ts';

/** How one resource is read: its GraphQL root field, filter type and selection. */
export interface ResourceQuery {
  resource: LinearResourceName;
  /** Root field of `Query`, e.g. `workflowStates`. */
  root: string;
  /** GraphQL input type of the root field's `filter` argument. */
  filterType: string;
  /** The selection of each node. */
  fields: string;
  /** The filter restricting rows to the given team keys; `undefined` when the entity is workspace-wide. */
  teamFilter: ((keys: readonly string[]) => Record<string, unknown>) | undefined;
  /** Extra `$name: Type` variables and their values (e.g. `includeDisabled` of `users`). */
  extraVariables?: Record<string, { type: string; value: unknown }>;
}

const teamKeyIn = (keys: readonly string[]) => ({ key: { in: [...keys] } });

/**
 * Nested connections are read with an explicit page size: a connection multiplies the complexity of its
 * children by it (Linear's default is 50), and a query above 10,000 points is rejected. 20 keeps a page
 * of 100 issues around 4,000 points.
 */
export const NESTED_PAGE_SIZE = 20;

export const RESOURCE_QUERIES: Record<LinearResourceName, ResourceQuery> = {
  teams: {
    resource: 'teams',
    root: 'teams',
    filterType: 'TeamFilter',
    fields: `id key name displayName description color icon timezone cyclesEnabled triageEnabled
      createdAt updatedAt archivedAt`,
    teamFilter: teamKeyIn,
  },
  users: {
    resource: 'users',
    root: 'users',
    filterType: 'UserFilter',
    fields: 'id name displayName email active admin guest app timezone createdAt updatedAt archivedAt',
    teamFilter: undefined,
    // Deactivated users stay in the table (active = false) so old issues still resolve their assignee.
    extraVariables: { includeDisabled: { type: 'Boolean', value: true } },
  },
  workflow_states: {
    resource: 'workflow_states',
    root: 'workflowStates',
    filterType: 'WorkflowStateFilter',
    fields: `id name type position color description createdAt updatedAt archivedAt
      team { id key name }`,
    teamFilter: (keys) => ({ team: teamKeyIn(keys) }),
  },
  projects: {
    resource: 'projects',
    root: 'projects',
    filterType: 'ProjectFilter',
    fields: `id name description slugId url priority progress health startDate targetDate
      startedAt completedAt canceledAt createdAt updatedAt archivedAt
      status { id name type }
      lead { id name }
      teams(first: ${NESTED_PAGE_SIZE}) { nodes { id key name } pageInfo { hasNextPage } }`,
    teamFilter: (keys) => ({ accessibleTeams: { some: teamKeyIn(keys) } }),
  },
  cycles: {
    resource: 'cycles',
    root: 'cycles',
    filterType: 'CycleFilter',
    fields: `id number name description startsAt endsAt completedAt progress createdAt updatedAt archivedAt
      team { id key name }`,
    teamFilter: (keys) => ({ team: teamKeyIn(keys) }),
  },
  issues: {
    resource: 'issues',
    root: 'issues',
    filterType: 'IssueFilter',
    fields: `id identifier number title description priority priorityLabel estimate url branchName
      createdAt updatedAt startedAt completedAt canceledAt archivedAt dueDate trashed
      state { id name type }
      team { id key name }
      assignee { id name email }
      creator { id name }
      project { id name }
      cycle { id number name }
      parent { id identifier }
      labels(first: ${NESTED_PAGE_SIZE}) { nodes { id name color } pageInfo { hasNextPage } }`,
    teamFilter: (keys) => ({ team: teamKeyIn(keys) }),
  },
  comments: {
    resource: 'comments',
    root: 'comments',
    filterType: 'CommentFilter',
    fields: `id body url createdAt updatedAt editedAt resolvedAt archivedAt
      issue { id identifier }
      user { id name }
      parent { id }`,
    teamFilter: (keys) => ({ issue: { team: teamKeyIn(keys) } }),
  },
};

function operationName(resource: LinearResourceName): string {
  return `Linear${resource
    .split('_')
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('')}`;
}

/**
 * The query text of one resource. Every value travels as a variable, so one text serves every page:
 * `first`, `after`, `filter`, `includeArchived`, `orderBy` (always `updatedAt`) and the extras.
 */
export function queryText(spec: ResourceQuery): string {
  const extras = Object.entries(spec.extraVariables ?? {});
  const declarations = [
    '$first: Int!',
    '$after: String',
    `$filter: ${spec.filterType}`,
    '$includeArchived: Boolean',
    '$orderBy: PaginationOrderBy',
    ...extras.map(([name, { type }]) => `$${name}: ${type}`),
  ].join(', ');
  const args = [
    'first: $first',
    'after: $after',
    'filter: $filter',
    'includeArchived: $includeArchived',
    'orderBy: $orderBy',
    ...extras.map(([name]) => `${name}: $${name}`),
  ].join(', ');
  const fields = spec.fields.replace(/\s+/g, ' ').trim();
  return `query ${operationName(spec.resource)}(${declarations}) { ${spec.root}(${args}) { nodes { ${fields} } pageInfo { hasNextPage endCursor } } }`;
}
