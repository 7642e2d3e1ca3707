// Child process for the kill-mode crash test: loads two append chains into a Parquet-dir reference
// destination that SIGKILLs this process when the second chain starts. Arguments: <storage dir> <files dir>.
import { noopLogger } from '@hotdata-dlt/core';
import { createReferenceDestination } from '../index.ts';
import { appendJob, exampleSchema } from './jobs.ts';

const [storageDir, filesDir] = process.argv.slice(2) as [string, string];
const schema = exampleSchema();
const destination = createReferenceDestination({
  storage: { dir: storageDir },
  failures: { crashAfterChains: 1, crash: { kill: true } },
});
const client = await destination.client({ schema, datasetName: 'crash', logger: noopLogger });
await client.initializeStorage();
await client.updateStoredSchema();
await client.runTableChain(await appendJob(schema, filesDir, 'events', [1, 2], '1700000000.1'));
await client.runTableChain(await appendJob(schema, filesDir, 'notes', [3], '1700000000.1'));
process.stdout.write('survived\n');
