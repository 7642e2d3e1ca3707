// `hotdata-dlt demo` as the README's first command runs it: no Hotdata credentials, an embedded
// hotdata-local in .hotdata-local/, no network (CI is set, so the FRED probe is skipped).
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FRED_RECORDED_FILES, sharedFixture, sharedFixturesSkipReason } from '@hotdata-dlt/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli } from './helpers.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'hotdata-dlt-demo-')));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const FRED_FILES: Record<string, string> = FRED_RECORDED_FILES;
const fredReason = sharedFixturesSkipReason(...Object.values(FRED_FILES).map((file) => `fred/${file}`));
if (fredReason) console.log(`demo.test.ts: the FRED demo test is skipped: ${fredReason}`);

const rowsOf = (stdout: string, database: string, table: string) => {
  const match = stdout.match(new RegExp(`^${database}\\s+${table}\\s+(\\d+)$`, 'm'));
  return match ? Number(match[1]) : undefined;
};

describe('hotdata-dlt demo', () => {
  const dir = tempDir();

  it('loads basic and incremental offline into an embedded hotdata-local and prints the tables', async () => {
    const { HOTDATA_RETRY_BACKOFF_SECONDS: _unused, ...env } = cliEnv(undefined);
    const result = await runCli(['demo'], { cwd: dir, env });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('Using an embedded hotdata-local, data in .hotdata-local/.');
    expect(result.stderr).toContain(
      'Skipped the fred demo: CI is set, so the network is not probed; pass --fred-dir',
    );
    expect(existsSync(join(dir, '.hotdata-local', 'metadata.json'))).toBe(true);
    expect(rowsOf(result.stdout, 'example_shop', 'customers')).toBe(4);
    expect(rowsOf(result.stdout, 'example_shop', 'orders')).toBe(5);
    expect(rowsOf(result.stdout, 'example_shop', 'orders__items')).toBe(9);
    // Run 1 loads five tickets, run 2 updates two of them and adds one: six, merged on id.
    expect(rowsOf(result.stdout, 'example_helpdesk', 'tickets')).toBe(6);
    expect(result.stdout).toMatch(/incremental \(run 1\)\s+tickets\s+5\s+merge/);
    expect(result.stdout).toMatch(/incremental \(run 2\)\s+tickets\s+3\s+merge/);
    expect(result.stdout).toMatch(/^Alice Martin\s+2\s+110$/m);
    expect(result.stdout).toMatch(/^ 1\s+Cannot log in\s+solved\s+high\s+sam\s+2024-05-02 09:00\s+auth$/m);
    expect(result.stdout).toMatch(
      /^ 2\s+Invoice shows the wrong VAT\s+open\s+high\s+lea\s+2024-05-02 10:15\s+billing, tax$/m,
    );
  });

  it(`runs again from empty demo databases${fredReason ? ' (offline)' : ', this time with FRED from --fred-dir'}`, async () => {
    const args = ['demo', '--offline'];
    if (!fredReason) {
      const fredDir = join(dir, 'fred-csv');
      mkdirSync(fredDir);
      for (const [id, file] of Object.entries(FRED_FILES)) {
        symlinkSync(sharedFixture('fred', file)!, join(fredDir, `${id}.csv`));
      }
      args.push('--fred-dir', fredDir);
    }
    const result = await runCli(args, { cwd: dir, env: cliEnv(undefined) });
    expect(result.code).toBe(0);
    // The same counts as the first demo, not doubled.
    expect(rowsOf(result.stdout, 'example_shop', 'customers')).toBe(4);
    expect(rowsOf(result.stdout, 'example_helpdesk', 'tickets')).toBe(6);
    if (fredReason) return;
    expect(result.stderr).not.toContain('Skipped the fred demo');
    const raw = rowsOf(result.stdout, 'example_macro', 'macro_indicators_raw');
    const wide = rowsOf(result.stdout, 'example_macro', 'macro_wide');
    expect(raw).toBeGreaterThan(5000);
    // The recorded T10Y2Y vintage starts in 2021: the inner join of monthly values starts there too.
    expect(wide).toBeGreaterThan(50);
    expect(wide).toBeLessThan(70);
    expect(result.stdout).toMatch(/fred\s+macro_wide\s+\d+\s+merge/);
    expect(result.stdout).toMatch(/example_macro: the latest months of macro_wide/);
    expect(result.stdout).toMatch(
      /^date\s+cpi\s+unemployment_rate\s+fed_funds_rate\s+mortgage_30yr\s+yield_curve_spread$/m,
    );
  });
});
