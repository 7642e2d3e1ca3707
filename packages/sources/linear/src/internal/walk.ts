import type { Logger } from '@hotdata-dlt/core';
import type { ResolvedLinearConfig } from '../config.ts';
import { LinearError } from '../errors.ts';
import type { CallContext, LinearGraphqlClient } from './graphql-client.ts';
import { NESTED_PAGE_SIZE, queryText, type ResourceQuery } from './queries.ts';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A node as a row: nested connections (`labels: { nodes, pageInfo }`) become plain lists, which the
 * normalizer unnests into child tables (`issues__labels`); nested objects stay objects (`state__name`
 * columns). Reports nested connections that had more than one page.
 */
export function nodeToRow(
  node: Record<string, unknown>,
  onTruncated: (field: string, node: Record<string, unknown>) => void,
): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (isObject(value) && Array.isArray(value.nodes)) {
      if (isObject(value.pageInfo) && value.pageInfo.hasNextPage === true) onTruncated(key, node);
      row[key] = value.nodes.map((item) => (isObject(item) ? nodeToRow(item, onTruncated) : item));
    } else {
      row[key] = value;
    }
  }
  return row;
}

/** Options of one walk over a resource's pages. */
export interface WalkOptions {
  spec: ResourceQuery;
  config: ResolvedLinearConfig;
  client: LinearGraphqlClient;
  context: CallContext;
  /** `updatedAt >= updatedSince` (incremental resources). */
  updatedSince?: string | undefined;
}

/** The `filter` variable: the team restriction and the incremental bound, or `null` for everything. */
export function buildFilter(
  spec: ResourceQuery,
  teams: readonly string[] | undefined,
  updatedSince: string | undefined,
): Record<string, unknown> | null {
  const filter: Record<string, unknown> = {
    ...(teams && spec.teamFilter ? spec.teamFilter(teams) : {}),
    ...(updatedSince === undefined ? {} : { updatedAt: { gte: updatedSince } }),
  };
  return Object.keys(filter).length === 0 ? null : filter;
}

/**
 * Reads every page of a resource (Relay `first`/`after`, `orderBy: updatedAt`, newest first) and
 * yields each page's rows. Stops on `hasNextPage: false`; a page that claims a next page without a new
 * cursor is an error rather than a silent stop.
 */
export async function* walkPages(options: WalkOptions): AsyncGenerator<Array<Record<string, unknown>>> {
  const { spec, config, client, context } = options;
  const logger: Logger = context.logger;
  const query = queryText(spec);
  const filter = buildFilter(spec, config.teams, options.updatedSince);
  const extras = Object.fromEntries(
    Object.entries(spec.extraVariables ?? {}).map(([name, { value }]) => [name, value]),
  );
  const truncated = new Map<string, string[]>();
  const onTruncated = (field: string, node: Record<string, unknown>) => {
    const list = truncated.get(field) ?? [];
    list.push(String(node.identifier ?? node.id ?? '?'));
    truncated.set(field, list);
  };
  const cursors = new Set<string>();
  let after: string | null = null;
  let page = 0;
  let rows = 0;
  while (true) {
    page += 1;
    const connection = await client.connection(
      {
        resource: spec.resource,
        root: spec.root,
        query,
        variables: {
          first: config.pageSize,
          after,
          filter,
          includeArchived: config.includeArchived,
          orderBy: 'updatedAt',
          ...extras,
        },
        page,
      },
      context,
    );
    const pageRows = connection.nodes.map((node) => nodeToRow(node, onTruncated));
    rows += pageRows.length;
    logger.debug('Linear page read', { resource: spec.resource, page, rows: pageRows.length });
    if (pageRows.length > 0) yield pageRows;
    const { hasNextPage, endCursor } = connection.pageInfo;
    if (!hasNextPage) break;
    if (endCursor === null || cursors.has(endCursor)) {
      throw new LinearError(
        `Linear answered ${spec.resource} (page ${page}) with hasNextPage but ${endCursor === null ? 'no endCursor' : 'an endCursor it already returned'}; stopping here would load an incomplete table. Run again; report it to Linear if it repeats.`,
        { kind: 'invalid_response', resource: spec.resource, page, isRetryable: true },
      );
    }
    cursors.add(endCursor);
    after = endCursor;
  }
  for (const [field, owners] of truncated) {
    logger.warn(`Linear ${spec.resource}: some '${field}' lists were cut at ${NESTED_PAGE_SIZE} entries`, {
      resource: spec.resource,
      field,
      count: owners.length,
      examples: owners.slice(0, 5),
    });
  }
  logger.info('Linear resource read', { resource: spec.resource, pages: page, rows });
}
