import { GraphqlSyntaxError, queryComplexity, readQuery, type Selection } from './linear-graphql.ts';
import { type RecordedRequest, type ReplayResponse, type ReplayServer, startReplayServer } from './server.ts';

/** The personal API key the Linear replay server accepts by default (sent raw, like a real one). */
export const LINEAR_REPLAY_API_KEY = 'lin_api_replay0000000000000000000000000000000';
/** The OAuth access token the Linear replay server accepts by default (sent as `Bearer`). */
export const LINEAR_REPLAY_ACCESS_TOKEN = 'lin_oauth_replay00000000000000000000000000000';

/** The connection root fields the replay server serves. */
export const LINEAR_REPLAY_ROOTS = [
  'issues',
  'teams',
  'users',
  'projects',
  'cycles',
  'workflowStates',
  'comments',
  'issueLabels',
] as const;

export type LinearReplayRoot = (typeof LINEAR_REPLAY_ROOTS)[number];

/** A node as Linear returns it; nested connections as `{ nodes: [...] }`. Must have an `id`. */
export type LinearReplayNode = Record<string, unknown> & { id: string };

/** A failure the server answers once instead of the real page (see {@link LinearReplayServer.inject}). */
export type LinearReplayFault =
  /** `RATELIMITED` (HTTP 400 as Linear documents it, or 429), budgets at 0, reset `resetInMs` ahead (default 1000). */
  | { kind: 'ratelimited'; status?: 400 | 429; resetInMs?: number; budget?: 'requests' | 'complexity' }
  /** HTTP 429 with an empty body and no rate-limit headers (a proxy's answer). */
  | { kind: 'too-many-requests'; retryAfterSeconds?: number }
  /** HTTP 401 `AUTHENTICATION_ERROR`. */
  | { kind: 'authentication' }
  /** HTTP 403 `FORBIDDEN`. */
  | { kind: 'forbidden' }
  /** HTTP 200 with the real page's `data` and an `errors` entry (Linear's partial failure). */
  | { kind: 'partial'; message?: string }
  /** HTTP 500 with a GraphQL error body. */
  | { kind: 'server-error' }
  /** HTTP 200 whose JSON body is cut in the middle. */
  | { kind: 'truncated' }
  /** The connection is closed without an answer. */
  | { kind: 'drop' }
  /** Any GraphQL error: `code` in `extensions`, the given HTTP status (default 400). */
  | { kind: 'error'; code: string; status?: number; message?: string };

/** Which request a fault answers: the `nth` (1-based, default 1) matching request after `inject`. */
export interface LinearFaultMatch {
  root?: LinearReplayRoot;
  /** Only requests with this `after` cursor (`null` = first page). */
  after?: string | null;
  nth?: number;
}

/** One GraphQL request as the server understood it. */
export interface LinearReplayCall {
  root: string;
  /** The root field's arguments with variables substituted (`first`, `after`, `filter`, …). */
  args: Record<string, unknown>;
  variables: Record<string, unknown>;
  /** `apiKey` (raw key), `oauth` (`Bearer`) or `none` / `invalid`. */
  auth: 'apiKey' | 'oauth' | 'none' | 'invalid';
  /** The answer's HTTP status. */
  status: number;
  /** Rows served (0 for errors). */
  rows: number;
  /** The query's cost in Linear's complexity model (sent as `X-Complexity`). */
  complexity: number;
}

/** Options of {@link startLinearReplayServer}. */
export interface LinearReplayOptions {
  /** Nodes by root field, newest first or in any order (the server sorts). */
  data?: Partial<Record<LinearReplayRoot, readonly LinearReplayNode[]>>;
  /**
   * Recorded responses to serve: Nango test files (the Linear body at `api.post["/graphql"].response`)
   * or bare `{ data: { <root>: { nodes } } }` bodies, as text or parsed. Their nodes are added to
   * `data`; nodes with the same id are merged (later files fill in fields the earlier ones lack).
   */
  recorded?: ReadonlyArray<string | Record<string, unknown>>;
  /** Personal API keys accepted raw in `Authorization`. Default `[LINEAR_REPLAY_API_KEY]`. */
  apiKeys?: readonly string[];
  /** OAuth tokens accepted as `Bearer <token>`. Default `[LINEAR_REPLAY_ACCESS_TOKEN]`. */
  accessTokens?: readonly string[];
  /**
   * The rate-limit budgets of the `X-RateLimit-*` headers (one window, refilled at its end). Past a
   * budget the server answers `RATELIMITED` (HTTP `status`, default 400). Defaults: 5000 requests and
   * 2,000,000 complexity points per hour, as recorded for an OAuth app.
   */
  rateLimit?: { requests?: number; complexity?: number; windowMs?: number; status?: 400 | 429 };
  /** Epoch milliseconds for the rate-limit windows and reset headers. Default `Date.now`. */
  now?: () => number;
}

