/** Structured fields attached to a log line. Never put secrets here. */
export type LogFields = Record<string, unknown>;

/**
 * The logger every hotdata-dlt library takes as an option. Libraries never print; the application
 * decides where lines go. The runner adapts pino to it.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** A logger that drops everything: the default of every library. */
export const noopLogger: Logger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
});

const REDACTED = '[REDACTED]';

/**
 * Replaces every occurrence of the given secrets in `text` with `[REDACTED]`, plus anything that looks
 * like a bearer token or an `api_key=` query value. Use it on any text that may echo a request.
 */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  let result = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) result = result.split(secret).join(REDACTED);
  }
  return result
    .replace(/(bearer\s+)[^\s"',;]+/gi, `$1${REDACTED}`)
    .replace(/([?&](?:api_key|apikey|token|access_token)=)[^&\s"']+/gi, `$1${REDACTED}`);
}

/** Header names whose values are always redacted when headers are logged or attached to errors. */
export const SECRET_HEADER_NAMES: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-upload-finalize-token',
  'x-api-key',
]);

/** Returns a copy of `headers` with secret-bearing values replaced by `[REDACTED]`. */
export function redactHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    result[name] = SECRET_HEADER_NAMES.has(name.toLowerCase()) ? REDACTED : value;
  }
  return result;
}
