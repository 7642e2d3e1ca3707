import { describe, expect, it } from 'vitest';
import { virtualClock } from '../__fixtures__/support.ts';
import { RateLimiter } from './rate-limiter.ts';
import { Semaphore } from './semaphore.ts';

function maxInWindow(times: number[], windowMs: number): number {
  let best = 0;
  for (let start = 0; start < times.length; start++) {
    let end = start;
    while (end < times.length && times[end]! < times[start]! + windowMs) end++;
    best = Math.max(best, end - start);
  }
  return best;
}

describe('RateLimiter', () => {
  it('keeps any minute under 120 requests at the default 110/min, with bursts of at most 2', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter(clock, 110);
    const times: number[] = [];
    // Concurrent callers, as several series downloading at once.
    await Promise.all(
      Array.from({ length: 300 }, async () => {
        await limiter.acquire();
        times.push(clock.now());
      }),
    );
    times.sort((a, b) => a - b);
    expect(maxInWindow(times, 60_000)).toBeLessThanOrEqual(112);
    expect(maxInWindow(times, 1_000)).toBeLessThanOrEqual(3);
    expect(times.filter((time) => time === 0)).toHaveLength(2);
    // 300 requests need about (300 - 2) / 110 minutes.
    expect(times.at(-1)!).toBeGreaterThanOrEqual(((300 - 2) / 110) * 60_000 - 1);
  });

  it('does not wait when requests are already spaced out', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter(clock, 60);
    for (let i = 0; i < 5; i++) {
      await limiter.acquire();
      await clock.sleep(2_000);
    }
    expect(clock.sleeps).toEqual([2_000, 2_000, 2_000, 2_000, 2_000]);
  });
});

describe('Semaphore', () => {
  it('runs at most `limit` tasks at once and releases on failure', async () => {
    const semaphore = new Semaphore(2);
    let active = 0;
    let peak = 0;
    const task = (fail: boolean) =>
      semaphore.run(async () => {
        active += 1;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setImmediate(resolve));
        active -= 1;
        if (fail) throw new Error('boom');
        return 'ok';
      });
    const results = await Promise.allSettled([task(true), task(false), task(true), task(false), task(false)]);
    expect(peak).toBe(2);
    expect(results.map((result) => result.status)).toEqual([
      'rejected',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
  });
});