/** A running Linear replay server: `POST /graphql` on a loopback port. */
export interface LinearReplayServer extends ReplayServer {
  /** `<url>/graphql`: pass it as the source's `apiUrl`. */
  readonly graphqlUrl: string;
  readonly apiKey: string;
  readonly accessToken: string;
  /** Every GraphQL request, in order (requests the server could not parse are left out). */
  readonly calls: LinearReplayCall[];
  /** The calls to one root field. */
  callsTo(root: LinearReplayRoot): LinearReplayCall[];
  /** The stored nodes of a root. */
  nodes(root: LinearReplayRoot): LinearReplayNode[];
  /** Adds nodes or replaces those with the same id (e.g. an issue updated between two runs). */
  upsertNodes(root: LinearReplayRoot, nodes: readonly LinearReplayNode[]): void;
  /** Removes nodes by id. */
  removeNodes(root: LinearReplayRoot, ids: readonly string[]): void;
  /** Answers the matching request once with a fault instead of its page. */
  inject(fault: LinearReplayFault, match?: LinearFaultMatch): void;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Linear's GraphQL error body. */
export function linearErrorBody(
  code: string,
  message: string,
  options: { statusCode?: number; userPresentableMessage?: string; path?: unknown[] } = {},
): Json {
  return {
    errors: [
      {
        message,
        ...(options.path ? { path: options.path } : {}),
        extensions: {
          code,
          type: code.toLowerCase().replace(/_/g, ' '),
          ...(options.statusCode === undefined ? {} : { statusCode: options.statusCode }),
          userError: true,
          userPresentableMessage: options.userPresentableMessage ?? message,
        },
      },
    ],
  };
}

const AUTHENTICATION_BODY = linearErrorBody(
  'AUTHENTICATION_ERROR',
  'Authentication required, not authenticated',
  {
    statusCode: 401,
    userPresentableMessage: 'You need to authenticate to access this operation.',
  },
);

/**
 * The Linear nodes of a recorded response: a Nango test file or a bare GraphQL body. Returns one entry
 * per connection root found in its `data`.
 */
export function parseLinearRecording(
  input: string | Record<string, unknown>,
): Array<{ root: string; nodes: LinearReplayNode[] }> {
  const parsed = typeof input === 'string' ? (JSON.parse(input) as unknown) : input;
  const nango = isObject(parsed) && isObject(parsed.api) ? (parsed.api as Json).post : undefined;
  const recorded =
    isObject(nango) && isObject(nango['/graphql']) ? (nango['/graphql'] as Json).response : parsed;
  const data = isObject(recorded) && isObject(recorded.data) ? recorded.data : undefined;
  if (!data)
    throw new Error('parseLinearRecording: no GraphQL `data` object (nor a Nango test file holding one).');
  const result: Array<{ root: string; nodes: LinearReplayNode[] }> = [];
  for (const [root, connection] of Object.entries(data)) {
    if (!isObject(connection) || !Array.isArray(connection.nodes)) continue;
    result.push({
      root,
      nodes: connection.nodes.filter(
        (node): node is LinearReplayNode => isObject(node) && typeof node.id === 'string',
      ),
    });
  }
  return result;
}

/** Deep-merges plain objects; lists, connections and scalars of `next` win when present. */
function mergeNode(previous: Json, next: Json): Json {
  const merged: Json = { ...previous };
  for (const [key, value] of Object.entries(next)) {
    if (value === undefined) continue;
    const old = merged[key];
    merged[key] =
      isObject(old) && isObject(value) && !('nodes' in value) && !('nodes' in old)
        ? mergeNode(old, value)
        : value;
  }
  return merged;
}

// ---- filters -----------------------------------------------------------------------------------------

class ReplayInputError extends Error {}

/** Filter fields whose data lives under another name in the stored nodes. */
const FILTER_FIELD_ALIASES: Record<string, string> = { accessibleTeams: 'teams' };
const COMPARATORS = new Set(['eq', 'neq', 'in', 'nin', 'lt', 'lte', 'gt', 'gte', 'null', 'eqIgnoreCase']);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

function comparable(left: unknown, right: unknown): [unknown, unknown] {
  if (typeof left === 'string' && typeof right === 'string' && ISO_DATE.test(left) && ISO_DATE.test(right)) {
    return [Date.parse(left), Date.parse(right)];
  }
  return [left, right];
}

function compare(value: unknown, comparator: Json): boolean {
  for (const [op, operand] of Object.entries(comparator)) {
    if (typeof operand === 'string' && /^-?P/.test(operand)) {
      throw new ReplayInputError(
        `The replay server does not evaluate durations ("${operand}"); use an ISO 8601 timestamp.`,
      );
    }
    const [a, b] = comparable(value, operand);
    const ok = (() => {
      switch (op) {
        case 'eq':
          return a === b;
        case 'neq':
          return a !== b;
        case 'eqIgnoreCase':
          return (
            typeof value === 'string' &&
            typeof operand === 'string' &&
            value.toLowerCase() === operand.toLowerCase()
          );
        case 'in':
          return (
            Array.isArray(operand) &&
            operand.some((item) => comparable(value, item)[0] === comparable(value, item)[1])
          );
        case 'nin':
          return (
            Array.isArray(operand) &&
            !operand.some((item) => comparable(value, item)[0] === comparable(value, item)[1])
          );
        case 'null':
          return (value === null || value === undefined) === operand;
        default: {
          if (value === null || value === undefined) return false;
          const left = a as number | string;
          const right = b as number | string;
          return op === 'lt'
            ? left < right
            : op === 'lte'
              ? left <= right
              : op === 'gt'
                ? left > right
                : left >= right;
        }
      }
    })();
    if (!ok) return false;
  }
  return true;
}

function matches(node: unknown, filter: Json): boolean {
  for (const [key, condition] of Object.entries(filter)) {
    if (key === 'and' || key === 'or') {
      const parts = Array.isArray(condition) ? condition.filter(isObject) : [];
      const ok =
        key === 'and'
          ? parts.every((part) => matches(node, part))
          : parts.some((part) => matches(node, part));
      if (!ok) return false;
      continue;
    }
    if (!isObject(condition)) throw new ReplayInputError(`Filter field '${key}' needs an object.`);
    const value = isObject(node) ? node[FILTER_FIELD_ALIASES[key] ?? key] : undefined;
    const keys = Object.keys(condition);
    if (keys.length > 0 && keys.every((op) => COMPARATORS.has(op))) {
      if (!compare(value, condition)) return false;
      continue;
    }
    if (keys.some((op) => op === 'some' || op === 'every' || op === 'none')) {
      const items = Array.isArray(value)
        ? value
        : isObject(value) && Array.isArray(value.nodes)
          ? value.nodes
          : [];
      if (isObject(condition.some) && !items.some((item) => matches(item, condition.some as Json)))
        return false;
      if (isObject(condition.every) && !items.every((item) => matches(item, condition.every as Json)))
        return false;
      if (isObject(condition.none) && items.some((item) => matches(item, condition.none as Json)))
        return false;
      continue;
    }
    if (!isObject(value)) {
      if (condition.null === true && value == null) continue;
      return false;
    }
    if (!matches(value, condition)) return false;
  }
  return true;
}

// ---- projection ----------------------------------------------------------------------------------------

function connectionOf(nodes: unknown[], hasNextPage: boolean): Json {
  const ids = nodes.map((node) => (isObject(node) ? (node.id as string | undefined) : undefined) ?? null);
  return {
    nodes,
    edges: nodes.map((node, index) => ({ node, cursor: ids[index] })),
    pageInfo: {
      hasNextPage,
      hasPreviousPage: false,
      startCursor: ids[0] ?? null,
      endCursor: ids.at(-1) ?? null,
    },
  };
}

/** The stored value shaped like the selection: unselected fields dropped, missing ones `null`. */
function project(value: unknown, selections: readonly Selection[] | undefined): unknown {
  if (selections === undefined) return value ?? null;
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((item) => project(item, selections));
  if (!isObject(value) || selections.some((selection) => selection.kind === 'spread')) return value;
  const result: Json = {};
  for (const selection of selections) {
    if (selection.kind !== 'field') continue;
    const key = selection.alias ?? selection.name;
    if (selection.name === '__typename') continue;
    const raw = value[selection.name];
    const wantsConnection = selection.selections?.some(
      (child) => child.kind === 'field' && ['nodes', 'edges', 'pageInfo'].includes(child.name),
    );
    const items = Array.isArray(raw)
      ? raw
      : isObject(raw) && Array.isArray(raw.nodes)
        ? raw.nodes
        : undefined;
    if (wantsConnection && items) {
      const first = typeof selection.args.first === 'number' ? selection.args.first : 50;
      result[key] = project(connectionOf(items.slice(0, first), items.length > first), selection.selections);
    } else {
      result[key] = project(raw, selection.selections);
    }
  }
  return result;
}

// ---- the server ----------------------------------------------------------------------------------------

const CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * A loopback Linear GraphQL API for tests: `POST /graphql` with the key raw or an OAuth token as
 * `Bearer`, Relay pages (`first`/`after`, cursor = id of the last node, `pageInfo`), newest first by
 * `orderBy` (`createdAt` default, or `updatedAt`), `filter` (comparators, nested and collection
 * filters), `includeArchived`, `includeDisabled` (users), answers projected on the query's selection,
 * Linear's rate-limit headers with a budget that runs out, and injected faults (rate limits, 429, auth,
 * partial data, 5xx, truncated bodies, dropped connections).
 *
 * @example
 * ```ts
 * const server = await startLinearReplayServer({ data: { issues: [...], teams: [...] } });
 * const source = linear({ apiKey: server.apiKey, apiUrl: server.graphqlUrl, pageSize: 2 });
 * server.inject({ kind: 'ratelimited', status: 429 }, { root: 'issues', nth: 2 });
 * ```
 */
