import { describe, expect, it } from 'vitest';
import { InterruptedError, Interrupts } from './interrupts.ts';

describe('Interrupts', () => {
  it('aborts on the first signal by default, with an InterruptedError naming it', () => {
    const interrupts = new Interrupts();
    expect(interrupts.trigger('SIGTERM')).toBe(false);
    expect(interrupts.signal.aborted).toBe(true);
    expect(interrupts.signal.reason).toBeInstanceOf(InterruptedError);
    expect((interrupts.signal.reason as Error).message).toMatch(/^Interrupted by SIGTERM/);
    expect(interrupts.received).toBe('SIGTERM');
    expect(interrupts.trigger('SIGINT')).toBe(true);
  });

  it('calls a graceful handler first, aborts on the second signal and asks to exit on the third', () => {
    const interrupts = new Interrupts();
    const calls: string[] = [];
    interrupts.setGracefulHandler((signal) => calls.push(signal));
    expect(interrupts.trigger('SIGINT')).toBe(false);
    expect(calls).toEqual(['SIGINT']);
    expect(interrupts.signal.aborted).toBe(false);
    expect(interrupts.trigger('SIGINT')).toBe(false);
    expect(interrupts.signal.aborted).toBe(true);
    expect(interrupts.trigger('SIGINT')).toBe(true);
    expect(calls).toEqual(['SIGINT']);
  });
});
