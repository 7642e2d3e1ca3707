/** One of Linear's two budgets, as the latest response reported it. */
interface Budget {
  limit: number | undefined;
  remaining: number;
  /** Epoch milliseconds when the budget is refilled. */
  resetAt: number | undefined;
}

/** Why the source waits: the budget that ran low and how long until it resets. */
export interface RateLimitWait {
  budget: 'requests' | 'complexity';
  remaining: number;
  waitMs: number;
}

function headerNumber(headers: Headers, name: string): number | undefined {
  const raw = headers.get(name);
  if (raw === null || raw.trim() === '') return undefined;
  const value = Number(raw.trim());
  return Number.isFinite(value) ? value : undefined;
}

function readBudget(headers: Headers, prefix: string): Budget | undefined {
  const remaining = headerNumber(headers, `${prefix}-remaining`);
  if (remaining === undefined) return undefined;
  return {
    limit: headerNumber(headers, `${prefix}-limit`),
    remaining,
    resetAt: headerNumber(headers, `${prefix}-reset`),
  };
}

/**
 * Linear's rate-limit budgets as the `X-RateLimit-Requests-*` and `X-RateLimit-Complexity-*` headers
 * report them (resets in epoch milliseconds), plus the cost of the last query (`X-Complexity`). Only
 * Linear's own headers are read: proxies add `X-RateLimit-Limit/-Remaining/-Reset` (in seconds) of
 * their own, which say nothing about Linear's budget.
 */
export class RateLimitTracker {
  #requests: Budget | undefined;
  #complexity: Budget | undefined;
  #lastComplexity: number | undefined;
  readonly #minRemainingRequests: number;

  constructor(minRemainingRequests: number) {
    this.#minRemainingRequests = minRemainingRequests;
  }

  /** Records the headers of a response (any status). */
  update(headers: Headers): void {
    this.#requests = readBudget(headers, 'x-ratelimit-requests') ?? this.#requests;
    this.#complexity = readBudget(headers, 'x-ratelimit-complexity') ?? this.#complexity;
    this.#lastComplexity = headerNumber(headers, 'x-complexity') ?? this.#lastComplexity;
  }

  /** The budgets as last reported, for log lines. */
  snapshot(): { requestsRemaining?: number; complexityRemaining?: number; lastComplexity?: number } {
    return {
      ...(this.#requests ? { requestsRemaining: this.#requests.remaining } : {}),
      ...(this.#complexity ? { complexityRemaining: this.#complexity.remaining } : {}),
      ...(this.#lastComplexity === undefined ? {} : { lastComplexity: this.#lastComplexity }),
    };
  }

  /**
   * Before a request: how long to wait so that it does not hit the limit — until the reset of the
   * request budget when at most `minRemainingRequests` remain, or of the complexity budget when fewer
   * points remain than twice the last query's cost. `undefined` when there is room.
   */
  beforeRequest(now: number): RateLimitWait | undefined {
    const requests = this.#requests;
    const complexity = this.#complexity;
    const waits: RateLimitWait[] = [];
    if (requests && requests.remaining <= this.#minRemainingRequests && requests.resetAt !== undefined) {
      waits.push({ budget: 'requests', remaining: requests.remaining, waitMs: requests.resetAt - now });
    }
    if (
      complexity &&
      this.#lastComplexity !== undefined &&
      complexity.remaining < 2 * this.#lastComplexity &&
      complexity.resetAt !== undefined
    ) {
      waits.push({ budget: 'complexity', remaining: complexity.remaining, waitMs: complexity.resetAt - now });
    }
    const longest = waits.filter((wait) => wait.waitMs > 0).sort((a, b) => b.waitMs - a.waitMs)[0];
    return longest;
  }

  /**
   * After `RATELIMITED` / 429: how long until the exhausted budget resets (the later one when the
   * headers do not say which). `undefined` when no reset in the future is known.
   */
  afterRateLimited(now: number): RateLimitWait | undefined {
    const budgets: Array<['requests' | 'complexity', Budget | undefined]> = [
      ['requests', this.#requests],
      ['complexity', this.#complexity],
    ];
    const future = budgets
      .filter((entry): entry is ['requests' | 'complexity', Budget] => entry[1]?.resetAt !== undefined)
      .map(([budget, value]) => ({ budget, remaining: value.remaining, waitMs: value.resetAt! - now }))
      .filter((wait) => wait.waitMs > 0);
    const exhausted = future.filter((wait) => wait.remaining <= 0);
    const candidates = exhausted.length > 0 ? exhausted : future;
    return candidates.sort((a, b) => b.waitMs - a.waitMs)[0];
  }

  /** After waiting for a reset the old numbers are stale: forget them until the next response. */
  resetWaited(): void {
    this.#requests = undefined;
    this.#complexity = undefined;
  }
}
