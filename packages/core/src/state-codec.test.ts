import { describe, expect, it } from 'vitest';
import {
  bumpStateVersion,
  decodeStoredState,
  encodeStoredState,
  type PipelineStateDocument,
  stateVersionHash,
} from './state-codec.ts';
import { decodeTypedJson, encodeTypedJson, pythonIsoformat } from './typed-json.ts';

describe('typed JSON (SEMANTICS §6.5)', () => {
  it('round-trips dates, bytes and big integers', () => {
    const value = {
      at: new Date(Date.UTC(2024, 4, 1, 12, 30, 0, 250)),
      raw: new Uint8Array([0, 255]),
      big: 2n ** 70n,
      list: [1, 'x', null],
    };
    const text = encodeTypedJson(value);
    expect(text).toContain('\uf0272024-05-01T12:30:00.250000+00:00');
    expect(decodeTypedJson(text)).toEqual(value);
  });

  it("decodes every one of dlt's codes", () => {
    const text = JSON.stringify([
      '\uf0261.50',
      '\uf0282024-01-02',
      '\uf029c0ffee00-0000-0000-0000-000000000000',
      '\uf02a0x00ff',
      '\uf02c123456789012345678901234567890',
      '\uf02d10:11:12',
      '\uf026',
    ]);
    expect(decodeTypedJson(text)).toEqual([
      '1.50',
      '2024-01-02',
      'c0ffee00-0000-0000-0000-000000000000',
      new Uint8Array([0, 255]),
      123456789012345678901234567890n,
      '10:11:12',
      '\uf026',
    ]);
  });

  it("writes datetimes like Python's isoformat", () => {
    expect(pythonIsoformat(new Date(Date.UTC(2021, 0, 1)))).toBe('2021-01-01T00:00:00+00:00');
  });
});

describe('stored state encoding', () => {
  const golden =
    'eNqrVoovLkksSY0vSy0qzszPU7Iy1IEJpealZ+YhyZjoKBVkFqTmgATzEnNTlayUCpR0lIrzS4uSU4uVrKprawGFsBx/';

  it("compresses like dlt's golden example", () => {
    const state: PipelineStateDocument = {
      _state_version: 1,
      _state_engine_version: 4,
      pipeline_name: 'p',
      sources: {},
      _local: { first_run: true },
    };
    expect(encodeStoredState(state)).toBe(golden);
    expect(decodeStoredState(golden)).toEqual({
      _state_version: 1,
      _state_engine_version: 4,
      pipeline_name: 'p',
      sources: {},
    });
  });

  it('reads plain typed JSON too', () => {
    expect(decodeStoredState('{"pipeline_name":"p","_state_version":3}')).toMatchObject({
      _state_version: 3,
    });
  });

  it('bumps the version only when content changes, and ignores _local', () => {
    const state: PipelineStateDocument = {
      _state_version: 0,
      _state_engine_version: 4,
      pipeline_name: 'p',
      sources: {},
    };
    expect(bumpStateVersion(state)).toBe(true);
    expect(state._state_version).toBe(0);
    state._local = { first_run: false };
    expect(bumpStateVersion(state)).toBe(false);
    state.sources = { s: { resources: { r: { cursor: 1 } } } };
    expect(bumpStateVersion(state)).toBe(true);
    expect(state._state_version).toBe(1);
    expect(state._version_hash).toBe(stateVersionHash(state));
  });
});
