import { resource } from '@hotdata-dlt/core';
import type { HotdataLocal } from '@hotdata-dlt/hotdata-local';
import { useHotdataLocal } from '@hotdata-dlt/testing';
import { tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import type { MergeExecution } from '../src/index.ts';
import { freshPipeline, localDestination, sqlRows, uniqueName, useTempDirs } from './helpers.ts';

const local = useHotdataLocal();
const temp = useTempDirs();

const TABLE_ROWS = 100_000;
const UPSERT_ROWS = 1_000;

function accounts(from: number, count: number, label: string) {
  const ids = BigInt64Array.from({ length: count }, (_, index) => BigInt(from + index));
  return tableFromArrays({
    id: ids,
    owner: Array.from({ length: count }, (_, index) => `${label}-${from + index}`),
    balance: Float64Array.from({ length: count }, (_, index) => (from + index) * 1.5),
  });
}

/** Bytes the client sent as upload bodies (presigned PUTs and legacy uploads). */
function uploadedBytes(server: HotdataLocal): number {
  return server.requestLog
    .filter((entry) => entry.method === 'PUT' || entry.path === '/v1/files')
    .reduce((sum, entry) => sum + entry.requestBytes, 0);
}

async function upsertCost(mergeExecution: MergeExecution) {
  const database = uniqueName(`cost_${mergeExecution}`);
  const p = await freshPipeline(
    temp,
    `cost_${mergeExecution}`,
    localDestination(local(), { databaseName: database, mergeExecution }),
  );
  const hints = {
    name: 'accounts',
    primaryKey: 'id',
    writeDisposition: { disposition: 'merge', strategy: 'upsert' },
  } as const;
  local().clearRequestLog();
  await p.run(resource(accounts(0, TABLE_ROWS, 'a'), hints));
  const fullLoad = uploadedBytes(local());
  local().clearRequestLog();
  // Half updates of existing keys, half new keys.
  const info = await p.run(resource(accounts(TABLE_ROWS - UPSERT_ROWS / 2, UPSERT_ROWS, 'b'), hints));
  const upsert = uploadedBytes(local());
  const counted = await sqlRows(
    local(),
    database,
    "select count(*) as n, count(*) filter (where owner like 'b-%') as b from public.accounts",
  );
  return { fullLoad, upsert, info, counted: counted[0] };
}

describe('cost of a load', () => {
  it(`server-side: an upsert of ${UPSERT_ROWS} rows into ${TABLE_ROWS} uploads about ${UPSERT_ROWS} rows`, async () => {
    const { fullLoad, upsert, info, counted } = await upsertCost('server');
    expect(counted).toEqual({ n: TABLE_ROWS + UPSERT_ROWS / 2, b: UPSERT_ROWS });
    const ratio = upsert / fullLoad;
    console.log(`server-side upsert: full load ${fullLoad} B, upsert ${upsert} B, ratio ${ratio.toFixed(4)}`);
    // 1k of 100k rows is 1 %; Parquet overhead (footer, system rows) keeps it a little above.
    expect(ratio).toBeLessThan(0.05);
    const accountsMetrics = info.packages
      .flatMap((item) => item.tables)
      .find((table) => table.table === 'accounts');
    expect(accountsMetrics?.bytes).toBeGreaterThan(0);
    expect(accountsMetrics!.bytes!).toBeLessThan(fullLoad * 0.05);
  });

  it('client-side: the same upsert rewrites the whole table', async () => {
    const { fullLoad, upsert, counted } = await upsertCost('client');
    expect(counted).toEqual({ n: TABLE_ROWS + UPSERT_ROWS / 2, b: UPSERT_ROWS });
    console.log(
      `client-side upsert: full load ${fullLoad} B, upsert ${upsert} B, ratio ${(upsert / fullLoad).toFixed(4)}`,
    );
    expect(upsert).toBeGreaterThan(fullLoad * 0.5);
  });
});
