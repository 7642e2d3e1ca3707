// Runs the crash source and prints each progress event as one JSON line, so the parent test can
// kill -9 this process at a chosen point. An optional third argument holds reference-destination
// failures (JSON), e.g. a SIGKILL in the middle of a table chain.
import { createReferenceDestination } from '@hotdata-dlt/testing';
import { pipeline } from '../../src/index.ts';
import { crashSource } from './data.ts';

const [workingDir, storageDir, failures] = process.argv.slice(2);
const p = pipeline({
  pipelineName: 'crash',
  destination: createReferenceDestination({
    storage: { dir: storageDir! },
    ...(failures ? { failures: JSON.parse(failures) } : {}),
  }),
  workingDir: workingDir!,
  onEvent: (event) => process.stdout.write(`${JSON.stringify(event)}\n`),
});
await p.run(crashSource());
process.stdout.write('{"type":"done"}\n');
