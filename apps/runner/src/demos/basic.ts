import { resource, source } from '@hotdata-dlt/core';
import type { PipelineDefinition } from '../config.ts';

const CUSTOMERS = [
  {
    id: 1,
    name: 'Alice Martin',
    email: 'alice@example.com',
    country: 'FR',
    signedUpAt: '2024-01-03T09:12:00Z',
  },
  { id: 2, name: 'Bob Okafor', email: 'bob@example.com', country: 'NG', signedUpAt: '2024-01-17T14:40:00Z' },
  { id: 3, name: 'Chen Wei', email: 'chen@example.com', country: 'SG', signedUpAt: '2024-02-02T02:05:00Z' },
  { id: 4, name: 'Dana Costa', email: 'dana@example.com', country: 'BR', signedUpAt: '2024-02-20T18:30:00Z' },
];

const ORDERS = [
  {
    id: 1001,
    customerId: 1,
    orderedAt: '2024-03-01T10:00:00Z',
    status: 'delivered',
    shipping: { method: 'standard', city: 'Lyon' },
    items: [
      { sku: 'COF-250', name: 'Coffee beans 250 g', quantity: 2, unitPrice: 8.5 },
      { sku: 'MUG-01', name: 'Mug', quantity: 1, unitPrice: 12 },
    ],
  },
  {
    id: 1002,
    customerId: 2,
    orderedAt: '2024-03-02T16:20:00Z',
    status: 'delivered',
    shipping: { method: 'express', city: 'Lagos' },
    items: [{ sku: 'TEA-100', name: 'Green tea 100 g', quantity: 3, unitPrice: 6 }],
  },
  {
    id: 1003,
    customerId: 1,
    orderedAt: '2024-03-05T08:45:00Z',
    status: 'shipped',
    shipping: { method: 'standard', city: 'Lyon' },
    items: [
      { sku: 'COF-1K', name: 'Coffee beans 1 kg', quantity: 1, unitPrice: 29 },
      { sku: 'FIL-100', name: 'Paper filters', quantity: 2, unitPrice: 3.5 },
      { sku: 'GRD-02', name: 'Hand grinder', quantity: 1, unitPrice: 45 },
    ],
  },
  {
    id: 1004,
    customerId: 3,
    orderedAt: '2024-03-06T03:10:00Z',
    status: 'paid',
    shipping: { method: 'express', city: 'Singapore' },
    items: [{ sku: 'COF-250', name: 'Coffee beans 250 g', quantity: 4, unitPrice: 8.5 }],
  },
  {
    id: 1005,
    customerId: 4,
    orderedAt: '2024-03-07T21:55:00Z',
    status: 'paid',
    shipping: { method: 'standard', city: 'Recife' },
    items: [
      { sku: 'MUG-01', name: 'Mug', quantity: 2, unitPrice: 12 },
      { sku: 'TEA-100', name: 'Green tea 100 g', quantity: 1, unitPrice: 6 },
    ],
  },
];

const customers = resource(CUSTOMERS, { name: 'customers', writeDisposition: 'append' });

const orders = resource(
  async function* () {
    // A paged API: two orders per page.
    for (let index = 0; index < ORDERS.length; index += 2) yield ORDERS.slice(index, index + 2);
  },
  { name: 'orders', writeDisposition: 'append' },
);

/**
 * The `shop` source of the `basic` demo: `customers` and `orders` appended on every run. Each order's
 * `items` list becomes the child table `orders__items` (linked by `_dlt_parent_id`), its `shipping` object
 * the columns `shipping__method` and `shipping__city`, and camelCase keys become snake_case columns.
 */
export const shopSource = source('shop', () => [customers, orders]);

/** Options of {@link basicDemo}. */
export interface BasicDemoOptions {
  /** Hotdata database. Default `example_shop`. */
  databaseName?: string;
  /** Cron schedule. Default: none. */
  schedule?: string;
  /** Freshness bound. Default `'1 day'`. */
  freshness?: string;
}

/**
 * The `basic` demo pipeline: append-only `customers` and `orders` (with nested `items`) into the Hotdata
 * database `example_shop`.
 *
 * @example
 * ```ts
 * export default defineConfig({ pipelines: [basicDemo()] }); // hotdata-dlt run basic
 * ```
 */
export function basicDemo(options: BasicDemoOptions = {}): PipelineDefinition {
  return {
    name: 'basic',
    description: 'append: customers and orders with nested items',
    source: () => shopSource(),
    destination: { databaseName: options.databaseName ?? 'example_shop' },
    freshness: options.freshness ?? '1 day',
    ...(options.schedule ? { schedule: options.schedule } : {}),
  };
}
