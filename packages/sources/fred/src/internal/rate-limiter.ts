import type { FredClock } from '../config.ts';

/**
 * Client-side pacing as a token bucket (GCRA form): `requestsPerMinute` tokens a minute, at most `burst`
 * at once. Any 60-second window then holds at most `requestsPerMinute + burst` requests, so the default
 * 110/min with bursts of 2 stays under FRED's 120/min and its reported ~2/s micro-burst limit.
 * Slots are reserved synchronously in call order, so concurrent callers never share a slot.
 */
export class RateLimiter {
  readonly #clock: FredClock;
  readonly #interval: number;
  readonly #tolerance: number;
  #theoreticalArrival = Number.NEGATIVE_INFINITY;

  constructor(clock: FredClock, requestsPerMinute: number, burst = 2) {
    this.#clock = clock;
    this.#interval = 60_000 / requestsPerMinute;
    this.#tolerance = (Math.max(1, burst) - 1) * this.#interval;
  }

  /** Waits for the next free slot (resolves at once when one is free). */
  async acquire(signal?: AbortSignal): Promise<void> {
    const now = this.#clock.now();
    const arrival = Math.max(this.#theoreticalArrival, now);
    const allowedAt = arrival - this.#tolerance;
    this.#theoreticalArrival = arrival + this.#interval;
    if (allowedAt > now) await this.#clock.sleep(allowedAt - now, signal);
  }
}
