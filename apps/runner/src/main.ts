import { createRequire } from 'node:module';
import { HotdataDltError, redactSecrets } from '@hotdata-dlt/core';
import { Argument, Command, CommanderError, Option } from 'commander';
import { EXIT_CODES, exitCodeOf } from './errors.ts';
import { PIPELINE_ACTIONS, QUERY_FORMATS } from './internal/constants.ts';
import { CliContext, type CliIo, type GlobalOptions } from './internal/context.ts';
import { InterruptedError, Interrupts } from './internal/interrupts.ts';
import { LOG_LEVELS } from './internal/logger.ts';

// Commands load their modules on use, so `--help` and usage errors start fast.
const commands = {
  run: () => import('./commands/run.ts'),
  inspect: () => import('./commands/inspect.ts'),
  schedule: () => import('./commands/schedule.ts'),
  pipeline: () => import('./commands/pipeline.ts'),
  query: () => import('./commands/query.ts'),
  local: () => import('./commands/local.ts'),
  demo: () => import('./commands/demo.ts'),
};

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** Options of {@link main}. */
export interface MainOptions {
  io?: Partial<CliIo>;
  /** Signal handling; default: a fresh {@link Interrupts} listening to the process. */
  interrupts?: Interrupts;
}

const EXIT_CODES_HELP = `
Exit codes: 0 ok, 1 a pipeline or query failed (or freshness found a stale pipeline),
2 usage or configuration error, 130 interrupted (SIGINT), 143 run stopped by SIGTERM.

Environment: HOTDATA_API_KEY + HOTDATA_WORKSPACE load into Hotdata (HOTDATA_API_URL to override the URL);
without them an embedded hotdata-local starts (data in .hotdata-local/ beside the config file).`;

