import { describe, expect, it } from 'vitest';
import { cellText, formatCsv, formatTable, jsonValue } from './format.ts';

describe('formatTable', () => {
  it('aligns columns, right-aligns numeric columns and pads coloured headers by visible width', () => {
    const text = formatTable(
      [
        { key: 'table', header: 'table' },
        { key: 'rows', header: 'rows' },
        { key: 'at', header: 'at' },
      ],
      [
        { table: 'orders__items', rows: 12345, at: new Date('2024-05-01T10:00:00Z') },
        { table: 'orders', rows: 7n, at: null },
      ],
      { header: (line) => `\u001b[1m${line}\u001b[22m` },
    );
    expect(text.split('\n')).toEqual([
      '\u001b[1mtable           rows  at\u001b[22m',
      'orders__items  12345  2024-05-01T10:00:00.000Z',
      'orders             7',
      '',
    ]);
  });
});

describe('formatCsv', () => {
  it('quotes fields with commas, quotes and line breaks; NULL is empty', () => {
    expect(
      formatCsv(
        ['id', 'note', 'tags'],
        [
          { id: 1, note: 'plain', tags: ['a', 'b'] },
          { id: 2, note: 'say "hi", then\nleave', tags: null },
        ],
      ),
    ).toBe('id,note,tags\n1,plain,"[""a"",""b""]"\n2,"say ""hi"", then\nleave",\n');
  });
});

describe('jsonValue and cellText', () => {
  it('keeps safe integers as numbers, large ones as strings, dates as ISO strings', () => {
    expect(
      jsonValue({ small: 42n, big: 2n ** 63n - 1n, at: new Date(0), bytes: new Uint8Array([1, 255]) }),
    ).toEqual({
      small: 42,
      big: '9223372036854775807',
      at: '1970-01-01T00:00:00.000Z',
      bytes: '01ff',
    });
    expect(cellText(undefined)).toBe('');
    expect(cellText({ a: 1n })).toBe('{"a":1}');
  });
});
