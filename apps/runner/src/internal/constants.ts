/** Output formats of `hotdata-dlt query`. */
export const QUERY_FORMATS = ['table', 'json', 'csv'] as const;
export type QueryFormat = (typeof QUERY_FORMATS)[number];

/** Actions of `hotdata-dlt pipeline <name> <action>`. */
export const PIPELINE_ACTIONS = ['info', 'drop-pending-packages', 'sync', 'state'] as const;
