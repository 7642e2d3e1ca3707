// The engine's extract + normalize (+ Parquet encode) on three shapes, each beside DuckDB in the same
// process loading the same rows with its appender and writing them with `COPY ... TO PARQUET`:
//   (a) 1M flat rows of 5 columns (int, text, float, bool, ISO timestamp string)
//   (b) 200k rows with two nested lists (3 scalars, a list of strings, a list of objects); the engine
//       unnests them into child tables, DuckDB keeps them as LIST / LIST(STRUCT) columns
//   (c) a 1M-row Arrow table of 5 columns, yielded in slices (the engine's Arrow fast path)
// Rows are generated page by page, so peak RSS shows the engine's own buffers, not the input. RSS is
// sampled every 20 ms during each step, after a full GC; the figure in brackets is the growth over the
// RSS at the start of the step.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DuckDBInstance, listValue, structValue, timestampValue } from '@duckdb/node-api';
import { resource } from '@hotdata-dlt/core';
import { pipeline } from '@hotdata-dlt/pipeline';
import { Bool, makeData, makeVector, Table, TimestampMicrosecond, Utf8 } from 'apache-arrow';

interface BenchOptions {
  scale: number;
  log: (line: string) => void;
}

const PAGE = 10_000;
const BASE_MICROS = 1_700_000_000_000_000n;

interface Measured {
  seconds: number;
  peakRssMb: number;
  /** Peak RSS above the RSS when the step started (after a full GC). */
  growthMb: number;
}

// A full GC before each step gives each its own baseline (without `--expose-gc` on the command line).
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Runs `work`, timing it and sampling the process RSS. */
async function measure(work: () => Promise<unknown>): Promise<Measured> {
  collectGarbage();
  const start = process.memoryUsage.rss();
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  const started = performance.now();
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, process.memoryUsage.rss());
  return {
    seconds: (performance.now() - started) / 1000,
    peakRssMb: peak / 1024 / 1024,
    growthMb: (peak - start) / 1024 / 1024,
  };
}

function* pages<T>(rows: number, make: (index: number) => T): Generator<T[]> {
  for (let start = 0; start < rows; start += PAGE) {
    const size = Math.min(PAGE, rows - start);
    yield Array.from({ length: size }, (_, offset) => make(start + offset));
  }
}

const isoAt = (index: number) => new Date(1_700_000_000_000 + index * 1000).toISOString();

const flatRow = (index: number) => ({
  id: index,
  name: `name-${index}`,
  amount: index * 1.5 + 0.25,
  ok: index % 2 === 0,
  created_at: isoAt(index),
});

const nestedRow = (index: number) => ({
  id: index,
  name: `order-${index}`,
  total: index * 0.5 + 0.25,
  tags: [`t${index % 7}`, `t${index % 11}`, `t${index % 13}`],
  lines: [
    { sku: `sku-${index % 100}`, qty: (index % 5) + 1 },
    { sku: `sku-${(index + 1) % 100}`, qty: (index % 3) + 1 },
  ],
});

function arrowTable(rows: number): Table {
  const ids = BigInt64Array.from({ length: rows }, (_, index) => BigInt(index));
  const names = Array.from({ length: rows }, (_, index) => `name-${index}`);
  const offsets = new Int32Array(rows + 1);
  names.forEach((name, index) => {
    offsets[index + 1] = offsets[index]! + name.length;
  });
  return new Table({
    id: makeVector(ids),
    name: makeVector(
      makeData({
        type: new Utf8(),
        length: rows,
        valueOffsets: offsets,
        data: Buffer.from(names.join(''), 'latin1'),
      }),
    ),
    amount: makeVector(Float64Array.from({ length: rows }, (_, index) => index * 1.5 + 0.25)),
    ok: makeVector(
      makeData({ type: new Bool(), length: rows, data: new Uint8Array(Math.ceil(rows / 8)).fill(0x55) }),
    ),
    created_at: makeVector(
      makeData({
        type: new TimestampMicrosecond('UTC'),
        length: rows,
        data: ids.map((id) => BASE_MICROS + id * 1_000_000n),
      }),
    ),
  });
}

