import { describe, expect, it } from 'vitest';
import { createCliLogger } from './logger.ts';

function capture(format: 'pretty' | 'json', level: 'debug' | 'info' | 'warn' = 'info') {
  const lines: string[] = [];
  const logger = createCliLogger({
    level,
    format,
    colors: false,
    secrets: () => ['hd_live_4f9c2a7e', undefined],
    write: (line) => lines.push(line),
  });
  return { logger, lines };
}

describe('createCliLogger', () => {
  it('removes known secret values from messages, fields, nested values and errors', () => {
    const { logger, lines } = capture('json');
    logger.warn('request with hd_live_4f9c2a7e failed', {
      url: 'http://127.0.0.1/v1/query?api_key=abc123',
      headers: { authorization: 'Bearer hd_live_4f9c2a7e', accept: 'json' },
      nested: { deeper: ['key hd_live_4f9c2a7e'] },
      error: new Error('auth failed for hd_live_4f9c2a7e'),
      apiKey: 'something-else',
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('hd_live_4f9c2a7e');
    expect(lines[0]).not.toContain('abc123');
    expect(lines[0]).not.toContain('something-else');
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({
      level: 40,
      msg: 'request with [REDACTED] failed',
      url: 'http://127.0.0.1/v1/query?api_key=[REDACTED]',
      headers: { authorization: '[REDACTED]', accept: 'json' },
      nested: { deeper: ['key [REDACTED]'] },
      error: { name: 'Error', message: 'auth failed for [REDACTED]' },
      apiKey: '[REDACTED]',
    });
  });

  it('writes one readable line per entry in the pretty format and drops levels below the threshold', () => {
    const { logger, lines } = capture('pretty', 'info');
    logger.debug('hidden');
    logger.info('created Hotdata database', { database: 'sales' });
    logger.error('bearer hd_live_4f9c2a7e refused');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: created Hotdata database \{"database":"sales"\}\n$/);
    expect(lines[1]).toMatch(/ERROR: bearer \[REDACTED\] refused\n$/);
  });
});
