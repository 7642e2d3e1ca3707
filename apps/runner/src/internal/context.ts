import { resolve } from 'node:path';
import { ConfigurationError, type Logger } from '@hotdata-dlt/core';
import { UsageError } from '../errors.ts';
import { type Backend, openBackend } from './backend.ts';
import type { Interrupts } from './interrupts.ts';
import { CONFIG_FILE_NAMES, findConfigFile, loadConfigFile } from './load-config.ts';
import { createCliLogger, LOG_LEVELS, type LogLevel } from './logger.ts';
import {
  chooseProgressMode,
  createReporter,
  type OutputStream,
  type ProgressMode,
  type Reporter,
} from './progress/reporter.ts';
import type { ResolvedConfig, ResolvedPipelineDefinition } from './validate-config.ts';

/** Where the CLI reads and writes: the process, or test doubles. */
export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** Options every command accepts. */
export interface GlobalOptions {
  config?: string;
  json?: boolean;
  plain?: boolean;
  logLevel?: string;
  verbose?: boolean;
  localDir?: string;
}

const SECRET_ENV = ['HOTDATA_API_KEY', 'FRED_API_KEY', 'LINEAR_API_KEY', 'LINEAR_ACCESS_TOKEN'];

/**
 * State of one CLI invocation: its output, logger, progress reporter, the config file (loaded once) and
 * the backend (opened once, before the config so that `hotdata()` calls in it see the embedded server).
 */
export class CliContext {
  readonly io: CliIo;
  readonly options: GlobalOptions;
  readonly interrupts: Interrupts;
  readonly reporter: Reporter;
  readonly logger: Logger;
  readonly #secrets: string[] = [];
  #configPath: string | undefined | null = null;
  #config: Promise<ResolvedConfig> | undefined;
  #backend: Promise<Backend> | undefined;

  constructor(io: CliIo, options: GlobalOptions, interrupts: Interrupts, mode?: ProgressMode) {
    this.io = io;
    this.options = options;
    this.interrupts = interrupts;
    const level = (options.logLevel ?? io.env.HOTDATA_DLT_LOG_LEVEL ?? (options.verbose ? 'info' : 'warn'))
      .trim()
      .toLowerCase();
    if (!(LOG_LEVELS as readonly string[]).includes(level)) {
      throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}; got '${level}'.`);
    }
    const colors = Boolean(io.stdout.isTTY) && !io.env.NO_COLOR;
    this.reporter = createReporter({
      mode:
        mode ??
        chooseProgressMode({ json: options.json, plain: options.plain, stdout: io.stdout, env: io.env }),
      stdout: io.stdout,
      stderr: io.stderr,
      colors,
      secrets: () => this.secrets(),
    });
    this.logger = createCliLogger({
      level: level as LogLevel,
      format: options.json || io.env.HOTDATA_DLT_LOG_FORMAT === 'json' ? 'json' : 'pretty',
      colors: Boolean(io.stderr.isTTY) && !io.env.NO_COLOR,
      secrets: () => this.secrets(),
      write: (line) => this.reporter.log(line),
    });
  }

  /** Every secret value known to this invocation (from the environment and the backend). */
  secrets(): string[] {
    const fromEnv = SECRET_ENV.map((name) => this.io.env[name]?.trim()).filter((value): value is string =>
      Boolean(value),
    );
    return [...new Set([...fromEnv, ...this.#secrets])];
  }

  /** The config file path, or `undefined` when there is none (commands that need one say so). */
  configPath(): string | undefined {
    if (this.#configPath === null) this.#configPath = findConfigFile(this.io.cwd, this.options.config);
    return this.#configPath;
  }

  /** Folder of the config file, else the working directory. */
  baseDir(): string {
    const path = this.configPath();
    return path ? resolve(path, '..') : this.io.cwd;
  }

  /** Data folder of the embedded hotdata-local: `--local-dir`, `HOTDATA_DLT_LOCAL_DIR`, or `.hotdata-local` beside the config. */
  localDataDir(): string {
    const explicit = this.options.localDir ?? this.io.env.HOTDATA_DLT_LOCAL_DIR;
    return explicit ? resolve(this.io.cwd, explicit) : resolve(this.baseDir(), '.hotdata-local');
  }

  /** Opens the backend once: Hotdata when credentials are set, else the embedded hotdata-local. */
  backend(options: { forceEmbedded?: boolean; dataDir?: string } = {}): Promise<Backend> {
    this.#backend ??= openBackend({
      dataDir: options.dataDir ?? this.localDataDir(),
      cwd: this.io.cwd,
      env: this.io.env,
      logger: this.logger,
      notice: (line) => this.reporter.notice(line),
      ...(options.forceEmbedded ? { forceEmbedded: true } : {}),
    }).then((backend) => {
      this.#secrets.push(...backend.secrets);
      return backend;
    });
    return this.#backend;
  }

  /** Loads the config file once (after opening the backend). Without a config file: a ConfigurationError. */
  config(): Promise<ResolvedConfig> {
    this.#config ??= (async () => {
      const path = this.configPath();
      if (!path) {
        throw new ConfigurationError(
          `No ${CONFIG_FILE_NAMES[0]} in ${this.io.cwd} or its parents. Create one (export default defineConfig({ pipelines: [...] })) or pass --config <file>.`,
        );
      }
      await this.backend();
      return loadConfigFile(path);
    })();
    return this.#config;
  }

  /** The named pipelines in config order (all when `names` is empty); an unknown name is a usage error. */
  select(resolved: ResolvedConfig, names: readonly string[]): ResolvedPipelineDefinition[] {
    if (names.length === 0) return [...resolved.pipelines];
    const known = new Map(resolved.pipelines.map((item) => [item.name, item]));
    const unknown = names.filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new UsageError(
        `Unknown pipeline${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => `'${name}'`).join(', ')}. ${
          known.size > 0
            ? `Pipelines in ${resolved.path ?? 'the config'}: ${[...known.keys()].join(', ')}.`
            : 'The config has no pipelines.'
        }`,
      );
    }
    return [...new Set(names)].map((name) => known.get(name)!);
  }

  /** Writes to stdout (a result: a table, JSON, CSV). */
  out(text: string): void {
    this.io.stdout.write(text);
  }

  /** Stops the reporter and the backend. */
  async close(): Promise<void> {
    this.reporter.close();
    if (this.#backend) await (await this.#backend.catch(() => undefined))?.close();
  }
}
