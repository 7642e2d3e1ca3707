import { describe, expect, it } from 'vitest';
import { ownFixture } from '../__fixtures__/support.ts';
import { FredError } from '../errors.ts';
import { parseFredgraphCsv } from './csv.ts';

const cpi = { id: 'CPIAUCSL', name: 'cpi', origin: 'a test' };

describe('parseFredgraphCsv', () => {
  it('reads the current format: observation_date header, empty field for a missing value', () => {
    const rows = parseFredgraphCsv(ownFixture('fredgraph_CPIAUCSL.csv'), cpi);
    expect(rows).toHaveLength(9);
    expect(rows[0]).toEqual({ date: '2025-05-01', value: 320.58 });
    expect(rows.find((row) => row.date === '2025-10-01')).toEqual({ date: '2025-10-01', value: null });
    expect(rows.at(-1)).toEqual({ date: '2026-01-01', value: 326.588 });
  });

  it('reads the legacy format: DATE header, "." for missing, CRLF and no final newline', () => {
    const text = ownFixture('fredgraph_T10Y2Y_legacy-DATE-header.csv');
    expect(text).toContain('\r\n');
    expect(text.endsWith('\n')).toBe(false);
    const rows = parseFredgraphCsv(text, { id: 'T10Y2Y', name: 'yield_curve_spread', origin: 'a test' });
    expect(rows).toHaveLength(10);
    expect(rows.find((row) => row.date === '2022-07-04')?.value).toBeNull();
    expect(rows.at(-1)).toEqual({ date: '2022-07-08', value: -0.03 });
  });

  it('finds the value column by id or name in a multi-series download and ignores a BOM', () => {
    const text =
      '\uFEFFobservation_date,MORTGAGE15US,MORTGAGE30US\n2024-01-04,5.76,6.62\n2024-01-11,.,6.66\n';
    expect(parseFredgraphCsv(text, { id: 'MORTGAGE30US', name: 'm30', origin: 'x' })).toEqual([
      { date: '2024-01-04', value: 6.62 },
      { date: '2024-01-11', value: 6.66 },
    ]);
    expect(parseFredgraphCsv(text, { id: 'X', name: 'mortgage15us', origin: 'x' })[1]?.value).toBeNull();
    // A two-column file saved under another column name is read by position.
    expect(parseFredgraphCsv('date,cpi_renamed\n2024-01-01,1.5\n', cpi)).toEqual([
      { date: '2024-01-01', value: 1.5 },
    ]);
  });

  it('explains what is wrong with a file that is not a fredgraph CSV', () => {
    const attempt = (text: string) => () => parseFredgraphCsv(text, cpi);
    expect(attempt('<!DOCTYPE html><html>Not found</html>')).toThrow(/series CPIAUCSL \(cpi\).*HTML page/);
    expect(attempt('')).toThrow(/it is empty/);
    expect(attempt('observation_date,A,B\n2024-01-01,1,2\n')).toThrow(/has no column CPIAUCSL/);
    expect(attempt('observation_date,CPIAUCSL\n01/02/2024,1\n')).toThrow(/line 2 .*YYYY-MM-DD/);
    expect(attempt('observation_date,CPIAUCSL\n2024-01-01,n/a\n')).toThrow(/line 2 has the value 'n\/a'/);
    try {
      attempt('observation_date,CPIAUCSL\n2024-01-01,n/a\n')();
    } catch (error) {
      expect(FredError.isInstance(error) && error.kind).toBe('invalid_response');
      expect(FredError.isInstance(error) && error.code).toBe('FRED_INVALID_RESPONSE');
    }
  });
});
