import { DestinationUndefinedEntityError, HotdataDltError } from '@hotdata-dlt/core';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.ts';
import { freshnessStatus, isNeverLoadedError } from './loads.ts';

describe('freshness', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  const last = { loadId: '1', insertedAt: new Date('2024-05-01T11:00:00Z') };

  it('is fresh within the bound, stale beyond it, never-loaded without a load, unbounded without a bound', () => {
    expect(freshnessStatus(last, parseDuration('2h'), now)).toBe('fresh');
    expect(freshnessStatus(last, parseDuration('1h'), now)).toBe('fresh');
    expect(freshnessStatus(last, parseDuration('59m'), now)).toBe('stale');
    expect(freshnessStatus(undefined, parseDuration('1d'), now)).toBe('never-loaded');
    expect(freshnessStatus(last, undefined, now)).toBe('unbounded');
  });

  it('reads durations as ms does and refuses anything else', () => {
    expect(parseDuration('90m')).toBe(90 * 60_000);
    expect(parseDuration('2 days')).toBe(2 * 86_400_000);
    expect(parseDuration(1500)).toBe(1500);
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseDuration(0)).toBeUndefined();
    expect(formatDuration(3_723_000)).toBe('1h 2m');
  });

  it('treats a missing database or _dlt_loads as never loaded, nothing else', () => {
    expect(isNeverLoadedError(new DestinationUndefinedEntityError('no database'))).toBe(true);
    expect(
      isNeverLoadedError(
        new HotdataDltError('Table _dlt_loads does not exist', { code: 'HOTDATA_BAD_REQUEST' }),
      ),
    ).toBe(true);
    expect(isNeverLoadedError(new HotdataDltError('401', { code: 'HOTDATA_UNAUTHORIZED' }))).toBe(false);
    expect(isNeverLoadedError(new Error('does not exist'))).toBe(false);
  });
});
