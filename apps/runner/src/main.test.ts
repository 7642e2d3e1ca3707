import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useProjects } from '../test/helpers.ts';
import { probeFred } from './commands/demo.ts';
import { Interrupts } from './internal/interrupts.ts';
import { main } from './main.ts';

const project = useProjects();

function sink() {
  const stream = {
    text: '',
    write(chunk: string) {
      stream.text += chunk;
      return true;
    },
  };
  return stream;
}

async function cli(args: string[], env: NodeJS.ProcessEnv = {}, cwd = process.cwd()) {
  const stdout = sink();
  const stderr = sink();
  const code = await main(['node', 'hotdata-dlt', ...args], {
    io: { stdout, stderr, env: { CI: '1', ...env }, cwd },
    interrupts: new Interrupts(),
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('main (in process)', () => {
  it('prints help and version with exit code 0', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: hotdata-dlt [options] [command]');
    for (const command of ['run', 'list', 'schedule', 'freshness', 'pipeline', 'query', 'local', 'demo']) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
    expect(help.stdout).toContain('Exit codes: 0 ok, 1 a pipeline or query failed');
    expect((await cli(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const pipelineHelp = await cli(['pipeline', '--help']);
    expect(pipelineHelp.stdout).toContain('drop-pending-packages  delete extracted and normalized packages');
  });

  it('exits 2 on usage errors', async () => {
    const unknown = await cli(['deploy']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("error: unknown command 'deploy'");
    expect((await cli(['--log-level', 'loud', 'list'])).code).toBe(2);
    expect((await cli(['pipeline', 'shop', 'explode'])).code).toBe(2);
    expect((await cli(['query'])).code).toBe(2);
  });

  it('exits 2 for an unknown pipeline, listing the defined ones', async () => {
    const dir = project({
      'hotdata-dlt.config.ts': `
        import { defineConfig } from '@hotdata-dlt/runner';
        export default defineConfig({ pipelines: [{ name: 'macro', source: 'fred' }] });
      `,
    });
    // Credentials in the environment: the CLI talks to no server before it refuses the name.
    const result = await cli(['run', 'nope'], { HOTDATA_API_KEY: 'hd_x', HOTDATA_WORKSPACE: 'ws' }, dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `hotdata-dlt: error: Unknown pipeline 'nope'. Pipelines in ${dir}/hotdata-dlt.config.ts: macro.\n`,
    );
    expect((await cli(['query', '--format', 'xml', 'select 1'], {}, dir)).code).toBe(2);
  });

  it('exits 2 without a config file or with only one of the two Hotdata variables', async () => {
    const empty = project({});
    const missing = await cli(['run'], {}, empty);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /^hotdata-dlt: error: No hotdata-dlt\.config\.ts in .* or its parents\. Create one/,
    );

    const dir = project({ 'hotdata-dlt.config.ts': 'export default { pipelines: [] };' });
    const lone = await cli(['list'], { HOTDATA_API_KEY: 'hd_secret_value' }, dir);
    expect(lone.code).toBe(2);
    expect(lone.stderr).toContain('HOTDATA_API_KEY is set but HOTDATA_WORKSPACE is not');
    expect(lone.stderr).not.toContain('hd_secret_value');
  });
});

describe('probeFred', () => {
  it('reports a server that answers as reachable and a closed port as not', async () => {
    const server = createServer((_request, response) => response.writeHead(200).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const signal = new AbortController().signal;
    try {
      expect(await probeFred({ FRED_CSV_BASE_URL: `http://127.0.0.1:${port}` }, signal)).toBeUndefined();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await probeFred({ FRED_CSV_BASE_URL: `http://127.0.0.1:${port}` }, signal)).toBe(
      `127.0.0.1:${port} is not reachable`,
    );
  });
});
