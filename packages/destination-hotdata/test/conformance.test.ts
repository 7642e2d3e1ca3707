import { pipeline } from '@hotdata-dlt/pipeline';
import { describeDestinationConformance, startLocalForTest } from '@hotdata-dlt/testing';
import { localDestination, uniqueName } from './helpers.ts';

// Every scenario uses its own dataset: with schemaFromDataset each gets its own Hotdata schema in one
// database, as datasets share a database in dlt's SQL destinations.
for (const mergeExecution of ['server', 'client'] as const) {
  describeDestinationConformance({
    name: `hotdata (${mergeExecution}-side merges)`,
    async setup() {
      const local = await startLocalForTest();
      return {
        destination: localDestination(local, {
          databaseName: uniqueName('conformance'),
          schemaFromDataset: true,
          mergeExecution,
        }),
        teardown: () => local.close(),
      };
    },
    pipeline: (options) => pipeline(options),
  });
}
