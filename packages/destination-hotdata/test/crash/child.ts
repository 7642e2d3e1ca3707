// Loads run 1 and run 2 of the crash data into hotdata-local (URL, token and database from argv) and
// prints progress events and the destination's debug lines as JSON, so the parent can kill -9 it at a
// chosen point of run 2.
import { pipeline } from '@hotdata-dlt/pipeline';
import { hotdata } from '../../src/index.ts';
import { crashSource } from './data.ts';

const [workingDir, url, token, workspaceId, databaseName, mergeExecution] = process.argv.slice(2);
const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
let run = 0;
const p = pipeline({
  pipelineName: 'crash',
  destination: hotdata({
    apiUrl: url,
    apiKey: token,
    workspaceId,
    databaseName,
    retryBackoffSeconds: 0.01,
    mergeExecution: mergeExecution === 'client' ? 'client' : 'server',
  }),
  workingDir: workingDir!,
  onEvent: (event) => print({ ...event, run }),
  logger: {
    debug: (message, fields) => print({ type: 'log', message, run, ...fields }),
    info() {},
    warn() {},
    error() {},
  },
});
run = 1;
await p.run(crashSource(1));
run = 2;
await p.run(crashSource(2));
print({ type: 'done' });
