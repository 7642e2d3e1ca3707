import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigurationError } from '@hotdata-dlt/core';
import type { SeriesSpec } from '../config.ts';
import { FredError } from '../errors.ts';
import { parseFredgraphCsv } from './csv.ts';
import { type Observation, withinRange } from './observation.ts';

/** Lists a directory once per run; lookups are case-insensitive. */
export class SeriesDirectory {
  readonly #directory: string;
  #listing: Promise<Map<string, string[]>> | undefined;

  constructor(directory: string) {
    this.#directory = directory;
  }

  async #files(): Promise<Map<string, string[]>> {
    this.#listing ??= readdir(this.#directory, { withFileTypes: true }).then(
      (entries) => {
        const byLowerName = new Map<string, string[]>();
        for (const entry of entries) {
          if (!entry.isFile() && !entry.isSymbolicLink()) continue;
          const key = entry.name.toLowerCase();
          byLowerName.set(key, [...(byLowerName.get(key) ?? []), entry.name]);
        }
        return byLowerName;
      },
      (error: unknown) => {
        throw new ConfigurationError(
          `fred(): fromDirectory '${this.#directory}' cannot be read (${(error as { code?: string }).code ?? String(error)}). Pass a directory holding fredgraph CSV files.`,
          { cause: error },
        );
      },
    );
    return this.#listing;
  }

  /**
   * The file of a series: `fredgraph_<ID>.csv`, `<ID>.csv`, `<name>.csv`, else the single
   * `fredgraph_<ID>_*.csv` / `<ID>_*.csv`. Several matches of the last kind are ambiguous.
   */
  async find(spec: SeriesSpec): Promise<string> {
    const files = await this.#files();
    const id = spec.id.toLowerCase();
    const exact = [`fredgraph_${id}.csv`, `${id}.csv`, `${spec.name.toLowerCase()}.csv`];
    for (const candidate of exact) {
      const found = files.get(candidate);
      if (found?.length === 1) return join(this.#directory, found[0]!);
    }
    const prefixed = [...files.entries()]
      .filter(
        ([lower]) =>
          lower.endsWith('.csv') && (lower.startsWith(`fredgraph_${id}_`) || lower.startsWith(`${id}_`)),
      )
      .flatMap(([, names]) => names)
      .sort();
    if (prefixed.length === 1) return join(this.#directory, prefixed[0]!);
    if (prefixed.length > 1) {
      throw new ConfigurationError(
        `fred(): several files in '${this.#directory}' match series ${spec.id} (${spec.name}): ${prefixed.join(', ')}. Keep one, or rename it to ${spec.id}.csv.`,
      );
    }
    throw new FredError(
      `No file for series ${spec.id} (${spec.name}) in '${this.#directory}': looked for ${exact.map((name) => name.replace(id, spec.id)).join(', ')} and fredgraph_${spec.id}_*.csv. Save the series from https://fred.stlouisfed.org/graph/fredgraph.csv?id=${spec.id} there.`,
      { kind: 'not_found', seriesId: spec.id, seriesName: spec.name },
    );
  }

  /** The series' observations from its file, within the date bounds. */
  async read(spec: SeriesSpec, start: string | undefined, end: string | undefined): Promise<Observation[]> {
    const path = await this.find(spec);
    const text = await readFile(path, 'utf8');
    return withinRange(parseFredgraphCsv(text, { ...spec, origin: `file ${path}` }), start, end);
  }
}
