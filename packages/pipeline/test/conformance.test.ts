import { createReferenceDestination, describeDestinationConformance } from '@hotdata-dlt/testing';
import { pipeline } from '../src/index.ts';

describeDestinationConformance({
  name: 'reference (memory)',
  setup: async () => ({ destination: createReferenceDestination() }),
  pipeline: (options) => pipeline(options),
});
