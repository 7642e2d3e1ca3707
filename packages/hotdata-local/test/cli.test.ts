import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const children: ChildProcess[] = [];

/** Runs the CLI from source (as documented) and waits for the lines it prints on start. */
async function startCli(args: string[]): Promise<{ output: string; url: string; token: string }> {
  const child = spawn(process.execPath, ['--conditions=@hotdata-dlt/source', cli, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/data: /.test(output)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`hotdata-local exited with ${code}: ${errors}`)));
  });
  return {
    output,
    url: /HOTDATA_API_URL=(\S+)/.exec(output)![1]!,
    token: /HOTDATA_API_KEY=(\S+)/.exec(output)![1]!,
  };
}

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
});

describe('hotdata-local CLI', () => {
  it('runs from source, prints its URL and token, serves the API and passes fault flags through', async () => {
    const started = await startCli([
      '--port',
      '0',
      '--token',
      'hd_cli_test',
      '--workspace',
      'ws_cli',
      '--lock-rate',
      '1',
    ]);
    expect(started.output).toMatch(/hotdata-local listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(started.token).toBe('hd_cli_test');
    expect(started.output).toContain('HOTDATA_WORKSPACE=ws_cli');
    const headers = {
      authorization: `Bearer ${started.token}`,
      'x-workspace-id': 'ws_cli',
      'content-type': 'application/json',
    };
    const workspaces = await fetch(`${started.url}/v1/workspaces`, { headers });
    expect(await workspaces.json()).toMatchObject({ workspaces: [{ public_id: 'ws_cli' }] });
    const database = (await (
      await fetch(`${started.url}/v1/databases`, { method: 'POST', headers, body: '{"name":"cli"}' })
    ).json()) as { id: string };
    // --lock-rate 1: every load is answered as if another load held the database lock.
    const load = await fetch(`${started.url}/v1/databases/${database.id}/schemas/public/tables/t/loads`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ mode: 'append', data: 'a\n1\n' }),
    });
    expect(load.status).toBe(409);
    expect(await load.json()).toMatchObject({ error: { code: 'RESOURCE_LOCKED' } });
  });

  it('refuses an unknown flag with the usage text and exit code 2', async () => {
    const child = spawn(process.execPath, ['--conditions=@hotdata-dlt/source', cli, '--nope'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(errors).toMatch(/Usage: hotdata-local/);
  });
});
