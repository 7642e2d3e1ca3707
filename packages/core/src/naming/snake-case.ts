import { createHash } from 'node:crypto';
import { ConfigurationError } from '../errors.ts';

/**
 * A naming convention: how source keys become table and column identifiers (dlt's
 * `NamingConvention`). `snake_case` is the only one hotdata-dlt ships, and the default of dlt.
 */
export interface NamingConvention {
  readonly name: string;
  /** Longest identifier; longer ones are shortened with a hash tag. `undefined` = no limit. */
  readonly maxLength: number | undefined;
  /** Separator of path fragments in nested table and flattened column names (`__`). */
  readonly pathSeparator: string;
  normalizeIdentifier(identifier: string): string;
  normalizeTableIdentifier(identifier: string): string;
  /** Normalizes each `__`-separated fragment, then shortens the whole path. Idempotent. */
  normalizePath(path: string): string;
  normalizeTablesPath(path: string): string;
  /** Joins non-blank fragments with the path separator. */
  makePath(...identifiers: string[]): string;
  /** Splits a path on the separator, dropping blank fragments. */
  breakPath(path: string): string[];
  /** Joins already normalized fragments and shortens the result (nested tables, flattened columns). */
  shortenFragments(...normalizedIdentifiers: string[]): string;
  /** Shortens `normalized` to `maxLength` with a tag computed from `original`. */
  shortenIdentifier(normalized: string, original: string, maxLength?: number): string;
}

export interface SnakeCaseOptions {
  /** Longest identifier in code points (the destination's limit). Default: no limit. */
  maxLength?: number;
}

// Python's str.isspace() set, which str.strip() removes (differs from String.prototype.trim()).
const PYTHON_WHITESPACE =
  '\t\n\u000b\f\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';
const STRIP = new RegExp(`^[${PYTHON_WHITESPACE}]+|[${PYTHON_WHITESPACE}]+$`, 'gu');
const REDUCE_ALPHABET: Record<string, string> = { '+': 'x', '-': '_', '*': 'x', '@': 'a', '|': 'l' };
const REDUCE = /[+\-*@|]/g;
// Python's `[^a-zA-Z\d_]+` on str: \d is any Unicode decimal digit.
const NON_ALPHANUMERIC = /[^a-zA-Z\p{Nd}_]+/gu;
const SNAKE_CASE_BREAK_1 = /([^_])([A-Z][a-z]+)/g;
const SNAKE_CASE_BREAK_2 = /([a-z0-9])([A-Z])/g;
const LEADING_DIGIT = /^\p{Nd}/u;
const UNDERSCORES = /__+/g;
const TRAILING_UNDERSCORES = /_+$/;
/** Tag length in bytes for a collision probability of 0.001: floor(3 * log2(1000) / 8) + 1. */
const TAG_BYTES = 4;

/** Python `str.strip()`. */
export function pythonStrip(value: string): string {
  return value.replace(STRIP, '');
}

/** The 6-character tag dlt appends to shortened identifiers: SHAKE-128 of the original, base64. */
export function identifierTag(original: string): string {
  const digest = createHash('shake128', { outputLength: TAG_BYTES })
    .update(original, 'utf8')
    .digest('base64');
  return digest.replace(/=+$/, '').replace(/\//g, 'a').replace(/\+/g, 'b').toLowerCase();
}

function codePoints(value: string): string[] {
  return Array.from(value);
}

function shorten(normalized: string, original: string, maxLength: number | undefined): string {
  if (!maxLength) return normalized;
  const points = codePoints(normalized);
  if (points.length <= maxLength) return normalized;
  const tag = identifierTag(original);
  if (tag.length > maxLength) {
    throw new ConfigurationError(
      `A naming maxLength of ${maxLength} is too short: it must be at least ${tag.length}.`,
    );
  }
  const remaining = maxLength - tag.length;
  const head = Math.floor(remaining / 2) + (remaining % 2);
  const tail = Math.floor(remaining / 2);
  return points.slice(0, head).join('') + tag + points.slice(points.length - tail).join('');
}

function toSnakeCase(identifier: string): string {
  let result = identifier.replace(SNAKE_CASE_BREAK_1, '$1_$2');
  result = result.replace(SNAKE_CASE_BREAK_2, '$1_$2').toLowerCase();
  if (LEADING_DIGIT.test(result)) result = `_${result}`;
  const trailing = TRAILING_UNDERSCORES.exec(result)?.[0].length ?? 0;
  if (trailing > 0) result = result.slice(0, result.length - trailing) + 'x'.repeat(trailing);
  return result.replace(UNDERSCORES, '_');
}

/**
 * dlt's `snake_case` naming convention, byte for byte (SEMANTICS §4): `createSnakeCase({ maxLength })`
 * for a destination's identifier limit.
 *
 * @example
 * ```ts
 * snakeCase.normalizeIdentifier('channelSURFING'); // 'channel_surfing'
 * snakeCase.normalizePath('Small__Love__Potion'); // 'small__love__potion'
 * createSnakeCase({ maxLength: 20 }).shortenIdentifier('she played cello well', 'she played cello well');
 * // 'she plauanpualo well'
 * ```
 */
export function createSnakeCase(options: SnakeCaseOptions = {}): NamingConvention {
  const maxLength = options.maxLength;
  if (maxLength !== undefined && (!Number.isInteger(maxLength) || maxLength < TAG_BYTES + 2)) {
    throw new ConfigurationError(`snake_case maxLength must be an integer >= 6, got ${maxLength}.`);
  }
  const separator = '__';

  function normalizeIdentifier(identifier: string): string {
    if (typeof identifier !== 'string') {
      throw new ConfigurationError(`Cannot normalize ${String(identifier)}: identifiers are strings.`);
    }
    const original = pythonStrip(identifier);
    if (original === '')
      throw new ConfigurationError('Cannot normalize an empty or whitespace-only identifier.');
    const reduced = original.replace(REDUCE, (char) => REDUCE_ALPHABET[char]!).replace(NON_ALPHANUMERIC, '_');
    return shorten(toSnakeCase(reduced), original, maxLength);
  }

  function makePath(...identifiers: string[]): string {
    return identifiers.filter((part) => pythonStrip(part) !== '').join(separator);
  }

  function breakPath(path: string): string[] {
    return path.split(separator).filter((part) => pythonStrip(part) !== '');
  }

  function normalizePath(path: string): string {
    return shorten(makePath(...breakPath(path).map(normalizeIdentifier)), path, maxLength);
  }

  return Object.freeze({
    name: 'snake_case',
    maxLength,
    pathSeparator: separator,
    normalizeIdentifier,
    normalizeTableIdentifier: normalizeIdentifier,
    normalizePath,
    normalizeTablesPath: normalizePath,
    makePath,
    breakPath,
    shortenFragments(...normalizedIdentifiers: string[]) {
      const path = makePath(...normalizedIdentifiers);
      return shorten(path, path, maxLength);
    },
    shortenIdentifier(normalized: string, original: string, limit: number | undefined = maxLength) {
      return shorten(normalized, original, limit);
    },
  });
}

/** `snake_case` without a length limit. */
export const snakeCase: NamingConvention = createSnakeCase();
