import { ConfigurationError, resource, source } from '@hotdata-dlt/core';
import { describe, expect, it } from 'vitest';
import { defineConfig } from '../config.ts';
import { cronProblem, validateConfig } from './validate-config.ts';

const rows = resource([{ id: 1 }], { name: 'rows' });
const shop = source('shop', () => [rows]);

function problem(config: unknown): string {
  try {
    validateConfig(config, '/project/hotdata-dlt.config.ts');
  } catch (error) {
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect((error as ConfigurationError).code).toBe('CONFIGURATION_ERROR');
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('validateConfig', () => {
  it('resolves paths beside the config file and parses freshness bounds', () => {
    const resolved = validateConfig(
      defineConfig({
        pipelines: [
          { name: 'shop', source: () => shop(), schedule: '*/5 * * * *', freshness: '6h' },
          { name: 'raw', resources: [rows], freshness: 90_000 },
          { name: 'fred', source: 'fred' },
        ],
      }),
      '/project/hotdata-dlt.config.ts',
    );
    expect(resolved.dir).toBe('/project');
    expect(resolved.pipelinesDir).toBe('/project/.pipelines');
    expect(resolved.pipelines.map((item) => [item.name, item.freshnessMs])).toEqual([
      ['shop', 6 * 3600_000],
      ['raw', 90_000],
      ['fred', undefined],
    ]);
  });

  it('honours pipelinesDir relative to the config file', () => {
    const resolved = validateConfig({ pipelines: [], pipelinesDir: 'state/pipelines' }, '/project/x.ts');
    expect(resolved.pipelinesDir).toBe('/project/state/pipelines');
  });

  it('names the file, the pipeline and the field of every problem', () => {
    expect(problem({ pipelines: [{ name: 'nightly', source: 'fred', schedule: 'every night' }] })).toMatch(
      /^\/project\/hotdata-dlt\.config\.ts: pipelines\[0\] \('nightly'\)\.schedule is not a valid cron expression/,
    );
    expect(problem({ pipelines: [{ name: 'a', source: 'fred', freshness: 'soon' }] })).toContain(
      "pipelines[0] ('a').freshness must be a positive duration such as '90m', '6h' or '2 days'",
    );
    expect(problem({ pipelines: [{ name: '1st', source: 'fred' }] })).toContain(
      "pipelines[0] ('1st').name must use letters",
    );
    expect(problem({ pipelines: [{ name: 'both', source: 'fred', resources: [rows] }] })).toContain(
      "pipelines[0] ('both') needs exactly one of `source` or `resources`",
    );
    expect(problem({ pipelines: [{ name: 'none' }] })).toContain(
      'needs exactly one of `source` or `resources`',
    );
    expect(problem({ pipelines: [{ name: 'x', source: 'fred', sechedule: '* * * * *' }] })).toMatch(
      /sechedule|Unrecognized key/i,
    );
    expect(problem({ pipelines: [{ name: 'x', resources: [{ id: 1 }] }] })).toContain(
      "pipelines[0] ('x').resources must be a list of resource(...) objects or a function returning one",
    );
    expect(
      problem({
        pipelines: [{ name: 'a', source: 'fred', schedule: '0 * * * *', timezone: 'Mars/Olympus' }],
      }),
    ).toContain("pipelines[0] ('a').timezone is not a time zone");
    expect(problem({ pipelines: 'shop' })).toContain('pipelines must be a list of pipeline definitions');
  });

  it('refuses duplicate names and unregistered sources, listing the known ones', () => {
    expect(
      problem({
        pipelines: [
          { name: 'a', source: 'fred' },
          { name: 'a', source: 'fred' },
        ],
      }),
    ).toContain("two pipelines are named 'a'");
    const message = problem({
      sources: { crm: () => shop() },
      pipelines: [{ name: 'a', source: 'hubspot' }],
    });
    expect(message).toContain(
      "uses source 'hubspot', which is not registered. Known sources: crm, fred, linear.",
    );
  });

  it('asks for a default export when the module exports nothing usable', () => {
    expect(problem(undefined)).toContain('must export a configuration as its default export');
  });

  it('accepts five- and six-field cron expressions', () => {
    expect(cronProblem('0 * * * *')).toBeUndefined();
    expect(cronProblem('*/10 * * * * *')).toBeUndefined();
    expect(cronProblem('61 * * * *')).toBeDefined();
  });
});