export async function startLinearReplayServer(
  options: LinearReplayOptions = {},
): Promise<LinearReplayServer> {
  const store = new Map<string, Map<string, LinearReplayNode>>();
  const upsert = (root: string, nodes: readonly LinearReplayNode[]) => {
    const byId = store.get(root) ?? new Map<string, LinearReplayNode>();
    for (const node of nodes) {
      const previous = byId.get(node.id);
      byId.set(node.id, (previous ? mergeNode(previous, node) : { ...node }) as LinearReplayNode);
    }
    store.set(root, byId);
  };
  for (const recording of options.recorded ?? []) {
    for (const { root, nodes } of parseLinearRecording(recording)) upsert(root, nodes);
  }
  for (const [root, nodes] of Object.entries(options.data ?? {})) upsert(root, nodes ?? []);

  const apiKeys = new Set(options.apiKeys ?? [LINEAR_REPLAY_API_KEY]);
  const accessTokens = new Set(options.accessTokens ?? [LINEAR_REPLAY_ACCESS_TOKEN]);
  const now = options.now ?? (() => Date.now());
  const limits = {
    requests: options.rateLimit?.requests ?? 5000,
    complexity: options.rateLimit?.complexity ?? 2_000_000,
    windowMs: options.rateLimit?.windowMs ?? 3_600_000,
    status: options.rateLimit?.status ?? 400,
  };
  let window = { start: now(), requests: 0, complexity: 0 };
  const faults: Array<{ fault: LinearReplayFault; match: LinearFaultMatch; seen: number }> = [];
  const calls: LinearReplayCall[] = [];

  const rateHeaders = (
    cost: number,
    overrides: { requests?: number; complexity?: number; reset?: number } = {},
  ) => {
    const reset = String(overrides.reset ?? window.start + limits.windowMs);
    return {
      'x-complexity': String(cost),
      'x-ratelimit-requests-limit': String(limits.requests),
      'x-ratelimit-requests-remaining': String(
        overrides.requests ?? Math.max(0, limits.requests - window.requests),
      ),
      'x-ratelimit-requests-reset': reset,
      'x-ratelimit-complexity-limit': String(limits.complexity),
      'x-ratelimit-complexity-remaining': String(
        overrides.complexity ?? Math.max(0, limits.complexity - window.complexity),
      ),
      'x-ratelimit-complexity-reset': reset,
    };
  };

  const json = (status: number, body: unknown, headers: Record<string, string> = {}): ReplayResponse => ({
    status,
    headers: { 'content-type': CONTENT_TYPE, ...headers },
    body: JSON.stringify(body),
  });

  const authOf = (request: RecordedRequest): LinearReplayCall['auth'] => {
    const header = request.headers.authorization;
    const value = Array.isArray(header) ? header[0] : header;
    if (!value) return 'none';
    const bearer = /^Bearer\s+(.+)$/i.exec(value.trim());
    if (bearer) return accessTokens.has(bearer[1]!) ? 'oauth' : 'invalid';
    return apiKeys.has(value.trim()) ? 'apiKey' : 'invalid';
  };

  /** The page of one root field, or an error. */
  const page = (field: Extract<Selection, { kind: 'field' }>): Json => {
    if (!(LINEAR_REPLAY_ROOTS as readonly string[]).includes(field.name)) {
      throw new ReplayInputError(`Cannot query field "${field.name}" on type "Query".`);
    }
    const args = field.args;
    for (const unsupported of ['last', 'before', 'sort']) {
      if (args[unsupported] !== undefined && args[unsupported] !== null) {
        throw new ReplayInputError(`The replay server does not support '${unsupported}'.`);
      }
    }
    const orderBy = args.orderBy ?? 'createdAt';
    if (orderBy !== 'createdAt' && orderBy !== 'updatedAt') {
      throw new ReplayInputError(`Value "${String(orderBy)}" does not exist in "PaginationOrderBy" enum.`);
    }
    const first = args.first ?? 50;
    if (typeof first !== 'number' || !Number.isInteger(first) || first < 0) {
      throw new ReplayInputError('Argument "first" must be a non-negative integer.');
    }
    const filter = args.filter ?? null;
    if (filter !== null && !isObject(filter))
      throw new ReplayInputError('Argument "filter" must be an object.');
    const all = [...(store.get(field.name)?.values() ?? [])]
      .filter((node) => args.includeArchived === true || node.archivedAt == null)
      .filter((node) => field.name !== 'users' || args.includeDisabled === true || node.active !== false)
      .filter((node) => filter === null || matches(node, filter))
      .sort((left, right) => {
        const a = Date.parse(String(left[orderBy] ?? ''));
        const b = Date.parse(String(right[orderBy] ?? ''));
        if (a !== b) return (Number.isNaN(b) ? 0 : b) - (Number.isNaN(a) ? 0 : a);
        return left.id < right.id ? 1 : left.id > right.id ? -1 : 0;
      });
    let start = 0;
    if (typeof args.after === 'string') {
      const index = all.findIndex((node) => node.id === args.after);
      if (index < 0) throw new ReplayInputError(`Cursor "${args.after}" was not found.`);
      start = index + 1;
    }
    const nodes = all.slice(start, start + first);
    return connectionOf(nodes, start + first < all.length);
  };

  const answer = (request: RecordedRequest): ReplayResponse => {
    if (request.method !== 'POST' || request.path !== '/graphql') {
      return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found' };
    }
    const type = String(request.headers['content-type'] ?? '');
    if (!type.toLowerCase().startsWith('application/json')) {
      return json(
        400,
        linearErrorBody('BAD_REQUEST', 'POST body must be JSON (Content-Type: application/json).'),
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(request.body);
    } catch {
      return json(400, linearErrorBody('BAD_REQUEST', 'Unexpected token in JSON body.'));
    }
    if (!isObject(body) || typeof body.query !== 'string') {
      return json(400, linearErrorBody('GRAPHQL_VALIDATION_FAILED', 'Must provide query string.'));
    }
    const variables = isObject(body.variables) ? body.variables : {};
    let selections: Selection[];
    try {
      selections = readQuery(body.query, variables);
    } catch (error) {
      if (error instanceof GraphqlSyntaxError) {
        return json(400, linearErrorBody('GRAPHQL_VALIDATION_FAILED', error.message));
      }
      throw error;
    }
    const fields = selections.filter(
      (item): item is Extract<Selection, { kind: 'field' }> => item.kind === 'field',
    );
    const call: LinearReplayCall = {
      root: fields[0]?.name ?? '',
      args: fields[0]?.args ?? {},
      variables,
      auth: authOf(request),
      status: 200,
      rows: 0,
      complexity: 0,
    };
    calls.push(call);
    call.complexity = queryComplexity(selections);
    const respond = (response: ReplayResponse): ReplayResponse => {
      if (!('drop' in response)) call.status = response.status ?? 200;
      return response;
    };
    if (call.auth === 'none' || call.auth === 'invalid') return respond(json(401, AUTHENTICATION_BODY));

    if (now() >= window.start + limits.windowMs) window = { start: now(), requests: 0, complexity: 0 };
    const cost = call.complexity;
    if (window.requests + 1 > limits.requests || window.complexity + cost > limits.complexity) {
      return respond(
        json(
          limits.status,
          linearErrorBody('RATELIMITED', 'Rate limit exceeded', { statusCode: limits.status }),
          rateHeaders(cost),
        ),
      );
    }
    window.requests += 1;
    window.complexity += cost;

    let faultIndex = -1;
    faults.forEach((entry, index) => {
      const { match } = entry;
      if (match.root !== undefined && match.root !== call.root) return;
      if (match.after !== undefined && (match.after ?? null) !== (call.args.after ?? null)) return;
      entry.seen += 1;
      if (faultIndex < 0 && entry.seen >= (match.nth ?? 1)) faultIndex = index;
    });
    const fault = faultIndex >= 0 ? faults.splice(faultIndex, 1)[0]!.fault : undefined;
    if (fault?.kind === 'drop') return respond({ drop: true });
    if (fault?.kind === 'ratelimited') {
      const status = fault.status ?? 400;
      const budget = fault.budget ?? 'requests';
      return respond(
        json(
          status,
          linearErrorBody('RATELIMITED', 'Rate limit exceeded', { statusCode: status }),
          rateHeaders(cost, {
            ...(budget === 'requests' ? { requests: 0 } : { complexity: 0 }),
            reset: now() + (fault.resetInMs ?? 1000),
          }),
        ),
      );
    }
    if (fault?.kind === 'too-many-requests') {
      return respond({
        status: 429,
        headers:
          fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) },
        body: '',
      });
    }
    if (fault?.kind === 'authentication') return respond(json(401, AUTHENTICATION_BODY));
    if (fault?.kind === 'forbidden') {
      return respond(
        json(403, linearErrorBody('FORBIDDEN', 'Forbidden', { statusCode: 403 }), rateHeaders(cost)),
      );
    }
    if (fault?.kind === 'server-error') {
      return respond(
        json(500, linearErrorBody('INTERNAL_ERROR', 'Internal server error'), rateHeaders(cost)),
      );
    }
    if (fault?.kind === 'error') {
      return respond(
        json(
          fault.status ?? 400,
          linearErrorBody(fault.code, fault.message ?? fault.code),
          rateHeaders(cost),
        ),
      );
    }

    const data: Json = {};
    try {
      for (const field of fields) {
        const connection = page(field);
        call.rows += (connection.nodes as unknown[]).length;
        data[field.alias ?? field.name] = project(connection, field.selections);
      }
    } catch (error) {
      if (error instanceof ReplayInputError) {
        call.rows = 0;
        return respond(
          json(400, linearErrorBody('INVALID_INPUT', error.message, { statusCode: 400 }), rateHeaders(cost)),
        );
      }
      throw error;
    }
    if (fault?.kind === 'partial') {
      const message = fault.message ?? 'Entity not found or you do not have access to it.';
      return respond(
        json(200, { data, errors: [{ message, path: [call.root, 'nodes', 0] }] }, rateHeaders(cost)),
      );
    }
    if (fault?.kind === 'truncated') {
      const text = JSON.stringify({ data });
      return respond({
        status: 200,
        headers: { 'content-type': CONTENT_TYPE, ...rateHeaders(cost) },
        body: text.slice(0, Math.max(1, Math.floor(text.length / 2))),
      });
    }
    return respond(json(200, { data }, rateHeaders(cost)));
  };

  const base = await startReplayServer(answer);
  return {
    url: base.url,
    graphqlUrl: `${base.url}/graphql`,
    requests: base.requests,
    fail: (...next) => base.fail(...next),
    close: () => base.close(),
    apiKey: [...apiKeys][0] ?? LINEAR_REPLAY_API_KEY,
    accessToken: [...accessTokens][0] ?? LINEAR_REPLAY_ACCESS_TOKEN,
    calls,
    callsTo: (root) => calls.filter((call) => call.root === root),
    nodes: (root) => [...(store.get(root)?.values() ?? [])],
    upsertNodes: (root, nodes) => upsert(root, nodes),
    removeNodes(root, ids) {
      for (const id of ids) store.get(root)?.delete(id);
    },
    inject(fault, match = {}) {
      faults.push({ fault, match, seen: 0 });
    },
  };
}
