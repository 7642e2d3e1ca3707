import { HotdataDltError } from '@hotdata-dlt/core';

export type InterruptSignal = 'SIGINT' | 'SIGTERM';

/** The run was cancelled by SIGINT or SIGTERM. */
export class InterruptedError extends HotdataDltError {
  readonly signal: InterruptSignal;

  constructor(signal: InterruptSignal) {
    super(
      `Interrupted by ${signal}: unfinished load packages stay in the working folder and the next run finishes them.`,
      { code: 'INTERRUPTED', isRetryable: true },
    );
    this.name = 'InterruptedError';
    this.signal = signal;
  }
}

/**
 * SIGINT / SIGTERM handling of one CLI invocation. By default the first signal aborts `signal` (the
 * pipelines stop at the next safe point; their packages stay pending) and the next one exits at once. A
 * command may install a graceful handler: then the first signal calls it, the second aborts, the third
 * exits.
 */
export class Interrupts {
  readonly #controller = new AbortController();
  #graceful: ((signal: InterruptSignal) => void) | undefined;
  #count = 0;
  #received: InterruptSignal | undefined;

  /** Aborted when the CLI must stop now. Its reason is an {@link InterruptedError}. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The first signal received, if any. */
  get received(): InterruptSignal | undefined {
    return this.#received;
  }

  /** While set, the first signal calls `handler` instead of aborting. */
  setGracefulHandler(handler: ((signal: InterruptSignal) => void) | undefined): void {
    this.#graceful = handler;
  }

  /** Aborts now (e.g. when a graceful stop ran out of time). */
  abort(signal: InterruptSignal = this.#received ?? 'SIGINT'): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(new InterruptedError(signal));
  }

  /** Handles one signal; returns true when the process should exit immediately. */
  trigger(signal: InterruptSignal): boolean {
    this.#count += 1;
    this.#received ??= signal;
    if (this.#count === 1 && this.#graceful) {
      this.#graceful(signal);
      return false;
    }
    // A signal after the abort: the user does not want to wait for a safe point.
    if (this.#controller.signal.aborted) return true;
    this.abort(signal);
    return false;
  }

  /** Listens to the process's signals; returns a function removing the listeners. */
  install(onForcedExit: (signal: InterruptSignal) => void): () => void {
    const listener = (signal: NodeJS.Signals) => {
      const name = signal === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
      if (this.trigger(name)) onForcedExit(name);
    };
    process.on('SIGINT', listener);
    process.on('SIGTERM', listener);
    return () => {
      process.off('SIGINT', listener);
      process.off('SIGTERM', listener);
    };
  }
}
