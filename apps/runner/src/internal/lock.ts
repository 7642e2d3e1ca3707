import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { HotdataDltError } from '@hotdata-dlt/core';

/** Another process is running the same pipeline. */
export class PipelineBusyError extends HotdataDltError {
  constructor(message: string) {
    super(message, { code: 'PIPELINE_BUSY', isRetryable: true });
    this.name = 'PipelineBusyError';
  }
}

interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock file of a pipeline so that no two processes (a `schedule` and a manual `run`) work on
 * its folder at once. The file holds the owner's pid; a lock whose process is gone on this machine is
 * stale and taken over. Returns the release function.
 */
export async function acquireLock(path: string, pipelineName: string): Promise<() => Promise<void>> {
  await mkdir(dirname(path), { recursive: true });
  const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(JSON.stringify(me));
      } finally {
        await handle.close();
      }
      return async () => {
        const owner = await readOwner(path);
        if (owner?.pid === me.pid && owner.host === me.host) await rm(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = await readOwner(path);
    const stale = owner === undefined || (owner.host === me.host && !isAlive(owner.pid));
    if (!stale) {
      throw new PipelineBusyError(
        `Pipeline '${pipelineName}' is busy: process ${owner.pid} on ${owner.host} has been working on it since ${owner.since}. Wait for it to finish; if that process no longer exists, delete ${path}.`,
      );
    }
    await rm(path, { force: true });
  }
  throw new PipelineBusyError(
    `Pipeline '${pipelineName}' is busy: another process took its lock ${path} first.`,
  );
}
