import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHotdataClient, type HotdataClient } from '@hotdata-dlt/hotdata-api';
import type { HotdataLocal } from '@hotdata-dlt/hotdata-local';
import { type Pipeline, pipeline } from '@hotdata-dlt/pipeline';
import { afterAll } from 'vitest';
import { type HotdataDestination, type HotdataDestinationOptions, hotdata } from '../src/index.ts';

let counter = 0;

/** Unique names per test run (pid + counter), valid as Hotdata identifiers. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}_${process.pid}_${counter}`;
}

/** Temporary folders removed after the test file. */
export function useTempDirs(): (name: string) => Promise<string> {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  return async (name: string) => {
    const dir = await mkdtemp(join(tmpdir(), `hotdata-dest-${name}-`));
    dirs.push(dir);
    return dir;
  };
}

/** A hotdata() destination pointed at a running hotdata-local, with fast retries. */
export function localDestination(
  local: HotdataLocal,
  options: HotdataDestinationOptions = {},
): HotdataDestination {
  return hotdata({
    apiUrl: local.url,
    apiKey: local.token,
    workspaceId: local.workspaceId,
    retryBackoffSeconds: 0.01,
    ...options,
  });
}

/** The raw API client for checks behind the destination's back. */
export function apiClient(local: HotdataLocal): HotdataClient {
  return createHotdataClient({
    apiUrl: local.url,
    apiKey: local.token,
    workspaceId: local.workspaceId,
    retryBackoffSeconds: 0.01,
  });
}

/** The id of the only database with this exact name. */
export async function databaseId(local: HotdataLocal, name: string): Promise<string> {
  const ids: string[] = [];
  for await (const database of apiClient(local).databases.list({ search: name })) {
    if (database.name === name) ids.push(database.id);
  }
  if (ids.length !== 1) throw new Error(`expected one database named ${name}, found ${ids.length}`);
  return ids[0]!;
}

/** Rows of a SQL query against a database by name, values as JSON (sorted by the query). */
export async function sqlRows(
  local: HotdataLocal,
  database: string,
  sql: string,
): Promise<Record<string, unknown>[]> {
  const id = await databaseId(local, database);
  const result = await apiClient(local).query(sql, { databaseId: id });
  return result.rows.map((row) =>
    Object.fromEntries(result.columns.map((column, index) => [column, row[index]])),
  );
}

/** A fresh pipeline with its own working dir. */
export async function freshPipeline(
  temp: (name: string) => Promise<string>,
  pipelineName: string,
  destination: HotdataDestination,
  options: { workingDir?: string; datasetName?: string } = {},
): Promise<Pipeline> {
  return pipeline({
    pipelineName,
    destination,
    workingDir: options.workingDir ?? (await temp(pipelineName)),
    ...(options.datasetName ? { datasetName: options.datasetName } : {}),
  });
}
