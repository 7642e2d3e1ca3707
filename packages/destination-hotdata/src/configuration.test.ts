import { ConfigurationError } from '@hotdata-dlt/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hotdataCapabilities } from './capabilities.ts';
import { resolveConfiguration } from './configuration.ts';
import { hotdata } from './hotdata.ts';

const VARIABLES = [
  'HOTDATA_API_KEY',
  'HOTDATA_WORKSPACE',
  'HOTDATA_API_URL',
  'HOTDATA_DATABASE',
  'HOTDATA_SCHEMA',
  'HOTDATA_WRITE_DISPOSITION',
  'HOTDATA_DECLARED_TABLES',
  'HOTDATA_MAX_RETRIES',
  'HOTDATA_RETRY_BACKOFF_SECONDS',
  'HOTDATA_MERGE_EXECUTION',
  'HOTDATA_IDEMPOTENCY_COLUMNS',
  'HOTDATA_ASYNC_LOADS',
  'HOTDATA_CREATE_DATABASE_IF_MISSING',
  'HOTDATA_SCHEMA_FROM_DATASET',
];
let saved: Record<string, string | undefined>;
beforeEach(() => {
  saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
  for (const name of VARIABLES) delete process.env[name];
});
afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('hotdata() options', () => {
  it('has the documented defaults', () => {
    const configuration = resolveConfiguration();
    expect(configuration).toMatchObject({
      apiUrl: 'https://api.hotdata.dev',
      databaseName: 'dlt',
      schema: 'public',
      schemaFromDataset: false,
      writeDisposition: 'append',
      declaredTables: [],
      createDatabaseIfMissing: true,
      maxRetries: 5,
      retryBackoffSeconds: 1,
      maxTableNesting: undefined,
      mergeExecution: 'auto',
      idempotencyColumns: false,
      asyncLoads: true,
    });
  });

  it('reads every HOTDATA_* variable, and an explicit option wins over it', () => {
    Object.assign(process.env, {
      HOTDATA_API_KEY: 'hd_env',
      HOTDATA_WORKSPACE: 'ws_env',
      HOTDATA_API_URL: 'http://127.0.0.1:9/v1/',
      HOTDATA_DATABASE: 'sales',
      HOTDATA_SCHEMA: 'Raw',
      HOTDATA_WRITE_DISPOSITION: 'merge',
      HOTDATA_DECLARED_TABLES: 'orders, orders__items ,events',
      HOTDATA_MAX_RETRIES: '2',
      HOTDATA_RETRY_BACKOFF_SECONDS: '0.5',
      HOTDATA_MERGE_EXECUTION: 'client',
      HOTDATA_IDEMPOTENCY_COLUMNS: 'true',
      HOTDATA_ASYNC_LOADS: 'false',
    });
    const fromEnv = resolveConfiguration();
    expect(fromEnv).toMatchObject({
      apiUrl: 'http://127.0.0.1:9',
      databaseName: 'sales',
      schema: 'raw',
      writeDisposition: 'merge',
      declaredTables: ['orders', 'orders__items', 'events'],
      maxRetries: 2,
      retryBackoffSeconds: 0.5,
      mergeExecution: 'client',
      idempotencyColumns: true,
      asyncLoads: false,
    });
    expect(fromEnv.credentials()).toEqual({ apiKey: 'hd_env', workspaceId: 'ws_env' });
    const explicit = resolveConfiguration({ databaseName: 'other', maxRetries: 0, apiKey: 'hd_option' });
    expect(explicit.databaseName).toBe('other');
    expect(explicit.maxRetries).toBe(0);
    expect(explicit.credentials().apiKey).toBe('hd_option');
  });

  it('names the option and its environment variable when credentials are missing', async () => {
    expect(() => resolveConfiguration().credentials()).toThrow(/apiKey option or set HOTDATA_API_KEY/);
    expect(() => resolveConfiguration({ apiKey: 'hd_x' }).credentials()).toThrow(
      /workspaceId option or set HOTDATA_WORKSPACE/,
    );
    // The factory itself works without secrets; opening a client needs them.
    const destination = hotdata({ workspaceId: 'ws' });
    const error = await destination
      .client({ schema: undefined as never, datasetName: 'd', logger: console as never })
      .catch((caught: unknown) => caught);
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/HOTDATA_API_KEY/);
  });

  it('turns invalid values into a ConfigurationError naming option and variable', () => {
    expect(() => resolveConfiguration({ schema: '1bad' })).toThrow(/option 'schema' \(env HOTDATA_SCHEMA\)/);
    expect(() => resolveConfiguration({ declaredTables: ['ok', 'select'] })).toThrow(
      /'declaredTables' \(env HOTDATA_DECLARED_TABLES\) \(item 1\).*reserved word/,
    );
    process.env.HOTDATA_WRITE_DISPOSITION = 'upsert';
    expect(() => resolveConfiguration()).toThrow(/'writeDisposition' \(env HOTDATA_WRITE_DISPOSITION\)/);
    delete process.env.HOTDATA_WRITE_DISPOSITION;
    process.env.HOTDATA_MAX_RETRIES = 'many';
    expect(() => resolveConfiguration()).toThrow(/HOTDATA_MAX_RETRIES='many' is not a number/);
    delete process.env.HOTDATA_MAX_RETRIES;
    expect(() => resolveConfiguration({ mergeExecution: 'sometimes' as never })).toThrow(/'mergeExecution'/);
    expect(() => resolveConfiguration({ apiUrl: 'ftp://x' })).toThrow(/'apiUrl' \(env HOTDATA_API_URL\)/);
  });

  it('describes itself without secrets and exposes the default disposition', () => {
    const destination = hotdata({ apiKey: 'hd_secret_value', workspaceId: 'ws', writeDisposition: 'merge' });
    expect(destination.defaultWriteDisposition).toBe('merge');
    expect(JSON.stringify(destination.describe?.())).not.toContain('hd_secret_value');
    expect(JSON.stringify(destination.settings)).not.toContain('hd_secret_value');
  });
});

describe('capabilities', () => {
  it('load Parquet only, every merge strategy, sequential loads, 128-character lowercase identifiers', () => {
    const capabilities = hotdataCapabilities();
    expect(capabilities.supportedLoaderFileFormats).toEqual(['parquet']);
    expect(capabilities.supportedMergeStrategies).toEqual(['delete-insert', 'upsert', 'insert-only', 'scd2']);
    expect(capabilities.loaderParallelismStrategy).toBe('sequential');
    expect(capabilities.maxIdentifierLength).toBe(128);
    expect(capabilities.hasCaseSensitiveIdentifiers).toBe(false);
    expect(capabilities.maxTableNesting).toBeUndefined();
    expect(hotdataCapabilities({ maxTableNesting: 2 }).maxTableNesting).toBe(2);
  });
});
