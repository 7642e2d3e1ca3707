import type { Destination, DestinationClient, DestinationClientOptions } from '@hotdata-dlt/core';
import { hotdataCapabilities } from './capabilities.ts';
import {
  type HotdataDestinationOptions,
  type ResolvedDestinationConfiguration,
  resolveConfiguration,
} from './configuration.ts';
import type { ChainJobContext } from './internal/chain-job.ts';
import { HotdataDestinationClient } from './internal/client.ts';

/** The destination returned by {@link hotdata}. */
export interface HotdataDestination extends Destination {
  readonly destinationType: 'hotdata';
  readonly defaultWriteDisposition: ResolvedDestinationConfiguration['writeDisposition'];
  /** The resolved, secret-free settings (database, schema, merge execution ...). */
  readonly settings: Readonly<Omit<ResolvedDestinationConfiguration, 'credentials'>>;
  client(options: DestinationClientOptions): Promise<DestinationClient>;
}

/**
 * The Hotdata destination: loads a pipeline's tables into one Hotdata database (found by exact name,
 * created when missing) with every dlt write disposition, dlt's system tables and state sync.
 * Options fall back to `HOTDATA_*` environment variables; the API key is read when a client opens.
 *
 * @example
 * ```ts
 * import { pipeline } from '@hotdata-dlt/pipeline';
 * import { hotdata } from '@hotdata-dlt/destination-hotdata';
 *
 * const p = pipeline({
 *   pipelineName: 'shop',
 *   destination: hotdata({ databaseName: 'sales', declaredTables: ['orders', 'orders__items'] }),
 * });
 * await p.run(orders);
 * ```
 */
export function hotdata(options: HotdataDestinationOptions = {}): HotdataDestination {
  const configuration = resolveConfiguration(options);
  const capabilities = hotdataCapabilities({ maxTableNesting: configuration.maxTableNesting });
  // Shared by the destination's clients: once the server refused a load mode, `auto` stays client-side.
  const execution: ChainJobContext['execution'] = {
    configured: configuration.mergeExecution,
    serverRefusedModes: false,
  };
  const { credentials: _credentials, ...settings } = configuration;
  return {
    destinationType: 'hotdata',
    destinationName: 'hotdata',
    capabilities,
    defaultWriteDisposition: configuration.writeDisposition,
    settings,
    async client(clientOptions) {
      return new HotdataDestinationClient(configuration, capabilities, clientOptions, execution);
    },
    describe() {
      return {
        apiUrl: configuration.apiUrl,
        database: configuration.databaseName,
        schema: configuration.schemaFromDataset ? '(dataset name)' : configuration.schema,
        mergeExecution: configuration.mergeExecution,
      };
    },
  };
}
