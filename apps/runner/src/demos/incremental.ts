import { incremental, resource, source } from '@hotdata-dlt/core';
import type { PipelineDefinition } from '../config.ts';

interface Ticket {
  id: number;
  subject: string;
  status: 'new' | 'open' | 'pending' | 'solved' | 'closed';
  priority: 'low' | 'normal' | 'high' | 'urgent';
  assignee: string | null;
  tags: string[];
  updatedAt: string;
}

/**
 * The history of a small help desk, as versions of tickets. The fake API below shows, on day N, the
 * latest version of every ticket as of that day.
 */
const VERSIONS: Array<{ day: number; ticket: Ticket }> = [
  {
    day: 1,
    ticket: {
      id: 1,
      subject: 'Cannot log in',
      status: 'open',
      priority: 'high',
      assignee: 'sam',
      tags: ['auth'],
      updatedAt: '2024-05-01T08:10:00Z',
    },
  },
  {
    day: 1,
    ticket: {
      id: 2,
      subject: 'Invoice shows the wrong VAT',
      status: 'new',
      priority: 'normal',
      assignee: null,
      tags: ['billing'],
      updatedAt: '2024-05-01T09:30:00Z',
    },
  },
  {
    day: 1,
    ticket: {
      id: 3,
      subject: 'Export to CSV is slow',
      status: 'open',
      priority: 'low',
      assignee: 'kim',
      tags: ['export', 'performance'],
      updatedAt: '2024-05-01T11:05:00Z',
    },
  },
  {
    day: 1,
    ticket: {
      id: 4,
      subject: 'Add dark mode',
      status: 'pending',
      priority: 'low',
      assignee: null,
      tags: ['feature-request'],
      updatedAt: '2024-05-01T13:45:00Z',
    },
  },
  {
    day: 1,
    ticket: {
      id: 5,
      subject: 'Password reset mail never arrives',
      status: 'open',
      priority: 'urgent',
      assignee: 'sam',
      tags: ['auth', 'email'],
      updatedAt: '2024-05-01T16:20:00Z',
    },
  },
  {
    day: 2,
    ticket: {
      id: 1,
      subject: 'Cannot log in',
      status: 'solved',
      priority: 'high',
      assignee: 'sam',
      tags: ['auth'],
      updatedAt: '2024-05-02T09:00:00Z',
    },
  },
  {
    day: 2,
    ticket: {
      id: 2,
      subject: 'Invoice shows the wrong VAT',
      status: 'open',
      priority: 'high',
      assignee: 'lea',
      tags: ['billing', 'tax'],
      updatedAt: '2024-05-02T10:15:00Z',
    },
  },
  {
    day: 2,
    ticket: {
      id: 6,
      subject: 'API returns 500 on /orders',
      status: 'new',
      priority: 'urgent',
      assignee: null,
      tags: ['api'],
      updatedAt: '2024-05-02T12:40:00Z',
    },
  },
  {
    day: 3,
    ticket: {
      id: 5,
      subject: 'Password reset mail never arrives',
      status: 'solved',
      priority: 'urgent',
      assignee: 'sam',
      tags: ['auth', 'email'],
      updatedAt: '2024-05-03T08:05:00Z',
    },
  },
  {
    day: 3,
    ticket: {
      id: 6,
      subject: 'API returns 500 on /orders',
      status: 'open',
      priority: 'urgent',
      assignee: 'kim',
      tags: ['api', 'incident'],
      updatedAt: '2024-05-03T09:50:00Z',
    },
  },
];

/** The last day of the fake history: later runs find nothing new. */
export const HELPDESK_LAST_DAY = 3;

/** The fake API: tickets updated at or after `since`, as of `day` (latest version per ticket). */
function fetchTicketsUpdatedSince(since: string | undefined, day: number): Ticket[] {
  const latest = new Map<number, Ticket>();
  for (const version of VERSIONS) if (version.day <= day) latest.set(version.ticket.id, version.ticket);
  return [...latest.values()]
    .filter((ticket) => since === undefined || ticket.updatedAt >= since)
    .sort((left, right) => left.updatedAt.localeCompare(right.updatedAt));
}

const tickets = resource(
  async function* ({ incremental: cursor, state }) {
    // The simulated clock: every run is one day later in the help desk's history.
    const day = Math.min(((state.day as number | undefined) ?? 0) + 1, HELPDESK_LAST_DAY);
    state.day = day;
    // Ask only for what changed since the last run; rows equal to the last value are de-duplicated.
    yield fetchTicketsUpdatedSince(cursor.startValue as string | undefined, day);
  },
  {
    name: 'tickets',
    primaryKey: 'id',
    writeDisposition: 'merge',
    incremental: incremental('updatedAt', { initialValue: '2024-01-01T00:00:00Z' }),
  },
);

/**
 * The `helpdesk` source of the `incremental` demo: `tickets` merged on `id` with an `updated_at` cursor.
 * Each run asks the (simulated) API only for tickets changed since the last run; changed tickets replace
 * their earlier version, and their `tags` list (child table `tickets__tags`) is replaced with them.
 */
export const helpdeskSource = source('helpdesk', () => [tickets]);

/** Options of {@link incrementalDemo}. */
export interface IncrementalDemoOptions {
  /** Hotdata database. Default `example_helpdesk`. */
  databaseName?: string;
  /** Cron schedule. Default: none. */
  schedule?: string;
  /** Freshness bound. Default `'1 hour'`. */
  freshness?: string;
}

/**
 * The `incremental` demo pipeline: help desk tickets merged on `id` with an `updated_at` cursor into the
 * Hotdata database `example_helpdesk`. Run it twice to see tickets updated in place.
 */
export function incrementalDemo(options: IncrementalDemoOptions = {}): PipelineDefinition {
  return {
    name: 'incremental',
    description: 'merge on id with an updated_at cursor (run it twice to see updates)',
    source: () => helpdeskSource(),
    destination: { databaseName: options.databaseName ?? 'example_helpdesk' },
    freshness: options.freshness ?? '1 hour',
    ...(options.schedule ? { schedule: options.schedule } : {}),
  };
}
