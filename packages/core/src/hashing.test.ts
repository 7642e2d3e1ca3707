import { describe, expect, it } from 'vitest';
import {
  compactJson,
  formatUtcDatetime,
  nestedRowId,
  randomRowId,
  rowHash,
  rowKeyHash,
  uniqueRowHash,
} from './hashing.ts';

describe('row ids (SEMANTICS §5.3, Appendix A golden hashes)', () => {
  it('hashes upsert primary keys', () => {
    expect(rowKeyHash({ id: 1, tx_id: 'tx1🚀3' })).toBe('19GAeLNivYhDqg');
    expect(rowKeyHash({ tx_id: 'tx2Ü+😎üß', id: 1 })).toBe('wg/EKJyC+CXo/g');
  });

  it('derives nested ids from parent id, table and index', () => {
    expect(nestedRowId('19GAeLNivYhDqg', 'parent__child', 0)).toBe('hhWFugO13PeLBQ');
    expect(nestedRowId('hhWFugO13PeLBQ', 'parent__child__grandchild', 0)).toBe('rsgPU8Q0nJ4QVg');
    expect(nestedRowId('1', 'parent__child', 0)).toBe('mvMThji/REOKKA');
    expect(nestedRowId('mvMThji/REOKKA', 'parent__child__grandchild', 0)).toBe('KKZaBWTgbZd74A');
  });

  it('hashes scd2 rows on the original item without _dlt keys', () => {
    expect(rowHash({ c1: 'foo', c2: { nc1: 'foo' }, nk: 1 })).toBe('OTPbGyxWlJzmpA');
    expect(rowHash({ nk: 2, c1: 'bar', c2: { nc1: 'bar' }, _dlt_id: 'x' })).toBe('S41QIpRa9Fwh0w');
    expect(rowHash({ c1: 'foo', c2: { nc1: 'foo_🚀updated' }, nk: 1 })).toBe('Z/zzrOzuLRhhWw');
    const parent = rowHash({ nk: 1, c1: 'foo', c2: [1] });
    expect(nestedRowId(parent, 'dim_test__c2', 0)).toBe('DVp8ashfqPeSOA');
  });

  it('hashes incremental boundary rows with 15 bytes', () => {
    expect(uniqueRowHash({ created_at: 24 })).toBe('aiuNd5u7bjL7glZC/3MB');
    expect(uniqueRowHash('c')).toBe('qOM08jBxq2rZrwZqk2gR');
  });

  it('makes 14-character random ids', () => {
    const ids = new Set(Array.from({ length: 100 }, randomRowId));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9+/]{14}$/);
  });
});

describe('compactJson', () => {
  it('sorts keys by code point, recursively, without whitespace or escaping non-ASCII', () => {
    expect(compactJson({ b: 1, a: { d: [1, { z: 1, y: 'ü' }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"y":"ü","z":1}]},"b":1}',
    );
    expect(compactJson({ '\u{1F600}': 1, '\uFFFF': 2 })).toBe('{"\uFFFF":2,"\u{1F600}":1}');
  });

  it('formats dates, bigints, bytes and exponents like orjson', () => {
    expect(compactJson(new Date(Date.UTC(2021, 9, 13, 13, 49, 32, 901)))).toBe(
      '"2021-10-13T13:49:32.901000Z"',
    );
    expect(formatUtcDatetime(new Date(Date.UTC(2024, 0, 1)))).toBe('2024-01-01T00:00:00Z');
    expect(compactJson(12345678901234567890n)).toBe('12345678901234567890');
    expect(compactJson(new Uint8Array([1, 2, 3]))).toBe('"AQID"');
    expect(compactJson(1e21)).toBe('1e21');
  });

  it('refuses circular structures and NaN', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => compactJson(circular)).toThrow(/circular/);
    expect(() => compactJson(Number.NaN)).toThrow(/NaN/);
  });
});
