import { type ChildProcess, spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HotdataLocal } from '@hotdata-dlt/hotdata-local';
import { afterAll } from 'vitest';

export const runnerDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const cliPath = join(runnerDir, 'src', 'cli.ts');

/**
 * A temporary project folder whose `node_modules/@hotdata-dlt/*` link to the workspace packages (and the
 * runner itself), so a `hotdata-dlt.config.ts` written there imports them as a user's would. Removed
 * after the test file.
 */
export function useProjects(): (files: Record<string, string>) => string {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  return (files) => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'hotdata-dlt-runner-')));
    dirs.push(dir);
    const scope = join(dir, 'node_modules', '@hotdata-dlt');
    mkdirSync(scope, { recursive: true });
    const installed = join(runnerDir, 'node_modules', '@hotdata-dlt');
    for (const name of readdirSync(installed))
      symlinkSync(realpathSync(join(installed, name)), join(scope, name));
    symlinkSync(runnerDir, join(scope, 'runner'));
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    return dir;
  };
}

/** Environment of a spawned CLI: nothing inherited but PATH and HOME; CI set so no network probe runs. */
export function cliEnv(
  local: HotdataLocal | undefined,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
    CI: '1',
    NO_COLOR: '1',
    HOTDATA_RETRY_BACKOFF_SECONDS: '0.01',
    ...(local
      ? { HOTDATA_API_URL: local.url, HOTDATA_API_KEY: local.token, HOTDATA_WORKSPACE: local.workspaceId }
      : {}),
    ...extra,
  };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The CLI as a child process, run from source as the root `demo` script does. */
export function spawnCli(
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): ChildProcess {
  return spawn(process.execPath, ['--conditions=@hotdata-dlt/source', cliPath, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Collects the output of a child until it exits. */
export function collect(child: ChildProcess): { result: Promise<CliResult>; output: () => CliResult } {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const result = new Promise<CliResult>((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
  return { result, output: () => ({ code: null, signal: null, stdout, stderr }) };
}

/** Runs the CLI to completion. */
export function runCli(
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<CliResult> {
  return collect(spawnCli(args, options)).result;
}

/** Polls `predicate` every 50 ms until it holds; fails after `timeoutMs` with `describe()` in the message. */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs: number,
  describe: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 50));
  }
}

let counter = 0;
/** A database name unique to this test process. */
export function uniqueDatabase(prefix: string): string {
  counter += 1;
  return `${prefix}_${process.pid}_${counter}`;
}
