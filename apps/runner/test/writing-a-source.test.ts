// docs/writing-a-source.md is checked here, so the tutorial cannot drift from what the code does:
// - each ```ts block marked `<!-- file: <name> -->` must equal examples/writing-a-source/<name>, and
//   every file of that folder must be shown;
// - each block marked `<!-- output: <capture> -->` must equal what this test captures from the real
//   `hotdata-dlt` binary (load ids, `_dlt_id`s, file hashes and durations masked);
// - the tutorial's source runs against its fake API and a real hotdata-local, twice.
// `UPDATE_DOCS=1 pnpm vitest run --project runner test/writing-a-source.test.ts` rewrites the marked
// blocks from the files and the captures.
import { readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { useHotdataLocal } from '@hotdata-dlt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BookstoreApi, startBookstoreApi } from '../examples/writing-a-source/bookstore-api.ts';
import { cliEnv, runCli, runnerDir, useProjects } from './helpers.ts';

// The tutorial's own test ("Testing your source") runs as part of this file.
import '../examples/writing-a-source/bookstore.test.ts';

const exampleDir = join(runnerDir, 'examples', 'writing-a-source');
const docPath = resolve(runnerDir, '..', '..', 'docs', 'writing-a-source.md');
const update = process.env.UPDATE_DOCS === '1';

const MARKED_BLOCK = /<!-- (file|output): ([\w.-]+) -->\n```(\w*)\n([\s\S]*?)```/g;

interface MarkedBlock {
  kind: 'file' | 'output';
  name: string;
  content: string;
}

function markedBlocks(markdown: string): MarkedBlock[] {
  return [...markdown.matchAll(MARKED_BLOCK)].map((match) => ({
    kind: match[1] as 'file' | 'output',
    name: match[2]!,
    content: match[4]!,
  }));
}

/** Replaces the body of every marked block by `body(block)`. */
function rewriteBlocks(markdown: string, body: (block: MarkedBlock) => string): string {
  return markdown.replace(
    MARKED_BLOCK,
    (_all, kind: string, name: string, language: string, content: string) => {
      const next = body({ kind: kind as 'file' | 'output', name, content });
      return `<!-- ${kind}: ${name} -->\n\`\`\`${language}\n${next}\`\`\``;
    },
  );
}

/** What differs from run to run: load ids, random `_dlt_id`s, file hashes, durations, column padding. */
function masked(output: string): string {
  return output
    .replace(/\b\d{10}\.\d{1,6}\b/g, '<load id>')
    .replace(/(?<=^|\s)[A-Za-z0-9+/]{14}(?=\s|$)/gm, '<dlt id>')
    .replace(/\.[0-9a-f]{10}\.(\d+)\.parquet/g, '.<hash>.$1.parquet')
    .replace(/\b\d+\.\d+s\b/g, '<s>')
    .replace(/(merge|replace)\s+\d+\.\d+$/gm, '$1 <s>')
    .replace(/[ \t]+/g, ' ')
    .replace(/ +$/gm, '');
}

const API_KEY = 'bookstore-test-key-not-a-secret';
const local = useHotdataLocal();
const project = useProjects();
const captures = new Map<string, string>();
let api: BookstoreApi;
let dir: string;
let env: NodeJS.ProcessEnv;

const cli = async (capture: string | undefined, ...args: string[]) => {
  const result = await runCli(args, { cwd: dir, env });
  if (capture) captures.set(capture, result.stdout);
  expect(`${result.stdout}${result.stderr}`).not.toContain(API_KEY);
  return result;
};
const query = async (capture: string | undefined, sql: string) => {
  const result = await cli(capture, 'query', sql);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout;
};
/** Row counts of the given tables, in one query (each spawn of the CLI costs a second or more). */
const rowCounts = async (...tables: string[]) => {
  const sql = `select ${tables.map((table) => `(select count(*) from ${table}) as ${table}`).join(', ')}`;
  const result = await cli(undefined, 'query', '--format', 'json', sql);
  expect(result.code).toBe(0);
  const [row] = JSON.parse(result.stdout) as Array<Record<string, number | string>>;
  return Object.fromEntries(tables.map((table) => [table, Number(row?.[table])]));
};
const booksRequests = () => api.requests.filter((url) => url.pathname === '/v1/books');

beforeAll(async () => {
  api = await startBookstoreApi({ apiKey: API_KEY });
  dir = project({
    'bookstore.ts': readFileSync(join(exampleDir, 'bookstore.ts'), 'utf8'),
    'hotdata-dlt.config.ts': readFileSync(join(exampleDir, 'hotdata-dlt.config.ts'), 'utf8'),
  });
  // The source validates its options with zod, which a user installs beside the config.
  symlinkSync(join(runnerDir, 'node_modules', 'zod'), join(dir, 'node_modules', 'zod'));
  env = cliEnv(local(), { BOOKSTORE_API_URL: api.url, BOOKSTORE_API_KEY: API_KEY });
});
afterAll(async () => {
  await api?.close();
});

describe('docs/writing-a-source.md', () => {
  const doc = readFileSync(docPath, 'utf8');
  const blocks = markedBlocks(doc);

  it('shows every file of examples/writing-a-source verbatim', () => {
    const files = readdirSync(exampleDir)
      .filter((name) => name.endsWith('.ts'))
      .sort();
    const shown = blocks.filter((block) => block.kind === 'file');
    expect(shown.map((block) => block.name).sort()).toEqual(files);
    if (update) return;
    for (const block of shown) {
      expect(block.content, `docs/writing-a-source.md, block of ${block.name}`).toBe(
        readFileSync(join(exampleDir, block.name), 'utf8'),
      );
    }
  });

  it('first run: walks the three pages of books and loads books, books__authors and genres', async () => {
    const result = await cli('first-run', 'run');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(booksRequests().map((url) => url.search)).toEqual([
      '?updated_since=2024-01-01T00%3A00%3A00Z&per_page=3',
      '?updated_since=2024-01-01T00%3A00%3A00Z&per_page=3&page=2',
      '?updated_since=2024-01-01T00%3A00%3A00Z&per_page=3&page=3',
    ]);
    expect(await rowCounts('books', 'books__authors', 'genres')).toEqual({
      books: 8,
      books__authors: 10,
      genres: 3,
    });
    await query('books', 'select * from books order by id');
    await query(
      'books-authors',
      'select b.id as book_id, a.* from books__authors a join books b on a._dlt_parent_id = b._dlt_id order by b.id, a._dlt_list_idx',
    );
    await query('loads', 'select load_id, schema_name, status from _dlt_loads');
  });

  it('second run: sends the cursor as updated_since, merges changed books and adds the new one', async () => {
    api.nextDay();
    api.requests.length = 0;
    const result = await cli('second-run', 'run');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(booksRequests().map((url) => url.search)).toEqual([
      '?updated_since=2024-05-01T08%3A00%3A00Z&per_page=3',
      '?updated_since=2024-05-01T08%3A00%3A00Z&per_page=3&page=2',
    ]);
    expect(await rowCounts('books', 'books__authors', 'genres')).toEqual({
      books: 9,
      books__authors: 12,
      genres: 4,
    });
    const changed = await query(
      'books-after-second-run',
      'select id, title, price, updated_at, _dlt_load_id from books order by id',
    );
    expect(changed).toMatch(/^\s*3\s+Solaris\s+12\.00\s/m);
    const loads = [...new Set(changed.match(/\b\d{10}\.\d{1,6}\b/g))];
    expect(loads).toHaveLength(2);
    const secondLoad = (line: string) => line.includes(loads[1]!);
    expect(
      changed
        .split('\n')
        .filter(secondLoad)
        .map((line) => Number(line.trim().split(/\s+/)[0])),
    ).toEqual([3, 6, 9]);
    const authors = await query(
      'authors-after-second-run',
      'select b.title, a.name, a.role from books__authors a join books b on a._dlt_root_id = b._dlt_id where b.id in (6, 9) order by b.id, a._dlt_list_idx',
    );
    expect(authors).toContain('Ken Liu');
    await query('genres', 'select id, name from genres order by id');
  });

  it('a refused API key fails the run with a message that names the variable, not the key', async () => {
    const saved = env;
    env = { ...env, BOOKSTORE_API_KEY: 'a-wrong-key' };
    try {
      const result = await cli('refused-key', 'run');
      captures.set('refused-key-stderr', result.stderr);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('401 Unauthorized');
      expect(result.stderr).toContain('Check BOOKSTORE_API_KEY.');
      expect(`${result.stdout}${result.stderr}`).not.toContain('a-wrong-key');
    } finally {
      env = saved;
    }
    expect(await rowCounts('_dlt_loads')).toEqual({ _dlt_loads: 2 });
  });

  it('shows the output the commands print', () => {
    const shown = blocks.filter((block) => block.kind === 'output');
    expect(shown.map((block) => block.name).sort()).toEqual([...captures.keys()].sort());
    if (update) {
      writeFileSync(
        docPath,
        rewriteBlocks(doc, (block) =>
          block.kind === 'file'
            ? readFileSync(join(exampleDir, block.name), 'utf8')
            : (captures.get(block.name) ?? block.content),
        ),
      );
      return;
    }
    for (const block of shown) {
      expect(masked(block.content), `docs/writing-a-source.md, output ${block.name}`).toBe(
        masked(captures.get(block.name)!),
      );
    }
  });
});
