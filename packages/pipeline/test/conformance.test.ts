import { createReferenceDestination, describeDestinationConformance } from '@hotdata-dlt/testing';
import { pipeline } from '../src/index.ts';

describeDestinationConformance('reference (memory, client-side merge)', {
  createDestination: () => createReferenceDestination(),
  pipeline: (options) => pipeline(options),
});

describeDestinationConformance('reference (memory, planned merge)', {
  createDestination: () => createReferenceDestination({ mergeExecution: 'planned' }),
  pipeline: (options) => pipeline(options),
});
