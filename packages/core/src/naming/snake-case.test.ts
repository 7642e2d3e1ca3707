import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSnakeCase, identifierTag, pythonStrip, snakeCase } from './snake-case.ts';

describe('snakeCase.normalizeIdentifier (dlt golden examples, SEMANTICS §4.1)', () => {
  it.each([
    ['event-.!:*<>value', 'event_x_value'],
    ['123BaNaNa', '_123_ba_na_na'],
    ['BANaNA', 'ba_na_na'],
    ['BANANA____', 'bananaxxxx'],
    ['+-!$*@#=|:', 'x_xa_lx'],
    ['-1', '_1'],
    ['+1', 'x1'],
    ['TxId', 'tx_id'],
    ['channelSURFING', 'channel_surfing'],
    ['📆 Schedule', '_schedule'],
    ['_', 'x'],
    ['a__b', 'a_b'],
    ['  padded\u001c ', 'padded'],
    ['٣abc', '_٣abc'],
    ['_dlt_id', '_dlt_id'],
    ['_dlt_load_id', '_dlt_load_id'],
  ])('%s -> %s', (input, expected) => {
    expect(snakeCase.normalizeIdentifier(input)).toBe(expected);
  });

  it('refuses empty and whitespace-only identifiers', () => {
    expect(() => snakeCase.normalizeIdentifier('')).toThrow(/empty/);
    expect(() => snakeCase.normalizeIdentifier(' \u3000\t')).toThrow(/empty/);
  });

  it("strips Python's whitespace set, not JavaScript's", () => {
    expect(pythonStrip('\u0085x\u001f')).toBe('x');
    expect(pythonStrip('\uFEFFx')).toBe('\uFEFFx');
  });
});

describe('shortening (SEMANTICS §4.2, Appendix A)', () => {
  it('computes dlt tags', () => {
    expect(identifierTag('she played cello well')).toBe('uanpua');
    expect(identifierTag('3f17271231504b8cf65690bcdc379df8a3b8aabe12efe1ea82848ec5f497cb69')).toBe('gds0iw');
    expect(identifierTag('4d4b99ff5d2a3d5cd076782c9cd088cd85d5c789d7de6bdc19c1d206b687d485')).toBe('2vvr5a');
  });

  it('keeps head and tail around the tag', () => {
    const naming = createSnakeCase({ maxLength: 20 });
    expect(naming.shortenIdentifier('she played cello well', 'she played cello well')).toBe(
      'she plauanpualo well',
    );
  });

  it('leaves identifiers within the limit untouched and refuses limits below the tag', () => {
    expect(createSnakeCase({ maxLength: 20 }).normalizeIdentifier('short_name')).toBe('short_name');
    expect(() => createSnakeCase({ maxLength: 3 })).toThrow(/maxLength/);
  });
});

describe('paths (SEMANTICS §4.3)', () => {
  it('breaks and rejoins paths', () => {
    expect(snakeCase.breakPath('_a___b__C___D')).toEqual(['_a', '_b', 'C', '_D']);
    expect(snakeCase.breakPath('_a_____b')).toEqual(['_a', '_b']);
    expect(snakeCase.breakPath('_a____b')).toEqual(['_a', 'b']);
    expect(snakeCase.makePath('a', ' ', '', 'b')).toBe('a__b');
  });

  it('normalizes paths idempotently', () => {
    expect(snakeCase.normalizePath('Small__Love__Potion')).toBe('small__love__potion');
    expect(snakeCase.normalizePath('Small___Love____Potion_____x')).toBe('small___love__potion___x');
    expect(snakeCase.normalizePath('small___love__potion___x')).toBe('small___love__potion___x');
    expect(snakeCase.shortenFragments('customers', 'purchases')).toBe('customers__purchases');
  });
});

describe('properties', () => {
  const identifier = fc
    .string({ minLength: 1, maxLength: 80, unit: 'grapheme' })
    .filter((s) => pythonStrip(s) !== '');

  it('produces [a-z0-9_] only (for ASCII-digit inputs), is idempotent, and respects the limit', () => {
    const naming = createSnakeCase({ maxLength: 24 });
    fc.assert(
      fc.property(identifier, (input) => {
        const once = snakeCase.normalizeIdentifier(input);
        expect(snakeCase.normalizeIdentifier(once)).toBe(once);
        expect(once).toMatch(/^[a-z0-9_\p{Nd}]+$/u);
        if (!/\p{Nd}/u.test(input.replace(/[0-9]/g, ''))) expect(once).toMatch(/^[a-z0-9_]+$/);
        const short = naming.normalizeIdentifier(input);
        expect(Array.from(short).length).toBeLessThanOrEqual(24);
        expect(naming.normalizeIdentifier(short)).toBe(short);
      }),
      { numRuns: 500, seed: 20_260_311 },
    );
  });

  it('normalizes paths idempotently, keeps fragment boundaries, and respects the limit', () => {
    const limited = createSnakeCase({ maxLength: 30 });
    fc.assert(
      fc.property(fc.array(identifier, { minLength: 1, maxLength: 4 }), (parts) => {
        const path = snakeCase.normalizePath(parts.join('__'));
        expect(snakeCase.normalizePath(path)).toBe(path);
        for (const fragment of snakeCase.breakPath(path)) {
          expect(snakeCase.normalizeIdentifier(fragment)).toBe(fragment);
        }
        const short = limited.normalizePath(parts.join('__'));
        expect(Array.from(short).length).toBeLessThanOrEqual(30);
        expect(limited.normalizePath(short)).toBe(short);
      }),
      { numRuns: 300, seed: 20_260_311 },
    );
  });
});
