import { inspect } from 'node:util';
import type { LogFields, Logger } from '@hotdata-dlt/core';
import { createHotdataClient, type HotdataClient, type HotdataClientOptions } from '../src/index.ts';
import { type StubAnswer, type StubRequest, type StubServer, startStubServer } from './stub-server.ts';

export const TOKEN = 'hd_unit_secret_token_0123456789';

/** A logger keeping every line (message + fields) for later scans. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const record = (level: string) => (message: string, fields?: LogFields) =>
    lines.push(`${level} ${message} ${JSON.stringify(fields)}`);
  return {
    lines,
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
}

/** Awaits a promise that must fail and returns its error. */
export async function failure(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}

/** Every way an error can end up in a log: message, stack, JSON and a deep inspect (with causes). */
export function everyRendering(error: unknown): string {
  const value = error as Error;
  return [value.message, value.stack, JSON.stringify(value), inspect(value, { depth: 20 })].join('\n');
}

/** Starts a stub server and a client on it (fast backoff, 3 retries, recording logger). */
export async function stubClient(
  answer: (request: StubRequest, index: number) => StubAnswer,
  options: HotdataClientOptions = {},
): Promise<{ server: StubServer; client: HotdataClient; logger: ReturnType<typeof recordingLogger> }> {
  const server = await startStubServer(answer);
  const logger = recordingLogger();
  const client = createHotdataClient({
    apiUrl: `${server.url}/v1/`,
    apiKey: TOKEN,
    workspaceId: 'ws_1',
    retryBackoffSeconds: 0.001,
    maxRetries: 3,
    pollIntervalMs: 5,
    logger,
    ...options,
  });
  return { server, client, logger };
}

export const loadOk = {
  status: 200,
  body: {
    connection_id: 'c',
    schema_name: 'public',
    table_name: 'orders',
    row_count: 3,
    arrow_schema_json: '{}',
  },
};

export const databaseDetail = {
  status: 200,
  body: {
    id: 'db1',
    name: 'shop',
    default_catalog: 'default',
    default_connection_id: 'conn1',
    default_schema: 'public',
    attachments: [],
  },
};

export const target = { databaseId: 'db1', schema: 'public', table: 'orders' };
