export type { FredClock, FredOptions } from './config.ts';
export { FRED_DEFAULT_SERIES } from './default-series.ts';
export { FredError, type FredErrorDetails, type FredErrorKind } from './errors.ts';
export { type FredMacroWideRow, type FredObservationRow, type FredSeriesRow, fred } from './fred.ts';
