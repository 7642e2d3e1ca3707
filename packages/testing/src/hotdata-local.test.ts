import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startLocalForTest, useHotdataLocal } from './hotdata-local.ts';

const local = useHotdataLocal({ token: 'hd_helper' });

describe('useHotdataLocal', () => {
  it('serves one hotdata-local on 127.0.0.1 for the whole file', async () => {
    expect(local().url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${local().url}/v1/workspaces`, {
      headers: { authorization: 'Bearer hd_helper' },
    });
    expect(response.status).toBe(200);
  });
});

describe('startLocalForTest', () => {
  it('uses a fresh temporary data dir and removes it on close', async () => {
    const started = await startLocalForTest();
    expect(started.temporary).toBe(true);
    expect(existsSync(started.dataDir)).toBe(true);
    await started.close();
    expect(existsSync(started.dataDir)).toBe(false);
  });

  it('keeps a data dir it was given', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hotdata-local-kept-'));
    try {
      const started = await startLocalForTest({ dataDir });
      expect(started.dataDir).toBe(dataDir);
      await started.close();
      expect(existsSync(join(dataDir, 'results.duckdb'))).toBe(true);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
