import { ConfigurationError } from './errors.ts';

// Environment-variable fallbacks, read the same way by every package: an explicit option wins, then
// the variable, then the default. Unset and blank variables are both absent; a variable that is set
// but cannot be read is a ConfigurationError naming it, never silently the default.

/** The trimmed value of `name`, or `undefined` when it is unset or blank. */
export function envString(name: string): string | undefined {
  const value = process.env[name]?.trim();
  return value ? value : undefined;
}

/** `name` as a finite number, or `undefined` when unset; anything else is a ConfigurationError. */
export function envNumber(name: string): number | undefined {
  const raw = envString(name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) {
    throw new ConfigurationError(
      `Environment variable ${name}='${raw}' is not a number; unset it or give a number.`,
    );
  }
  return value;
}

/** `name` as a boolean (`true`/`1`/`yes`, `false`/`0`/`no`, any case), or `undefined` when unset. */
export function envBoolean(name: string): boolean | undefined {
  const raw = envString(name)?.toLowerCase();
  if (raw === undefined) return undefined;
  if (raw === 'true' || raw === '1' || raw === 'yes') return true;
  if (raw === 'false' || raw === '0' || raw === 'no') return false;
  throw new ConfigurationError(`Environment variable ${name}='${raw}' is not a boolean; use true or false.`);
}
