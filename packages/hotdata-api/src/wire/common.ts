import { z } from 'zod';

/** `{"error": {"code", "message", "details"?}}` — the API's error body (runtimedb style). */
export const ApiErrorBodySchema = z.looseObject({
  error: z.looseObject({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBodySchema>;

/** `{"error": "snake_case_code"}` — workspace endpoints. */
export const WorkspaceErrorBodySchema = z.looseObject({ error: z.string() });
export type WorkspaceErrorBody = z.infer<typeof WorkspaceErrorBodySchema>;

/** `{"detail": "..."}` or `{"detail": [{loc, msg}]}` — framework-level rejections. */
export const DetailErrorBodySchema = z.looseObject({
  detail: z.union([
    z.string(),
    z.array(z.looseObject({ loc: z.array(z.unknown()).optional(), msg: z.string() })),
  ]),
});
export type DetailErrorBody = z.infer<typeof DetailErrorBodySchema>;

/** Error codes the API and hotdata-local use. */
export const API_ERROR_CODES = [
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'ACCESS_DENIED',
  'NOT_FOUND',
  'CONFLICT',
  'RESOURCE_LOCKED',
  'INLINE_DATA_TOO_LARGE',
  'OVERLOADED',
  'PERSISTENCE_UNAVAILABLE',
  'PRESIGN_UNSUPPORTED',
  'INTERNAL_SERVER_ERROR',
  'BAD_GATEWAY',
  'SERVICE_UNAVAILABLE',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** Longest schema/table/catalog identifier (runtimedb's `validate_table_name`). */
export const MAX_IDENTIFIER_LENGTH = 128;

/** Words refused as table names (runtimedb's validator). */
export const RESERVED_WORDS: ReadonlySet<string> = new Set(
  (
    'select from where insert update delete create drop alter table index view and or not null true false in is ' +
    'like between join on as order by group having limit offset union all distinct case when then else end exists any some'
  ).split(' '),
);

/**
 * Why an identifier (schema, table, catalog) is invalid after the API's lowercasing, or `undefined` when
 * it is valid: `[a-z_][a-z0-9_]*`, at most 128 characters; table names also not a reserved word.
 */
export function identifierProblem(
  name: string,
  kind: 'schema' | 'table' | 'catalog' = 'table',
): string | undefined {
  const lowered = name.toLowerCase();
  if (lowered.length === 0) return `the ${kind} name is empty`;
  if (lowered.length > MAX_IDENTIFIER_LENGTH)
    return `the ${kind} name is longer than ${MAX_IDENTIFIER_LENGTH} characters`;
  if (!/^[a-z_][a-z0-9_]*$/.test(lowered)) {
    return `the ${kind} name '${name}' may contain only letters, digits and '_' and must not start with a digit`;
  }
  if (kind === 'table' && RESERVED_WORDS.has(lowered)) return `'${name}' is a reserved word`;
  if (kind === 'catalog' && (lowered === 'hotdata' || lowered === 'information_schema')) {
    return `'${name}' is reserved for the system catalog`;
  }
  return undefined;
}

/** True when `name` is a valid identifier of the given kind (see {@link identifierProblem}). */
export function isValidIdentifier(name: string, kind: 'schema' | 'table' | 'catalog' = 'table'): boolean {
  return identifierProblem(name, kind) === undefined;
}

/**
 * An integer query-string parameter: a number from the client, a decimal string on the server side.
 */
export const IntegerParamSchema = z.coerce.number<number | string>().int();

/** A boolean query-string parameter: the API accepts only lowercase `true` / `false`. */
export const BooleanParamSchema = z.union([
  z.boolean(),
  z.enum(['true', 'false']).transform((value) => value === 'true'),
]);

/** Cursor-paged list fields; old deployments may omit them. */
export const CursorPageSchema = z.object({
  count: z.number().int().nullish(),
  limit: z.number().int().nullish(),
  has_more: z.boolean().nullish(),
  next_cursor: z.string().nullish(),
});
export type CursorPage = z.infer<typeof CursorPageSchema>;