/** Bytes of the Parquet job files the engine wrote into its normalized packages. */
async function jobBytes(workingDir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(join(workingDir, 'load', 'normalized'), { recursive: true })) {
    if (entry.endsWith('.parquet')) total += (await stat(join(workingDir, 'load', 'normalized', entry))).size;
  }
  return total;
}

/** extract + normalize through the engine (no destination: the load step is not part of this bench). */
async function engine(dir: string, name: string, data: Parameters<typeof resource>[0]) {
  const p = pipeline({ pipelineName: name, workingDir: join(dir, name), restoreFromDestination: false });
  const extract = await measure(() => p.extract(resource(data as never, { name })));
  let tables: Array<{ table: string; rows: number; files: number }> = [];
  const normalize = await measure(async () => {
    tables = (await p.normalize()).tables;
  });
  return { extract, normalize, tables };
}

interface DuckCase {
  createSql: string;
  append(
    appender: Awaited<ReturnType<Awaited<ReturnType<DuckDBInstance['connect']>>['createAppender']>>,
  ): void;
}

/** DuckDB in the same process: appender, then `COPY ... TO PARQUET`. */
async function duckdb(dir: string, name: string, duckCase: DuckCase) {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(duckCase.createSql);
    const append = await measure(async () => {
      const appender = await connection.createAppender(name);
      duckCase.append(appender);
      appender.closeSync();
    });
    const path = join(dir, `${name}.duckdb.parquet`);
    const copy = await measure(() => connection.run(`COPY ${name} TO '${path}' (FORMAT parquet)`));
    return { append, copy, bytes: (await stat(path)).size };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

export async function run({ scale, log }: BenchOptions): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-normalize-'));
  const format = (value: number) => Math.round(value).toLocaleString('en-US').padStart(11);
  const line = (label: string, rows: number, measured: Measured, extra = '') =>
    log(
      `${label.padEnd(40)} ${measured.seconds.toFixed(2).padStart(7)} s ${format(rows / measured.seconds)} rows/s  peak RSS ${measured.peakRssMb.toFixed(0).padStart(5)} MB (+${measured.growthMb.toFixed(0).padStart(3)})${extra}`,
    );
  try {
    log(
      `rows are generated in pages of ${PAGE}; RSS sampled every 20 ms (baseline ${(process.memoryUsage.rss() / 1048576).toFixed(0)} MB)`,
    );

    // (a) flat rows
    const flatRows = Math.max(PAGE, Math.round(1_000_000 * scale));
    log(`\n(a) ${flatRows.toLocaleString('en-US')} flat rows x 5 columns`);
    const flat = await engine(dir, 'flat', () => pages(flatRows, flatRow));
    line('engine extract (typed-jsonl)', flatRows, flat.extract);
    line('engine normalize + Parquet', flatRows, flat.normalize);
    const flatDuck = await duckdb(dir, 'flat', {
      createSql:
        'CREATE TABLE flat (id BIGINT, name VARCHAR, amount DOUBLE, ok BOOLEAN, created_at TIMESTAMP)',
      append(appender) {
        for (const page of pages(flatRows, flatRow)) {
          for (const row of page) {
            appender.appendBigInt(BigInt(row.id));
            appender.appendVarchar(row.name);
            appender.appendDouble(row.amount);
            appender.appendBoolean(row.ok);
            appender.appendTimestamp(timestampValue(BigInt(Date.parse(row.created_at)) * 1000n));
            appender.endRow();
          }
        }
      },
    });
    line('duckdb appender', flatRows, flatDuck.append);
    line('duckdb COPY TO PARQUET', flatRows, flatDuck.copy);
    const flatEngine = flat.extract.seconds + flat.normalize.seconds;
    const flatReference = flatDuck.append.seconds + flatDuck.copy.seconds;
    log(
      `ratio engine (extract+normalize) / duckdb (append+copy): ${(flatEngine / flatReference).toFixed(1)}x; normalize alone / duckdb: ${(flat.normalize.seconds / flatReference).toFixed(1)}x`,
    );

    // (b) nested lists
    const nestedRows = Math.max(PAGE, Math.round(200_000 * scale));
    log(`\n(b) ${nestedRows.toLocaleString('en-US')} rows with two nested lists (3 tags, 2 lines each)`);
    const nested = await engine(dir, 'nested', () => pages(nestedRows, nestedRow));
    const produced = nested.tables.reduce((total, table) => total + table.rows, 0);
    line('engine extract (typed-jsonl)', nestedRows, nested.extract);
    line(
      'engine normalize + Parquet',
      nestedRows,
      nested.normalize,
      `  (${produced.toLocaleString('en-US')} rows in ${nested.tables.map((table) => table.table).join(', ')})`,
    );
    const nestedDuck = await duckdb(dir, 'nested', {
      createSql:
        'CREATE TABLE nested (id BIGINT, name VARCHAR, total DOUBLE, tags VARCHAR[], lines STRUCT(sku VARCHAR, qty BIGINT)[])',
      append(appender) {
        for (const page of pages(nestedRows, nestedRow)) {
          for (const row of page) {
            appender.appendBigInt(BigInt(row.id));
            appender.appendVarchar(row.name);
            appender.appendDouble(row.total);
            appender.appendList(listValue(row.tags));
            appender.appendList(
              listValue(row.lines.map((item) => structValue({ sku: item.sku, qty: BigInt(item.qty) }))),
            );
            appender.endRow();
          }
        }
      },
    });
    line('duckdb appender (LIST columns)', nestedRows, nestedDuck.append);
    line('duckdb COPY TO PARQUET', nestedRows, nestedDuck.copy);
    log(
      `ratio engine (extract+normalize) / duckdb (append+copy): ${((nested.extract.seconds + nested.normalize.seconds) / (nestedDuck.append.seconds + nestedDuck.copy.seconds)).toFixed(1)}x`,
    );

    // (c) an Arrow table
    const arrowRows = Math.max(PAGE, Math.round(1_000_000 * scale));
    log(
      `\n(c) a ${arrowRows.toLocaleString('en-US')}-row Arrow table x 5 columns, yielded in slices of 100,000`,
    );
    const table = arrowTable(arrowRows);
    const arrow = await engine(dir, 'arrow', function* () {
      for (let start = 0; start < arrowRows; start += 100_000) yield table.slice(start, start + 100_000);
    });
    line('engine extract (Arrow -> Parquet)', arrowRows, arrow.extract);
    line('engine normalize fast path + Parquet', arrowRows, arrow.normalize);
    const ids = table.getChild('id')!;
    const names = table.getChild('name')!;
    const amounts = table.getChild('amount')!;
    const oks = table.getChild('ok')!;
    const arrowDuck = await duckdb(dir, 'arrow', {
      createSql:
        'CREATE TABLE arrow (id BIGINT, name VARCHAR, amount DOUBLE, ok BOOLEAN, created_at TIMESTAMP)',
      append(appender) {
        for (let index = 0; index < arrowRows; index++) {
          appender.appendBigInt(ids.get(index) as bigint);
          appender.appendVarchar(names.get(index) as string);
          appender.appendDouble(amounts.get(index) as number);
          appender.appendBoolean(oks.get(index) as boolean);
          appender.appendTimestamp(timestampValue(BASE_MICROS + BigInt(index) * 1_000_000n));
          appender.endRow();
        }
      },
    });
    line('duckdb appender', arrowRows, arrowDuck.append);
    line('duckdb COPY TO PARQUET', arrowRows, arrowDuck.copy);
    log(
      `ratio engine (extract+normalize) / duckdb (append+copy): ${((arrow.extract.seconds + arrow.normalize.seconds) / (arrowDuck.append.seconds + arrowDuck.copy.seconds)).toFixed(1)}x`,
    );
    const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
    log(
      `\nParquet bytes, engine vs duckdb: flat ${mb(await jobBytes(join(dir, 'flat')))} vs ${mb(flatDuck.bytes)}, nested ${mb(await jobBytes(join(dir, 'nested')))} vs ${mb(nestedDuck.bytes)}, arrow ${mb(await jobBytes(join(dir, 'arrow')))} vs ${mb(arrowDuck.bytes)}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
