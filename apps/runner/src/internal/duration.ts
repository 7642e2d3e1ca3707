import ms from 'ms';
import prettyMilliseconds from 'pretty-ms';

/**
 * Milliseconds of a freshness bound: a number is milliseconds, a string is read by `ms` (`'90m'`,
 * `'6h'`, `'2 days'`, `'1w'`). Returns `undefined` for anything else or a bound that is not positive.
 */
export function parseDuration(value: string | number): number | undefined {
  const parsed = typeof value === 'number' ? value : ms(value.trim() as ms.StringValue);
  return typeof parsed === 'number' && Number.isFinite(parsed) && parsed > 0 ? parsed : undefined;
}

/** A short human duration: `3m 20s`, `2h`, `45ms`. */
export function formatDuration(milliseconds: number): string {
  return prettyMilliseconds(Math.max(0, milliseconds), { secondsDecimalDigits: 0, unitCount: 2 });
}

/** Seconds with two decimals, as shown in summary tables. */
export function formatSeconds(seconds: number): string {
  return seconds.toFixed(2);
}
