import { ConfigurationError } from '@hotdata-dlt/core';
import { describe, expect, it } from 'vitest';
import { hasHotdataCredentials } from './backend.ts';

describe('hasHotdataCredentials', () => {
  it('needs both HOTDATA_API_KEY and HOTDATA_WORKSPACE, and refuses one without the other', () => {
    expect(hasHotdataCredentials({})).toBe(false);
    expect(hasHotdataCredentials({ HOTDATA_API_KEY: 'hd_x', HOTDATA_WORKSPACE: 'ws_1' })).toBe(true);
    expect(() => hasHotdataCredentials({ HOTDATA_API_KEY: 'hd_x' })).toThrow(ConfigurationError);
    expect(() => hasHotdataCredentials({ HOTDATA_WORKSPACE: 'ws_1', HOTDATA_API_KEY: ' ' })).toThrow(
      'HOTDATA_WORKSPACE is set but HOTDATA_API_KEY is not',
    );
  });
});
