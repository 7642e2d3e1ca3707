import { type LogFields, type Logger, redactSecrets } from '@hotdata-dlt/core';
import pino from 'pino';
import { prettyFactory } from 'pino-pretty';

/** Log levels of the CLI; `silent` drops everything. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Field names whose values never reach a log line, wherever they sit (one level deep). */
const SECRET_KEYS = [
  'apiKey',
  'api_key',
  'token',
  'accessToken',
  'access_token',
  'authorization',
  'Authorization',
  'password',
  'secret',
  'cookie',
];
const REDACT_PATHS = [...SECRET_KEYS, ...SECRET_KEYS.map((key) => `*.${key}`)];

export interface CliLoggerOptions {
  /** Lowest level written. */
  level: LogLevel;
  /** `pretty`: one readable line per entry; `json`: pino's NDJSON. */
  format: 'pretty' | 'json';
  /** Colour the pretty format. */
  colors: boolean;
  /** Secret values known now (API keys, tokens): replaced by `[REDACTED]` in messages and fields. */
  secrets: () => ReadonlyArray<string | undefined>;
  /** Receives each finished line (with its newline): stderr, or the progress renderer's writer. */
  write: (line: string) => void;
}

function redactValue(value: unknown, secrets: ReadonlyArray<string | undefined>, depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value, secrets);
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return {
      name: value.name,
      message: redactSecrets(value.message, secrets),
      ...(typeof code === 'string' ? { code } : {}),
    };
  }
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, secrets, depth + 1));
  if (value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, redactValue(item, secrets, depth + 1)]),
  );
}

/**
 * The CLI's logger: pino writing to stderr (through `write`), with secrets removed twice — by field name
 * (pino's `redact`) and by value (every known key or token, and anything that looks like a bearer token,
 * is replaced in messages and field values). Adapts pino to core's `Logger` for the libraries.
 */
export function createCliLogger(options: CliLoggerOptions): Logger {
  const prettify =
    options.format === 'pretty'
      ? prettyFactory({
          colorize: options.colors,
          translateTime: 'SYS:HH:MM:ss',
          ignore: 'pid,hostname',
          singleLine: true,
        })
      : undefined;
  const destination = {
    write(line: string) {
      options.write(prettify ? prettify(JSON.parse(line)) : line);
    },
  };
  const base = pino(
    {
      level: options.level,
      base: undefined,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    },
    destination,
  );
  const write = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: LogFields) => {
    if (!base.isLevelEnabled(level)) return;
    const secrets = options.secrets();
    const text = redactSecrets(message, secrets);
    if (fields === undefined) base[level](text);
    else base[level](redactValue(fields, secrets) as object, text);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
