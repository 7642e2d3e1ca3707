import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '@hotdata-dlt/core';
import { afterEach, describe, expect, it } from 'vitest';
import { startHotdataLocal } from '../src/index.ts';

const saved = { ...process.env };
afterEach(() => {
  for (const name of Object.keys(process.env))
    if (name.startsWith('HOTDATA_LOCAL_')) delete process.env[name];
  Object.assign(process.env, saved);
});

describe('options', () => {
  it('refuses an invalid option with a ConfigurationError naming the option and its env var', async () => {
    const error = await startHotdataLocal({ port: 70_000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/option 'port' \(env HOTDATA_LOCAL_PORT\)/);
    const faults = await startHotdataLocal({ faults: { rate: 2 } }).catch((caught: unknown) => caught);
    expect((faults as Error).message).toMatch(/option 'faults\.rate'/);
    process.env.HOTDATA_LOCAL_PREVIEW_LIMIT = 'lots';
    const variable = await startHotdataLocal().catch((caught: unknown) => caught);
    expect((variable as Error).message).toMatch(/HOTDATA_LOCAL_PREVIEW_LIMIT='lots' is not a number/);
  });

  it('reads HOTDATA_LOCAL_* env vars, and explicit options win over them', async () => {
    process.env.HOTDATA_LOCAL_TOKEN = 'hd_from_env';
    process.env.HOTDATA_LOCAL_WORKSPACE = 'ws_env';
    const local = await startHotdataLocal({ workspaceId: 'ws_option' });
    try {
      expect(local.token).toBe('hd_from_env');
      expect(local.workspaceId).toBe('ws_option');
      const response = await fetch(`${local.url}/v1/databases`, {
        headers: { authorization: 'Bearer hd_from_env', 'x-workspace-id': 'ws_env' },
      });
      expect(response.status).toBe(403);
    } finally {
      await local.close();
    }
  });

  it('explains a data dir held by another server and a port already in use', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hotdata-local-busy-'));
    const first = await startHotdataLocal({ dataDir });
    try {
      const busyDir = await startHotdataLocal({ dataDir }).catch((caught: unknown) => caught);
      expect(busyDir).toBeInstanceOf(ConfigurationError);
      expect((busyDir as Error).message).toMatch(/in use by another hotdata-local server/);
      const port = Number(new URL(first.url).port);
      const busyPort = await startHotdataLocal({ port }).catch((caught: unknown) => caught);
      expect(busyPort).toBeInstanceOf(ConfigurationError);
      expect((busyPort as Error).message).toMatch(
        new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\)`),
      );
    } finally {
      await first.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
