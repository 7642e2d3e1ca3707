#!/usr/bin/env node
// The hotdata-local command: starts the server and prints its URL and token (the only place in this
// package that prints).
import { parseArgs } from 'node:util';
import { startHotdataLocal } from './server.ts';

const usage = `Usage: hotdata-local [options]

Starts a Hotdata-compatible API server on embedded DuckDB.

Options:
  --port <n>                 TCP port (default 8787; 0 picks a free one)
  --host <address>           interface to listen on (default 127.0.0.1)
  --data-dir <path>          keep data here across restarts (default: a temporary folder)
  --token <token>            accepted bearer token (default: a random hd_local_ token)
  --workspace <id>           workspace public id (default ws_local)
  --legacy-declared-tables   only tables declared at database creation can be loaded
  --no-key-load-modes        loads know only replace and append (servers before July 2026)
  --no-presign               answer POST /v1/uploads with 501 (clients fall back to POST /v1/files)
  --preview-limit <rows>     inline query preview cap (default 10000)
  --fault-rate <0..1>        share of requests answered with an injected error
  --fault-statuses <list>    statuses for --fault-rate (default 429,503)
  --fault-seed <n>           seed of the fault generator (default 1)
  --latency-ms <n>           added latency per request
  --drop-rate <0..1>         share of requests whose connection is dropped unanswered
  --lock-rate <0..1>         share of loads answered 409 RESOURCE_LOCKED
  -h, --help                 show this help`;

function number(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) {
    console.error(`hotdata-local: --${name} needs a number, got '${value}'.\n\n${usage}`);
    process.exit(2);
  }
  return parsed;
}

let parsed: ReturnType<typeof parseArgs>;
try {
  parsed = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      token: { type: 'string' },
      workspace: { type: 'string' },
      'legacy-declared-tables': { type: 'boolean' },
      'no-key-load-modes': { type: 'boolean' },
      'no-presign': { type: 'boolean' },
      'preview-limit': { type: 'string' },
      'fault-rate': { type: 'string' },
      'fault-statuses': { type: 'string' },
      'fault-seed': { type: 'string' },
      'latency-ms': { type: 'string' },
      'drop-rate': { type: 'string' },
      'lock-rate': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
} catch (error) {
  console.error(`hotdata-local: ${(error as Error).message}\n\n${usage}`);
  process.exit(2);
}
const values = parsed.values as Record<string, string | boolean | undefined>;
if (values.help) {
  console.log(usage);
  process.exit(0);
}

const faultRate = number(values['fault-rate'] as string | undefined, 'fault-rate');
const latency = number(values['latency-ms'] as string | undefined, 'latency-ms');
const dropRate = number(values['drop-rate'] as string | undefined, 'drop-rate');
const lockRate = number(values['lock-rate'] as string | undefined, 'lock-rate');
let local: Awaited<ReturnType<typeof startHotdataLocal>>;
try {
  local = await startHotdataLocal({
    // Flags win over the library's HOTDATA_LOCAL_* env vars; only the port has a CLI default of its own.
    ...(values.port !== undefined || !process.env.HOTDATA_LOCAL_PORT
      ? { port: number(values.port as string | undefined, 'port') ?? 8787 }
      : {}),
    ...(values.host ? { host: values.host as string } : {}),
    ...(values['data-dir'] ? { dataDir: values['data-dir'] as string } : {}),
    ...(values.token ? { token: values.token as string } : {}),
    ...(values.workspace ? { workspaceId: values.workspace as string } : {}),
    ...(values['legacy-declared-tables'] ? { legacyDeclaredTables: true } : {}),
    ...(values['no-key-load-modes'] ? { keyLoadModes: false } : {}),
    ...(values['no-presign'] ? { presign: false } : {}),
    ...(values['preview-limit']
      ? { previewRowLimit: number(values['preview-limit'] as string, 'preview-limit')! }
      : {}),
    ...(faultRate || latency || dropRate || lockRate
      ? {
          faults: {
            ...(faultRate ? { rate: faultRate } : {}),
            ...(latency ? { latencyMs: latency } : {}),
            ...(dropRate ? { dropRate } : {}),
            ...(lockRate ? { lockRate } : {}),
            seed: number(values['fault-seed'] as string | undefined, 'fault-seed') ?? 1,
            ...(values['fault-statuses']
              ? {
                  statuses: String(values['fault-statuses'])
                    .split(',')
                    .map((status) => Number(status)),
                }
              : {}),
          },
        }
      : {}),
  });
} catch (error) {
  console.error(`hotdata-local: ${(error as Error).message}`);
  process.exit(1);
}

console.log(`hotdata-local listening on ${local.url}`);
console.log(`  HOTDATA_API_URL=${local.url}`);
console.log(`  HOTDATA_API_KEY=${local.token}`);
console.log(`  HOTDATA_WORKSPACE=${local.workspaceId}`);
console.log(`  data: ${local.dataDir}${local.temporary ? ' (temporary)' : ''}`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await local.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
