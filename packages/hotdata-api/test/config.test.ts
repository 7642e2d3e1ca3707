import { ConfigurationError } from '@hotdata-dlt/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHotdataClient, normalizeApiUrl } from '../src/index.ts';
import { databaseDetail, failure, TOKEN } from './helpers.ts';
import { type StubServer, startStubServer } from './stub-server.ts';

const ENV = [
  'HOTDATA_API_URL',
  'HOTDATA_API_KEY',
  'HOTDATA_WORKSPACE',
  'HOTDATA_MAX_RETRIES',
  'HOTDATA_RETRY_BACKOFF_SECONDS',
];

let server: StubServer | undefined;
beforeEach(() => {
  for (const name of ENV) vi.stubEnv(name, undefined);
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await server?.close();
  server = undefined;
});

/** A server failing every request with 503 until `healthy`, to count attempts. */
async function flakyServer() {
  server = await startStubServer(() => ({
    status: 503,
    body: { error: { code: 'SERVICE_UNAVAILABLE', message: 'down' } },
  }));
  return server;
}

describe('configuration', () => {
  it('defaults to the hosted API URL and normalises a trailing /v1', () => {
    expect(createHotdataClient().apiUrl).toBe('https://api.hotdata.dev');
    expect(normalizeApiUrl('http://127.0.0.1:8787/v1/')).toBe('http://127.0.0.1:8787');
    expect(normalizeApiUrl('http://127.0.0.1:8787//')).toBe('http://127.0.0.1:8787');
  });

  it('reads every option from the environment', async () => {
    server = await startStubServer(() => databaseDetail);
    vi.stubEnv('HOTDATA_API_URL', `${server.url}/v1`);
    vi.stubEnv('HOTDATA_API_KEY', TOKEN);
    vi.stubEnv('HOTDATA_WORKSPACE', 'ws_env');
    const client = createHotdataClient();
    expect(client.apiUrl).toBe(server.url);
    expect(client.workspaceId).toBe('ws_env');
    await client.databases.get('db1');
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(server.requests[0]!.headers['x-workspace-id']).toBe('ws_env');
  });

  it('takes HOTDATA_MAX_RETRIES and HOTDATA_RETRY_BACKOFF_SECONDS from the environment', async () => {
    const flaky = await flakyServer();
    vi.stubEnv('HOTDATA_MAX_RETRIES', '2');
    vi.stubEnv('HOTDATA_RETRY_BACKOFF_SECONDS', '0.001');
    const client = createHotdataClient({ apiUrl: flaky.url, apiKey: TOKEN, workspaceId: 'ws' });
    await failure(client.databases.get('db1'));
    expect(flaky.requests).toHaveLength(3);
  });

  it('prefers an explicit option over the environment', async () => {
    const flaky = await flakyServer();
    vi.stubEnv('HOTDATA_API_URL', 'http://127.0.0.1:9');
    vi.stubEnv('HOTDATA_API_KEY', 'hd_from_env');
    vi.stubEnv('HOTDATA_WORKSPACE', 'ws_env');
    vi.stubEnv('HOTDATA_MAX_RETRIES', '7');
    const client = createHotdataClient({
      apiUrl: flaky.url,
      apiKey: TOKEN,
      workspaceId: 'ws_option',
      maxRetries: 1,
      retryBackoffSeconds: 0.001,
    });
    await failure(client.databases.get('db1'));
    expect(flaky.requests).toHaveLength(2);
    expect(flaky.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(flaky.requests[0]!.headers['x-workspace-id']).toBe('ws_option');
  });

  it('uses 5 retries by default', async () => {
    const flaky = await flakyServer();
    const client = createHotdataClient({
      apiUrl: flaky.url,
      apiKey: TOKEN,
      workspaceId: 'ws',
      retryBackoffSeconds: 0.001,
    });
    await failure(client.databases.get('db1'));
    expect(flaky.requests).toHaveLength(6);
  });

  it('reads the API key lazily, at the first request', async () => {
    server = await startStubServer(() => databaseDetail);
    const client = createHotdataClient({ apiUrl: server.url, workspaceId: 'ws' });
    vi.stubEnv('HOTDATA_API_KEY', TOKEN);
    await client.databases.get('db1');
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('names the option and env var when the API key or workspace is missing', async () => {
    const noKey = createHotdataClient({ apiUrl: 'http://127.0.0.1:9', workspaceId: 'ws' });
    const keyError = await failure(noKey.databases.get('x'));
    expect(keyError).toBeInstanceOf(ConfigurationError);
    expect(keyError.message).toMatch(/apiKey option or set HOTDATA_API_KEY/);
    const noWorkspace = createHotdataClient({ apiUrl: 'http://127.0.0.1:9', apiKey: TOKEN });
    const workspaceError = await failure(noWorkspace.databases.get('x'));
    expect(workspaceError).toBeInstanceOf(ConfigurationError);
    expect(workspaceError.message).toMatch(/workspaceId option or set HOTDATA_WORKSPACE/);
  });

  it('does not need a workspace to list workspaces', async () => {
    server = await startStubServer(() => ({ status: 200, body: { workspaces: [] } }));
    const client = createHotdataClient({ apiUrl: server.url, apiKey: TOKEN });
    await expect(client.workspaces.list()).resolves.toEqual([]);
  });

  it('turns invalid values into a ConfigurationError naming the option and env var', () => {
    expect(() => createHotdataClient({ maxRetries: -1 })).toThrow(ConfigurationError);
    expect(() => createHotdataClient({ maxRetries: -1 })).toThrow(
      /option 'maxRetries' \(env HOTDATA_MAX_RETRIES\)/,
    );
    expect(() => createHotdataClient({ apiUrl: 'ftp://example.test' })).toThrow(
      /option 'apiUrl' \(env HOTDATA_API_URL\) must be an http\(s\) URL/,
    );
    vi.stubEnv('HOTDATA_RETRY_BACKOFF_SECONDS', 'fast');
    expect(() => createHotdataClient()).toThrow(/HOTDATA_RETRY_BACKOFF_SECONDS='fast' is not a number/);
  });
});
