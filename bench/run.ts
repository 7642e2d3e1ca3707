// `pnpm bench [name...]` runs every `bench/*.bench.ts` (or the named ones) one after another and prints
// their figures. Benchmarks are never part of the test suite: timings on shared machines are noise
// for pass/fail, but worth reading side by side with a reference run in the same process (DuckDB).
//
// `BENCH_SCALE=0.05 pnpm bench` shrinks every size (a quick smoke run).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

interface BenchModule {
  run(options: { scale: number; log: (line: string) => void }): Promise<void>;
}

const benchDir = import.meta.dirname;
const wanted = process.argv.slice(2);
const scale = Number(process.env.BENCH_SCALE ?? '1');
if (!(scale > 0)) throw new Error(`BENCH_SCALE must be a positive number, got ${process.env.BENCH_SCALE}`);

const files = readdirSync(benchDir)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => wanted.length === 0 || wanted.some((name) => file.startsWith(name)))
  .sort();
if (files.length === 0) {
  console.error(`no benchmark matches ${wanted.join(', ')}; available: ${readdirSync(benchDir).join(', ')}`);
  process.exit(2);
}

console.log(`node ${process.version}, ${process.platform}/${process.arch}, scale ${scale}`);
for (const file of files) {
  console.log(`\n## ${file}`);
  const started = performance.now();
  const module = (await import(pathToFileURL(join(benchDir, file)).href)) as BenchModule;
  await module.run({ scale, log: (line) => console.log(line) });
  console.log(`(${file}: ${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