/**
 * Runs the `hotdata-dlt` command line and returns its exit code. `argv` is `process.argv`-shaped (the
 * first two entries are skipped).
 */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const io: CliIo = {
    stdout: options.io?.stdout ?? process.stdout,
    stderr: options.io?.stderr ?? process.stderr,
    env: options.io?.env ?? process.env,
    cwd: options.io?.cwd ?? process.cwd(),
  };
  const interrupts = options.interrupts ?? new Interrupts();
  const uninstall = options.interrupts
    ? () => {}
    : interrupts.install((signal) => {
        io.stderr.write(`\n${signal} again: exiting now.\n`);
        process.exit(signal === 'SIGINT' ? EXIT_CODES.interrupted : EXIT_CODES.terminated);
      });
  let exitCode: number = EXIT_CODES.ok;
  let context: CliContext | undefined;
  const action =
    (fn: (context: CliContext, command: Command) => Promise<number>) =>
    async (...args: unknown[]) => {
      const command = args.at(-1) as Command;
      context = new CliContext(io, command.optsWithGlobals<GlobalOptions>(), interrupts);
      exitCode = await fn(context, command);
    };
  const positional = (command: Command, index = 0) => command.processedArgs[index] as never;

  const program = new Command('hotdata-dlt')
    .description('Run, schedule and inspect the pipelines of hotdata-dlt.config.ts.')
    .version(version)
    .option(
      '-c, --config <file>',
      'definitions file (default: hotdata-dlt.config.ts here or in a parent folder)',
    )
    .option('--json', 'machine output: NDJSON progress events and JSON results on stdout')
    .option('--plain', 'plain progress lines even on a terminal')
    .addOption(
      new Option(
        '--log-level <level>',
        'log level on stderr (env HOTDATA_DLT_LOG_LEVEL, default warn)',
      ).choices(LOG_LEVELS),
    )
    .option('-v, --verbose', 'log at info level')
    .option('--local-dir <dir>', 'data folder of the embedded hotdata-local (env HOTDATA_DLT_LOCAL_DIR)')
    .addHelpText('after', EXIT_CODES_HELP)
    .showHelpAfterError('(run hotdata-dlt --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });

  program
    .command('run')
    .description('run pipelines now (all when none is named); a closing table shows what was loaded')
    .argument('[names...]', 'pipeline names')
    .action(action(async (ctx, command) => (await commands.run()).runCommand(ctx, positional(command))));

  program
    .command('list')
    .description('list pipelines with their schedule in words, last load and freshness')
    .action(action(async (ctx) => (await commands.inspect()).listCommand(ctx)));

  program
    .command('schedule')
    .description(
      'run pipelines on their cron schedules until SIGINT/SIGTERM (never two runs of one pipeline at once)',
    )
    .argument('[names...]', 'pipeline names (default: every pipeline with a schedule)')
    .option('--grace <seconds>', 'time running loads get to finish after a stop signal', '60')
    .option('--now', 'also run each pipeline once right away')
    .action(
      action(async (ctx, command) =>
        (await commands.schedule()).scheduleCommand(ctx, positional(command), command.opts()),
      ),
    );

  program
    .command('freshness')
    .description('check the age of the last successful load against each freshness bound (exit 1 when stale)')
    .argument('[names...]', 'pipeline names (default: every pipeline with a freshness bound)')
    .action(
      action(async (ctx, command) => (await commands.inspect()).freshnessCommand(ctx, positional(command))),
    );

  program
    .command('pipeline')
    .description('inspect or repair one pipeline: info | drop-pending-packages | sync | state')
    .argument('<name>', 'pipeline name')
    .addArgument(new Argument('<action>', 'what to do').choices(PIPELINE_ACTIONS))
    .addHelpText(
      'after',
      `
Actions:
  info                   working folder, destination, state, cursors, pending packages and last load
  drop-pending-packages  delete extracted and normalized packages that were never loaded
  sync                   restore state and schemas from the destination
  state                  print the local pipeline state as JSON`,
    )
    .action(
      action(async (ctx, command) => {
        const name = positional(command, 0) as string;
        const pipeline = await commands.pipeline();
        switch (positional(command, 1) as (typeof PIPELINE_ACTIONS)[number]) {
          case 'info':
            return pipeline.pipelineInfoCommand(ctx, name);
          case 'drop-pending-packages':
            return pipeline.dropPendingCommand(ctx, name);
          case 'sync':
            return pipeline.syncCommand(ctx, name);
          default:
            return pipeline.stateCommand(ctx, name);
        }
      }),
    );

  program
    .command('query')
    .description("run read-only SQL on a pipeline's dataset or a database and print the result")
    .argument('<sql>', 'the SQL query')
    .option('-p, --pipeline <name>', "query this pipeline's dataset (default: the only pipeline)")
    .option('-d, --database <name>', 'query this Hotdata database instead (no config file needed)')
    .option('-s, --schema <name>', 'default schema with --database (default public)')
    .addOption(
      new Option('-f, --format <format>', 'output format (default table; json with --json)').choices(
        QUERY_FORMATS,
      ),
    )
    .action(
      action(async (ctx, command) =>
        (await commands.query()).queryCommand(ctx, positional(command), command.opts()),
      ),
    );

  program
    .command('local')
    .description('start hotdata-local in the foreground and print the HOTDATA_* variables to use it')
    .option('--port <port>', 'TCP port (0 picks a free one)', '8787')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--data-dir <dir>', 'data folder (default .hotdata-local beside the config, or --local-dir)')
    .option('--token <token>', 'accepted bearer token (default: a random one)')
    .action(action(async (ctx, command) => (await commands.local()).localCommand(ctx, command.opts())));

  program
    .command('demo')
    .description(
      'load the basic, incremental (and fred) demos into an embedded hotdata-local and show the tables',
    )
    .option('--fred-dir <dir>', 'load the FRED demo from a folder of fredgraph CSV files (no network)')
    .option('--offline', 'never probe the network (env HOTDATA_DLT_OFFLINE)')
    .option('--dir <dir>', 'folder for .hotdata-local/ and .pipelines/ (default: here)')
    .action(action(async (ctx, command) => (await commands.demo()).demoCommand(ctx, command.opts())));

  try {
    await program.parseAsync(argv as string[]);
  } catch (error) {
    exitCode = reportError(error, io, context);
  } finally {
    try {
      await context?.close();
    } catch (error) {
      io.stderr.write(`hotdata-dlt: closing failed: ${(error as Error)?.message}\n`);
    }
    uninstall();
  }
  return exitCode;
}

function reportError(error: unknown, io: CliIo, context: CliContext | undefined): number {
  if (error instanceof CommanderError) {
    if (['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code))
      return EXIT_CODES.ok;
    return EXIT_CODES.usage;
  }
  const secrets = context?.secrets() ?? [];
  const message = redactSecrets((error as Error)?.message ?? String(error), secrets);
  const received = context?.interrupts.received;
  if (received || error instanceof InterruptedError) {
    io.stderr.write(`hotdata-dlt: ${message}\n`);
    return received === 'SIGTERM' ? EXIT_CODES.terminated : EXIT_CODES.interrupted;
  }
  const code = exitCodeOf(error);
  const label = code === EXIT_CODES.usage ? 'error' : 'failed';
  const detail = HotdataDltError.isInstance(error) && code !== EXIT_CODES.usage ? ` [${error.code}]` : '';
  io.stderr.write(`hotdata-dlt: ${label}: ${message}${detail}\n`);
  const level = context?.options.logLevel ?? io.env.HOTDATA_DLT_LOG_LEVEL;
  if (level === 'debug' && error instanceof Error && error.stack) {
    io.stderr.write(`${redactSecrets(error.stack, secrets)}\n`);
  }
  return code;
}
