import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireLock, PipelineBusyError } from './lock.ts';

const dir = mkdtempSync(join(tmpdir(), 'hotdata-dlt-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('acquireLock', () => {
  it('lets one holder in at a time and frees the lock on release', async () => {
    const path = join(dir, 'shop.lock');
    const release = await acquireLock(path, 'shop');
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    const error = await acquireLock(path, 'shop').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PipelineBusyError);
    expect((error as Error).message).toContain(`Pipeline 'shop' is busy: process ${process.pid}`);
    await release();
    expect(existsSync(path)).toBe(false);
    await (await acquireLock(path, 'shop'))();
  });

  it('takes over a lock whose process is gone', async () => {
    const path = join(dir, 'stale.lock');
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    writeFileSync(
      path,
      JSON.stringify({ pid: Number(gone.stdout), host: hostname(), since: '2024-01-01T00:00:00Z' }),
    );
    const release = await acquireLock(path, 'stale');
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
    await release();
  });
});
