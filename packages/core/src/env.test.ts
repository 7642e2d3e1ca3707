import { afterEach, describe, expect, it } from 'vitest';
import { envBoolean, envNumber, envString } from './env.ts';
import { ConfigurationError } from './errors.ts';

const NAME = 'HOTDATA_DLT_ENV_TEST';
afterEach(() => {
  delete process.env[NAME];
});

describe('environment fallbacks', () => {
  it('treat unset and blank variables as absent and trim values', () => {
    expect(envString(NAME)).toBeUndefined();
    process.env[NAME] = '   ';
    expect(envString(NAME)).toBeUndefined();
    expect(envNumber(NAME)).toBeUndefined();
    expect(envBoolean(NAME)).toBeUndefined();
    process.env[NAME] = ' dlt ';
    expect(envString(NAME)).toBe('dlt');
  });

  it('read numbers and booleans, and name the variable when they cannot', () => {
    process.env[NAME] = ' 2.5 ';
    expect(envNumber(NAME)).toBe(2.5);
    for (const [raw, value] of [
      ['TRUE', true],
      ['1', true],
      ['yes', true],
      ['False', false],
      ['0', false],
      ['no', false],
    ] as const) {
      process.env[NAME] = raw;
      expect(envBoolean(NAME)).toBe(value);
    }
    process.env[NAME] = 'lots';
    expect(() => envNumber(NAME)).toThrow(ConfigurationError);
    expect(() => envNumber(NAME)).toThrow(`Environment variable ${NAME}='lots' is not a number`);
    process.env[NAME] = 'maybe';
    expect(() => envBoolean(NAME)).toThrow(`Environment variable ${NAME}='maybe' is not a boolean`);
  });
});
