// Progress on a real pseudo-terminal (util-linux `script`) against plain lines when stdout is a pipe.
import { spawn, spawnSync } from 'node:child_process';
import { useHotdataLocal } from '@hotdata-dlt/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, cliPath, collect, runCli, uniqueDatabase, useProjects } from './helpers.ts';

const local = useHotdataLocal();
const project = useProjects();

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
const reason = hasScript ? undefined : '`script` (util-linux) is not installed';
if (reason) console.log(`tty.test.ts skipped: ${reason}`);

const CONFIG = `
import { resource, source } from '@hotdata-dlt/core';
import { defineConfig } from '@hotdata-dlt/runner';

const events = resource(
  async function* () {
    for (let page = 0; page < 3; page++) {
      yield Array.from({ length: 400 }, (_, index) => ({ id: page * 400 + index, kind: index % 2 ? 'click' : 'view', tags: ['a', 'b'] }));
    }
  },
  { name: 'events', writeDisposition: 'append' },
);
const users = resource([{ id: 1, name: 'Ada' }, { id: 2, name: 'Linus' }], { name: 'users', primaryKey: 'id', writeDisposition: 'merge' });

export default defineConfig({
  destination: { databaseName: process.env.TEST_DATABASE },
  pipelines: [{ name: 'web', source: () => source('web', () => [events, users])() }],
});
`;

const shellQuote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;
// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escape sequences
const stripAnsi = (text: string) => text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');

let dir: string;
let env: NodeJS.ProcessEnv;
beforeAll(() => {
  dir = project({ 'hotdata-dlt.config.ts': CONFIG });
  env = cliEnv(local(), { TEST_DATABASE: uniqueDatabase('runner_tty') });
});

describe('progress rendering', () => {
  it.skipIf(reason)('redraws a live frame per resource and table on a terminal', async () => {
    const command = `stty cols 120 rows 40 2>/dev/null; exec ${shellQuote(process.execPath)} --conditions=@hotdata-dlt/source ${shellQuote(cliPath)} run web`;
    const { CI: _ci, NO_COLOR: _noColor, ...terminalEnv } = env;
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: dir,
      env: { ...terminalEnv, TERM: 'xterm-256color' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const result = await collect(child).result;
    expect(result.code).toBe(0);
    const screen = result.stdout;
    // Cursor hidden, lines erased and redrawn: a live frame, not a log.
    expect(screen).toContain('\u001b[?25l');
    expect(screen).toContain('\u001b[2K');
    expect(screen).toContain('\u001b[32m✔'); // coloured on a terminal
    const text = stripAnsi(screen).replaceAll('\r', '');
    expect(text).toMatch(/✔ web · loaded · [\d.]+s/);
    expect(text).toMatch(/extract\s+events\s+1,200 rows\s+✔/);
    expect(text).toMatch(/users\s+2 rows\s+✔/);
    expect(text).toMatch(/normalize\s+events\s+1,200 rows\s+1 file/);
    expect(text).toMatch(/events__tags\s+2,400 rows\s+1 file/);
    expect(text).toMatch(/load\s+events\s+1,200 rows\s+✔ [\d.]+s/);
    expect(text).toMatch(/events__tags\s+2,400 rows\s+✔/);
    // No plain progress lines on a terminal; the closing summary still follows the frame.
    expect(text).not.toContain('web: extract events');
    expect(text).toMatch(/pipeline\s+table\s+rows\s+disposition\s+seconds\n/);
    expect(text).toMatch(/web\s+events__tags\s+2400\s+append\s+[\d.]+/);
  });

  it('falls back to plain lines when stdout is not a terminal', async () => {
    const result = await runCli(['run', 'web'], { cwd: dir, env: { ...env, CI: '' } });
    expect(result.code).toBe(0);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escape sequences
    expect(result.stdout).not.toMatch(/\u001b/);
    expect(result.stdout).toContain('web: extract events: 1,200 rows');
    expect(result.stdout).toContain('web: normalize events__tags: 2,400 rows');
    expect(result.stdout).toMatch(
      /web: load events completed in [\d.]+s \(events 1,200 rows, events__tags 2,400 rows\)/,
    );
  });

  it.skipIf(reason)('prints plain lines on a terminal with --plain', async () => {
    const command = `exec ${shellQuote(process.execPath)} --conditions=@hotdata-dlt/source ${shellQuote(cliPath)} --plain run web`;
    const { CI: _ci, ...terminalEnv } = env;
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: dir,
      env: { ...terminalEnv, TERM: 'xterm-256color' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const result = await collect(child).result;
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('\u001b[2K');
    expect(result.stdout).toContain('web: extract users: 2 rows');
  });
});
