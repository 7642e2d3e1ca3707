import { ConfigurationError } from '@hotdata-dlt/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LINEAR_DEFAULT_API_URL, LINEAR_RESOURCES, resolveLinearConfig } from './config.ts';
import { linear } from './index.ts';

afterEach(() => {
  vi.unstubAllEnvs();
});

function configurationError(fn: () => unknown): ConfigurationError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('resolveLinearConfig', () => {
  it('uses the documented defaults', () => {
    vi.stubEnv('LINEAR_API_URL', '');
    const config = resolveLinearConfig();
    expect(config).toMatchObject({
      apiUrl: LINEAR_DEFAULT_API_URL,
      teams: undefined,
      resources: [...LINEAR_RESOURCES],
      pageSize: 50,
      includeArchived: true,
      updatedSince: undefined,
      maxRetries: 5,
      retryBackoffMs: 1000,
      requestTimeoutMs: 30_000,
      minRemainingRequests: 5,
      maxRateLimitWaitMs: 900_000,
    });
  });

  it('takes an explicit option over the environment variable', () => {
    vi.stubEnv('LINEAR_API_URL', 'http://127.0.0.1:9/graphql');
    expect(resolveLinearConfig().apiUrl).toBe('http://127.0.0.1:9/graphql');
    expect(resolveLinearConfig({ apiUrl: 'http://127.0.0.1:8/graphql' }).apiUrl).toBe(
      'http://127.0.0.1:8/graphql',
    );
  });

  it('resolves the credential lazily: option, then LINEAR_API_KEY, then LINEAR_ACCESS_TOKEN', () => {
    vi.stubEnv('LINEAR_API_KEY', '');
    vi.stubEnv('LINEAR_ACCESS_TOKEN', '');
    const none = resolveLinearConfig();
    const missing = configurationError(() => none.credential());
    expect(missing.message).toContain('Set LINEAR_API_KEY');
    expect(missing.message).toContain('accessToken');

    vi.stubEnv('LINEAR_ACCESS_TOKEN', 'oauth-from-env');
    expect(resolveLinearConfig().credential()).toEqual({
      kind: 'oauth',
      value: 'oauth-from-env',
      origin: 'LINEAR_ACCESS_TOKEN',
    });
    vi.stubEnv('LINEAR_API_KEY', 'lin_api_fromenv');
    expect(resolveLinearConfig().credential()).toEqual({
      kind: 'apiKey',
      value: 'lin_api_fromenv',
      origin: 'LINEAR_API_KEY',
    });
    expect(resolveLinearConfig({ apiKey: ' lin_api_explicit ' }).credential()).toEqual({
      kind: 'apiKey',
      value: 'lin_api_explicit',
      origin: 'the apiKey option',
    });
    // A personal key pasted with a Bearer prefix is still sent raw; other values are OAuth tokens.
    expect(resolveLinearConfig({ apiKey: 'Bearer lin_api_x' }).credential().kind).toBe('apiKey');
    expect(resolveLinearConfig({ apiKey: 'lin_oauth_abc' }).credential()).toMatchObject({ kind: 'oauth' });
    expect(resolveLinearConfig({ accessToken: 'Bearer tok' }).credential()).toEqual({
      kind: 'oauth',
      value: 'tok',
      origin: 'the accessToken option',
    });
  });

  it('refuses both credentials at once and empty ones', () => {
    expect(configurationError(() => linear({ apiKey: 'lin_api_a', accessToken: 'b' })).message).toContain(
      'either apiKey',
    );
    expect(configurationError(() => linear({ apiKey: '  ' })).message).toContain("option 'apiKey' is empty");
  });

  it('creates the source without a credential, so other pipelines of a definitions file still load', () => {
    vi.stubEnv('LINEAR_API_KEY', '');
    vi.stubEnv('LINEAR_ACCESS_TOKEN', '');
    expect(linear().name).toBe('linear');
  });

  it.each([
    [{ pageSize: 0 }, "option 'pageSize'"],
    [{ pageSize: 500 }, "option 'pageSize' must be at most 250"],
    [{ resources: ['issues', 'labels'] }, "option 'resources' must list resources among teams, users"],
    [{ resources: [] }, "option 'resources' must name at least one resource"],
    [{ teams: ['ENG', 'a b'] }, "option 'teams' must be team keys"],
    [{ teams: [] }, "option 'teams' must name at least one team key"],
    [{ updatedSince: 'last week' }, "option 'updatedSince' must be an ISO 8601 timestamp"],
    [{ apiUrl: 'ftp://example' }, "option 'apiUrl' (env LINEAR_API_URL) must be an http(s) URL"],
    [{ maxRetries: -1 }, "option 'maxRetries'"],
  ] as const)('explains an invalid option %j', (options, message) => {
    const error = configurationError(() => linear(options as never));
    expect(error.message).toContain(message);
    expect(error.message.startsWith('linear(): ')).toBe(true);
  });

  it('reads updatedSince as UTC and keeps the team keys once each', () => {
    expect(resolveLinearConfig({ updatedSince: '2024-03-01' }).updatedSince).toBe('2024-03-01T00:00:00.000Z');
    expect(resolveLinearConfig({ updatedSince: '2024-03-01T10:30:00' }).updatedSince).toBe(
      '2024-03-01T10:30:00.000Z',
    );
    expect(resolveLinearConfig({ updatedSince: '2024-03-01T10:30:00+02:00' }).updatedSince).toBe(
      '2024-03-01T08:30:00.000Z',
    );
    expect(resolveLinearConfig({ teams: ['ENG', 'ENG', 'OPS'] }).teams).toEqual(['ENG', 'OPS']);
  });
});
