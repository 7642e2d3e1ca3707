import { randomBytes } from 'node:crypto';
import {
  ConfigurationError,
  envBoolean,
  envNumber,
  envString,
  type Logger,
  noopLogger,
} from '@hotdata-dlt/core';
import { z } from 'zod';
import type { FaultOptions } from './faults.ts';

/** Options of `startHotdataLocal`. Explicit option > environment variable > default. */
export interface HotdataLocalOptions {
  /** TCP port; `0` picks a free one. Env `HOTDATA_LOCAL_PORT`, default `0` (the CLI defaults to 8787). */
  port?: number;
  /** Interface to listen on. Env `HOTDATA_LOCAL_HOST`, default `127.0.0.1`. */
  host?: string;
  /** Folder for data and metadata, kept across restarts. Env `HOTDATA_LOCAL_DATA_DIR`, default: a temporary folder removed on close. */
  dataDir?: string;
  /** Accepted bearer token(s). Env `HOTDATA_LOCAL_TOKEN` (comma-separated), default: one random `hd_local_…` token. */
  token?: string | string[];
  /** Workspace public id(s). Env `HOTDATA_LOCAL_WORKSPACE` (comma-separated), default `ws_local`. */
  workspaceId?: string | string[];
  /** Emulate servers before June 2026: only tables declared at database creation can be loaded. Env `HOTDATA_LOCAL_LEGACY_DECLARED_TABLES` (`true`/`false`), default `false`. */
  legacyDeclaredTables?: boolean;
  /** `false` emulates servers before July 2026: loads know only `replace` and `append`, and `upsert`, `update` and `delete` are a 400 "Unknown mode". Env `HOTDATA_LOCAL_KEY_LOAD_MODES` (`true`/`false`), default `true`. */
  keyLoadModes?: boolean;
  /** `false` answers `POST /v1/uploads` with 501 so clients fall back to `POST /v1/files`. No env var, default `true`. */
  presign?: boolean;
  /** Inline query preview cap in rows. Env `HOTDATA_LOCAL_PREVIEW_LIMIT`, default 10000. */
  previewRowLimit?: number;
  /** Smallest non-final multipart part in bytes. No env var, default 5 MiB. */
  minPartSizeBytes?: number;
  /** Largest upload in bytes. No env var, default 5 GiB. */
  maxUploadBytes?: number;
  /** Deterministic fault injection. No env var (CLI flags `--fault-*`), default: off. */
  faults?: FaultOptions;
  /** Receives one debug line per request (never a header or token) and unexpected errors. No env var, default: drops every line. */
  logger?: Logger;
}

export interface ResolvedOptions {
  port: number;
  host: string;
  dataDir: string | undefined;
  tokens: string[];
  workspaces: string[];
  legacyDeclaredTables: boolean;
  keyLoadModes: boolean;
  presign: boolean;
  previewRowLimit: number;
  minPartSizeBytes: number;
  maxUploadBytes: number;
  faults: FaultOptions;
  logger: Logger;
}

const rate = z.number().min(0).max(1);
const OptionsSchema = z.object({
  port: z.number().int().min(0).max(65_535),
  host: z.string().min(1),
  dataDir: z.string().min(1).optional(),
  tokens: z.array(z.string().regex(/^\S+$/, 'must be non-empty without whitespace')).min(1),
  workspaces: z.array(z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, _ or -')).min(1),
  legacyDeclaredTables: z.boolean(),
  keyLoadModes: z.boolean(),
  presign: z.boolean(),
  previewRowLimit: z.number().int().positive(),
  minPartSizeBytes: z.number().int().positive(),
  maxUploadBytes: z.number().int().positive(),
  faults: z.object({
    seed: z.number().int().optional(),
    rate: rate.optional(),
    statuses: z.array(z.number().int().min(400).max(599)).optional(),
    retryAfterSeconds: z.number().int().min(0).optional(),
    latencyMs: z.union([z.number().min(0), z.tuple([z.number().min(0), z.number().min(0)])]).optional(),
    dropRate: rate.optional(),
    dropResponseRate: rate.optional(),
    lockRate: rate.optional(),
    slowLoadMs: z.number().min(0).optional(),
    pathPattern: z.instanceof(RegExp).optional(),
  }),
});

const ENV_OF: Record<string, string> = {
  port: 'HOTDATA_LOCAL_PORT',
  host: 'HOTDATA_LOCAL_HOST',
  dataDir: 'HOTDATA_LOCAL_DATA_DIR',
  tokens: 'HOTDATA_LOCAL_TOKEN',
  workspaces: 'HOTDATA_LOCAL_WORKSPACE',
  legacyDeclaredTables: 'HOTDATA_LOCAL_LEGACY_DECLARED_TABLES',
  keyLoadModes: 'HOTDATA_LOCAL_KEY_LOAD_MODES',
  previewRowLimit: 'HOTDATA_LOCAL_PREVIEW_LIMIT',
};
const OPTION_OF: Record<string, string> = { tokens: 'token', workspaces: 'workspaceId' };

function list(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value : [value];
}

function envList(name: string): string[] | undefined {
  return envString(name)
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** Applies option > env var > default and validates the result; a problem is a ConfigurationError. */
export function resolveOptions(options: HotdataLocalOptions): ResolvedOptions {
  const candidate = {
    port: options.port ?? envNumber('HOTDATA_LOCAL_PORT') ?? 0,
    host: options.host ?? envString('HOTDATA_LOCAL_HOST') ?? '127.0.0.1',
    dataDir: options.dataDir ?? envString('HOTDATA_LOCAL_DATA_DIR'),
    tokens: list(options.token) ??
      envList('HOTDATA_LOCAL_TOKEN') ?? [`hd_local_${randomBytes(12).toString('hex')}`],
    workspaces: list(options.workspaceId) ?? envList('HOTDATA_LOCAL_WORKSPACE') ?? ['ws_local'],
    legacyDeclaredTables:
      options.legacyDeclaredTables ?? envBoolean('HOTDATA_LOCAL_LEGACY_DECLARED_TABLES') ?? false,
    keyLoadModes: options.keyLoadModes ?? envBoolean('HOTDATA_LOCAL_KEY_LOAD_MODES') ?? true,
    presign: options.presign ?? true,
    previewRowLimit: options.previewRowLimit ?? envNumber('HOTDATA_LOCAL_PREVIEW_LIMIT') ?? 10_000,
    minPartSizeBytes: options.minPartSizeBytes ?? 5 * 1024 * 1024,
    maxUploadBytes: options.maxUploadBytes ?? 5 * 1024 * 1024 * 1024,
    faults: options.faults ?? {},
  };
  const parsed = OptionsSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = String(issue.path[0]);
    const option = [OPTION_OF[field] ?? field, ...issue.path.slice(1).map(String)].join('.');
    const variable = ENV_OF[field];
    throw new ConfigurationError(
      `hotdata-local option '${option}'${variable ? ` (env ${variable})` : ''}: ${issue.message}.`,
      { cause: parsed.error },
    );
  }
  return {
    ...parsed.data,
    dataDir: parsed.data.dataDir,
    faults: parsed.data.faults as FaultOptions,
    logger: options.logger ?? noopLogger,
  };
}
