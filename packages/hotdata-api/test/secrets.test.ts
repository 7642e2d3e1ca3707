import { afterAll, describe, expect, it } from 'vitest';
import { createHotdataClient } from '../src/index.ts';
import { everyRendering, failure, loadOk, recordingLogger, stubClient, TOKEN, target } from './helpers.ts';
import { closedPort, type StubServer } from './stub-server.ts';

// Every log line and every rendering of every error of this file (message, stack, JSON, a deep
// inspect with causes) is scanned for the token at the end.
const logger = recordingLogger();
const renderings: string[] = [];
const servers: StubServer[] = [];

async function collect(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  const error = await failure(promise);
  renderings.push(everyRendering(error));
  return error;
}

afterAll(async () => {
  for (const server of servers) await server.close();
  const texts = [...logger.lines, ...renderings];
  expect(logger.lines.length).toBeGreaterThan(5);
  expect(renderings.length).toBeGreaterThan(5);
  for (const text of texts) {
    expect(text).not.toContain(TOKEN);
    expect(text.toLowerCase()).not.toContain('authorization');
  }
});

describe('the token never leaks', () => {
  it('is redacted when the server echoes it in an error message', async () => {
    const { server, client } = await stubClient(
      () => ({
        status: 400,
        body: { error: { code: 'BAD_REQUEST', message: `token ${TOKEN} is not valid here` } },
      }),
      { logger },
    );
    servers.push(server);
    const error = await collect(client.databases.create({ name: 'x' }));
    expect(error.message).toContain('[REDACTED]');
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('is absent from retries, lost responses, timeouts and job failures', async () => {
    const { server, client } = await stubClient(
      (request, index) => {
        if (request.path.endsWith('/loads') && request.body.includes('"replace"'))
          return index < 2 ? { status: 429, headers: { 'retry-after': '0' } } : loadOk;
        if (request.path.endsWith('/loads')) return 'drop-after-read';
        if (request.path.startsWith('/v1/jobs')) {
          return {
            status: 200,
            body: {
              id: 'j',
              job_type: 'managed_load',
              status: 'failed',
              attempts: 1,
              created_at: 't',
              error_message: `auth ${TOKEN}`,
            },
          };
        }
        return 'hang';
      },
      { logger, requestTimeoutMs: 100 },
    );
    servers.push(server);
    await client.loads.load(target, { mode: 'replace', upload_id: 'u' });
    await collect(client.loads.load(target, { mode: 'append', data: 'a\n1\n' }));
    await collect(client.databases.get('db1'));
    await collect(client.jobs.waitFor('j'));
    expect(logger.lines.some((line) => line.startsWith('warn hotdata request failed, retrying'))).toBe(true);
  });

  it('is absent from a network error, including its cause', async () => {
    const port = await closedPort();
    const client = createHotdataClient({
      apiUrl: `http://127.0.0.1:${port}`,
      apiKey: TOKEN,
      workspaceId: 'ws',
      maxRetries: 1,
      retryBackoffSeconds: 0.001,
      logger,
    });
    const error = await collect(client.databases.get('db1'));
    expect(error).toMatchObject({ kind: 'network' });
    expect(error.cause).toBeInstanceOf(Error);
    await collect(client.loads.load(target, { mode: 'append', data: 'a\n1\n' }));
  });

  it('is absent from an aborted request', async () => {
    const { server, client } = await stubClient(() => 'hang', { logger });
    servers.push(server);
    const controller = new AbortController();
    const pending = collect(client.query('select 1', { databaseId: 'db1', signal: controller.signal }));
    setTimeout(() => controller.abort(new Error(`stop ${TOKEN}`)), 50);
    expect(await pending).toMatchObject({ kind: 'aborted' });
  });
});
