import { HotdataDltError, LOADS_TABLE_NAME } from '@hotdata-dlt/core';
import type { Pipeline } from '@hotdata-dlt/pipeline';

/** The newest completed load of a pipeline, from the destination's `_dlt_loads`. */
export interface LastLoad {
  loadId: string;
  insertedAt: Date;
}

/** A dataset, database or `_dlt_loads` that does not exist yet: the pipeline never loaded. */
export function isNeverLoadedError(error: unknown): boolean {
  if (!HotdataDltError.isInstance(error)) return false;
  if (error.code === 'DESTINATION_UNDEFINED_ENTITY') return true;
  return (
    ['HOTDATA_NOT_FOUND', 'HOTDATA_BAD_REQUEST'].includes(error.code) &&
    /does not exist|not found|no such table/i.test(error.message)
  );
}

const quote = (value: string) => `'${value.replaceAll("'", "''")}'`;

/**
 * The last successful load (status 0) of the given schemas, or `undefined` when there is none — also
 * when the database or `_dlt_loads` does not exist yet. Other failures (network, auth) propagate.
 */
export async function lastSuccessfulLoad(
  p: Pipeline,
  schemaNames: readonly string[],
): Promise<LastLoad | undefined> {
  if (schemaNames.length === 0) return undefined;
  const sql = `SELECT load_id, inserted_at FROM ${LOADS_TABLE_NAME} WHERE status = 0 AND schema_name IN (${schemaNames.map(quote).join(', ')}) ORDER BY inserted_at DESC LIMIT 1`;
  let rows: Record<string, unknown>[];
  try {
    rows = await p.dataset().sql(sql).toRows();
  } catch (error) {
    if (isNeverLoadedError(error)) return undefined;
    throw error;
  }
  const row = rows[0];
  if (!row) return undefined;
  const insertedAt = row.inserted_at instanceof Date ? row.inserted_at : new Date(String(row.inserted_at));
  return { loadId: String(row.load_id), insertedAt };
}

/** Freshness of a pipeline at `now`. */
export type FreshnessStatus = 'fresh' | 'stale' | 'never-loaded' | 'unbounded';

export function freshnessStatus(
  last: LastLoad | undefined,
  boundMs: number | undefined,
  now: number,
): FreshnessStatus {
  if (boundMs === undefined) return 'unbounded';
  if (!last) return 'never-loaded';
  return now - last.insertedAt.getTime() <= boundMs ? 'fresh' : 'stale';
}
