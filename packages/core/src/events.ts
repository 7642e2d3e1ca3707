import type { PipelineStep } from './errors.ts';
import type { WriteDisposition } from './schema/types.ts';

interface EventBase {
  pipelineName: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

/** Row counts of one table within a load package. */
export interface TableMetrics {
  table: string;
  rows: number;
  writeDisposition?: WriteDisposition;
  /** Seconds spent loading the table (load step only). */
  seconds?: number;
  bytes?: number;
}

/**
 * Progress events emitted by a pipeline run (`onEvent` option). Names are noun-verb. A runner turns
 * them into progress bars, plain lines or NDJSON; libraries never print.
 */
export type PipelineEvent =
  | (EventBase & { type: 'run-start'; datasetName: string; destinationName: string })
  | (EventBase & { type: 'sync-end'; restoredState: boolean; restoredSchemas: string[] })
  | (EventBase & { type: 'pending-packages-found'; loadIds: string[] })
  | (EventBase & { type: 'extract-start'; loadId: string; resources: string[] })
  | (EventBase & { type: 'resource-extract-progress'; loadId: string; resource: string; items: number })
  | (EventBase & { type: 'resource-extract-end'; loadId: string; resource: string; items: number })
  | (EventBase & { type: 'extract-end'; loadId: string; items: number; seconds: number })
  | (EventBase & { type: 'normalize-start'; loadId: string })
  | (EventBase & { type: 'normalize-file-end'; loadId: string; table: string; file: string; rows: number })
  | (EventBase & { type: 'normalize-end'; loadId: string; tables: TableMetrics[]; seconds: number })
  | (EventBase & { type: 'load-start'; loadId: string; tables: string[] })
  | (EventBase & { type: 'load-job-start'; loadId: string; table: string; tables: string[] })
  | (EventBase & {
      type: 'load-job-end';
      loadId: string;
      table: string;
      status: 'completed' | 'failed' | 'retry';
      tables: TableMetrics[];
      seconds: number;
      error?: string;
    })
  | (EventBase & { type: 'load-end'; loadId: string; status: 'loaded' | 'aborted'; seconds: number })
  | (EventBase & { type: 'step-failed'; step: PipelineStep; loadId?: string; error: string })
  | (EventBase & { type: 'run-end'; loadIds: string[]; seconds: number });

export type PipelineEventType = PipelineEvent['type'];

/** Receives progress events. Must not throw; errors thrown here are ignored by the engine. */
export type PipelineEventListener = (event: PipelineEvent) => void;
