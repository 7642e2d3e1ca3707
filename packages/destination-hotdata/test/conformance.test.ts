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

// A server from before the key-based load modes (July 2026) refuses upsert, update and delete as an
// unknown mode: `mergeExecution: 'auto'` must notice on the first refused load and merge client-side.
describeDestinationConformance({
  name: 'hotdata (auto on a server without key load modes)',
  async setup() {
    const local = await startLocalForTest({ keyLoadModes: false });
    return {
      destination: localDestination(local, {
        databaseName: uniqueName('conformance_old'),
        schemaFromDataset: true,
        mergeExecution: 'auto',
      }),
      teardown: async () => {
        // The fallback really happened: the server refused key modes, and no key-mode load succeeded.
        const loads = local.requestLog.filter((entry) => entry.path.endsWith('/loads'));
        if (!loads.some((entry) => entry.status === 400)) throw new Error('no load mode was refused');
        await local.close();
      },
    };
  },
  pipeline: (options) => pipeline(options),
});
