import { afterEach, describe, expect, it } from 'vitest';
import { type ReplayServer, startReplayServer } from './server.ts';

let server: ReplayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('startReplayServer', () => {
  it('serves routes, records requests and plays scripted faults once', async () => {
    server = await startReplayServer((request) => ({
      body: { path: request.path, q: request.query.get('q') },
    }));
    server.fail({
      match: (request) => request.path === '/limited',
      response: { status: 429, headers: { 'retry-after': '1' } },
    });

    const first = await fetch(`${server.url}/limited?q=1`);
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('1');
    const second = await fetch(`${server.url}/limited?q=2`);
    expect(await second.json()).toEqual({ path: '/limited', q: '2' });
    expect(server.requests.map((request) => request.query.get('q'))).toEqual(['1', '2']);
  });

  it('drops connections on request', async () => {
    server = await startReplayServer(() => ({ drop: true }));
    await expect(fetch(`${server.url}/x`)).rejects.toThrow();
  });
});
