import { describe, expect, it } from 'vitest';
import { lastValuePerMonth, macroWideRows } from './macro-wide.ts';

describe('lastValuePerMonth', () => {
  it('keeps the last reading with a value in each month, labelled with the month start', () => {
    const daily = [
      { date: '2021-05-27', value: 1.47 },
      { date: '2021-05-28', value: 1.44 },
      { date: '2021-05-31', value: null }, // Memorial Day
      { date: '2021-06-01', value: 1.45 },
    ];
    expect([...lastValuePerMonth(daily)]).toEqual([
      ['2021-05-01', 1.44],
      ['2021-06-01', 1.45],
    ]);
  });

  it('drops a month with no value at all and does not depend on input order', () => {
    const monthly = [
      { date: '2025-11-01', value: 325.063 },
      { date: '2025-10-01', value: null },
      { date: '2025-09-01', value: 324.245 },
    ];
    expect([...lastValuePerMonth(monthly)]).toEqual([
      ['2025-11-01', 325.063],
      ['2025-09-01', 324.245],
    ]);
  });
});

describe('macroWideRows', () => {
  it('inner-joins the monthly series, ascending, one column per series in order', () => {
    const rows = macroWideRows([
      {
        name: 'mortgage_30yr',
        observations: [
          { date: '2021-01-28', value: 2.73 },
          { date: '2021-02-04', value: 2.73 },
          { date: '2021-02-25', value: 2.97 },
          { date: '2021-03-04', value: 3.02 },
        ],
      },
      {
        name: 'cpi',
        observations: [
          { date: '2021-02-01', value: 263.579 },
          { date: '2021-03-01', value: null },
        ],
      },
    ]);
    expect(rows).toEqual([{ date: '2021-02-01', mortgage_30yr: 2.97, cpi: 263.579 }]);
    expect(Object.keys(rows[0]!)).toEqual(['date', 'mortgage_30yr', 'cpi']);
  });

  it('is empty without series or without a common month', () => {
    expect(macroWideRows([])).toEqual([]);
    expect(
      macroWideRows([
        { name: 'a', observations: [{ date: '2020-01-01', value: 1 }] },
        { name: 'b', observations: [{ date: '2020-02-01', value: 2 }] },
      ]),
    ).toEqual([]);
  });
});
