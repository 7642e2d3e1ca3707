// Runs the crash source and prints each progress event as one JSON line, so the parent test can
// kill -9 this process at a chosen point.
import { createReferenceDestination } from '@hotdata-dlt/testing';
import { pipeline } from '../../src/index.ts';
import { crashSource } from './data.ts';

const [workingDir, storageDir] = process.argv.slice(2);
const p = pipeline({
  pipelineName: 'crash',
  destination: createReferenceDestination({ storage: { dir: storageDir! } }),
  workingDir: workingDir!,
  onEvent: (event) => process.stdout.write(`${JSON.stringify(event)}\n`),
});
await p.run(crashSource());
process.stdout.write('{"type":"done"}\n');
