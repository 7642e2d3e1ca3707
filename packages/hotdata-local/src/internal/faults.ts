/** Fault injection settings; everything is off unless set. Deterministic for a given seed. */
export interface FaultOptions {
  /** Seed of the pseudo-random generator. Default 1. */
  seed?: number;
  /** Share of API requests (0–1) answered with one of `statuses` instead of being handled. */
  rate?: number;
  /** Statuses used by `rate`. Default `[429, 503]`. 429 and 503 carry `Retry-After`. */
  statuses?: number[];
  /** `Retry-After` seconds sent with injected 429/503. Default 1. */
  retryAfterSeconds?: number;
  /** Extra latency per request in milliseconds: a fixed value or a `[min, max]` range. */
  latencyMs?: number | [number, number];
  /** Share of requests whose connection is dropped before they are handled. */
  dropRate?: number;
  /** Share of load requests handled but whose response is lost (connection dropped afterwards). */
  dropResponseRate?: number;
  /** Share of load requests answered `409 RESOURCE_LOCKED` as if another load held the lock. */
  lockRate?: number;
  /** Every load holds the database lock this much longer (a slow load), to provoke lock conflicts. */
  slowLoadMs?: number;
  /** Only inject into requests whose path matches. Default: every `/v1/` path. */
  pathPattern?: RegExp;
}

/** mulberry32: a tiny, fast, seedable PRNG. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type FaultDecision =
  | { kind: 'none'; latencyMs: number; dropResponse: boolean }
  | { kind: 'status'; status: number; latencyMs: number; retryAfterSeconds: number }
  | { kind: 'drop'; latencyMs: number }
  | { kind: 'locked'; latencyMs: number };

/** Decides, request by request, which fault to inject. */
export class FaultInjector {
  readonly #options: FaultOptions;
  readonly #random: () => number;

  constructor(options: FaultOptions = {}) {
    this.#options = options;
    this.#random = mulberry32(options.seed ?? 1);
  }

  get enabled(): boolean {
    const o = this.#options;
    return Boolean(o.rate || o.latencyMs || o.dropRate || o.dropResponseRate || o.lockRate || o.slowLoadMs);
  }

  get slowLoadMs(): number {
    return this.#options.slowLoadMs ?? 0;
  }

  decide(method: string, path: string): FaultDecision {
    const o = this.#options;
    const applies = (o.pathPattern ?? /^\/v1\//).test(path);
    const latency = this.#latency();
    if (!applies) return { kind: 'none', latencyMs: 0, dropResponse: false };
    const isLoad = method === 'POST' && path.endsWith('/loads');
    if (o.dropRate && this.#random() < o.dropRate) return { kind: 'drop', latencyMs: latency };
    if (o.rate && this.#random() < o.rate) {
      const statuses = o.statuses && o.statuses.length > 0 ? o.statuses : [429, 503];
      const status = statuses[Math.floor(this.#random() * statuses.length)]!;
      return { kind: 'status', status, latencyMs: latency, retryAfterSeconds: o.retryAfterSeconds ?? 1 };
    }
    if (isLoad && o.lockRate && this.#random() < o.lockRate) return { kind: 'locked', latencyMs: latency };
    const dropResponse = Boolean(isLoad && o.dropResponseRate && this.#random() < o.dropResponseRate);
    return { kind: 'none', latencyMs: latency, dropResponse };
  }

  #latency(): number {
    const latency = this.#options.latencyMs;
    if (latency === undefined) return 0;
    if (typeof latency === 'number') return latency;
    const [min, max] = latency;
    return Math.round(min + this.#random() * (max - min));
  }
}
