/**
 * The nine series of the original hotdata demo: friendly name (the `series` column value and the
 * `macro_wide` column) → FRED series id. The default of the `series` option of `fred()`.
 */
export const FRED_DEFAULT_SERIES: Readonly<Record<string, string>> = Object.freeze({
  cpi: 'CPIAUCSL',
  fed_funds_rate: 'FEDFUNDS',
  unemployment_rate: 'UNRATE',
  housing_starts: 'HOUST',
  industrial_production: 'INDPRO',
  mortgage_30yr: 'MORTGAGE30US',
  nonfarm_payroll: 'PAYEMS',
  retail_sales: 'RSXFS',
  yield_curve_spread: 'T10Y2Y',
});
