import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { incremental, type PipelineEvent, resource, source, transformer } from '@hotdata-dlt/core';
import { createReferenceDestination } from '@hotdata-dlt/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { pipeline } from '../src/index.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function temp(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `transformers-${name}-`));
  dirs.push(dir);
  return dir;
}

const ids = (rows: Record<string, unknown>[], column = 'id') =>
  rows.map((row) => Number(row[column])).sort((a, b) => a - b);

interface Book {
  id: number;
  updated: number;
}

/** A paged books API, its reviews per book and the votes per review; counts how often each is walked. */
function library(books: Book[], options: { incremental?: boolean; pageSize?: number } = {}) {
  const calls = { books: 0, reviews: 0, votes: 0, startValues: [] as unknown[] };
  const pageSize = options.pageSize ?? 2;
  const booksResource = resource<Book>(
    async function* ({ incremental: cursor }) {
      calls.books += 1;
      calls.startValues.push(cursor.startValue);
      for (let at = 0; at < books.length; at += pageSize) yield books.slice(at, at + pageSize);
    },
    {
      name: 'books',
      primaryKey: 'id',
      ...(options.incremental ? { incremental: incremental('updated', { initialValue: 0 }) } : {}),
    },
  );
  const reviews = transformer(
    booksResource,
    async function* (page) {
      calls.reviews += 1;
      for (const book of page) yield [{ id: book.id * 10, book_id: book.id }];
    },
    { name: 'reviews', primaryKey: 'id' },
  );
  const votes = transformer(
    reviews,
    async (page) => {
      calls.votes += 1;
      return page.map((review) => ({ id: review.id * 10, review_id: review.id }));
    },
    { name: 'votes', primaryKey: 'id' },
  );
  return { calls, books: booksResource, reviews, votes };
}

const books = (count: number, updated = 1): Book[] =>
  Array.from({ length: count }, (_, index) => ({ id: index + 1, updated }));

describe('transformers', () => {
  it('runs the parent once per run to feed both its own table and a selected transformer', async () => {
    const destination = createReferenceDestination();
    const events: PipelineEvent[] = [];
    const p = pipeline({
      pipelineName: 'fork_once',
      destination,
      workingDir: await temp('once'),
      onEvent: (event) => events.push(event),
    });
    const data = library(books(5));
    const info = await p.run(source('library', () => [data.books, data.reviews])());

    expect(data.calls.books).toBe(1);
    expect(data.calls.reviews).toBe(3);
    expect(ids(await destination.rows('fork_once_dataset', 'books'))).toEqual([1, 2, 3, 4, 5]);
    expect(ids(await destination.rows('fork_once_dataset', 'reviews'))).toEqual([10, 20, 30, 40, 50]);
    expect(info.loadIds).toHaveLength(1);
    const ends = events.filter((event) => event.type === 'resource-extract-end');
    expect(ends.map((event) => [event.resource, event.items])).toEqual([
      ['books', 5],
      ['reviews', 5],
    ]);
    const progress = events.filter((event) => event.type === 'resource-extract-progress');
    expect(progress.filter((event) => event.resource === 'reviews')).toHaveLength(5);
  });

  it('feeds the transformer every new row of an incremental parent on each run; the cursor advances once', async () => {
    const destination = createReferenceDestination();
    const p = pipeline({ pipelineName: 'fork_incr', destination, workingDir: await temp('incr') });
    const first = library(books(3, 1), { incremental: true });
    await p.run(source('library', () => [first.books, first.reviews])());
    expect(ids(await destination.rows('fork_incr_dataset', 'reviews'))).toEqual([10, 20, 30]);

    const second = library([...books(3, 1), { id: 4, updated: 2 }, { id: 5, updated: 3 }], {
      incremental: true,
    });
    await p.run(source('library', () => [second.books, second.reviews])());
    expect(ids(await destination.rows('fork_incr_dataset', 'books'))).toEqual([1, 2, 3, 4, 5]);
    expect(ids(await destination.rows('fork_incr_dataset', 'reviews'))).toEqual([10, 20, 30, 40, 50]);
    expect([...first.calls.startValues, ...second.calls.startValues]).toEqual([0, 1]);
    const stored = p.state.sources?.library as unknown as {
      resources: { books: { incremental: { updated: Record<string, unknown> } } };
    };
    expect(stored.resources.books.incremental.updated).toMatchObject({ last_value: 3, start_value: 1 });
  });

  it('runs an unselected parent once to feed the selected transformers and does not load its rows', async () => {
    const destination = createReferenceDestination();
    const p = pipeline({ pipelineName: 'fork_only', destination, workingDir: await temp('only') });
    const data = library(books(3));
    const ratings = transformer(data.books, (page) => page.map((book) => ({ book_id: book.id, stars: 5 })), {
      name: 'ratings',
    });
    const withAll = source('library', () => [data.books, data.reviews, ratings])();
    const info = await p.run(withAll.withResources('reviews', 'ratings'));

    expect(data.calls.books).toBe(1);
    expect(await destination.rows('fork_only_dataset', 'books')).toEqual([]);
    expect(p.defaultSchema?.hasTable('books')).toBe(false);
    expect(ids(await destination.rows('fork_only_dataset', 'reviews'))).toEqual([10, 20, 30]);
    expect(ids(await destination.rows('fork_only_dataset', 'ratings'), 'book_id')).toEqual([1, 2, 3]);
    expect(info.loadIds).toHaveLength(1);
  });

  it('runs a chain of transformers with each link run once, selected or not', async () => {
    const destination = createReferenceDestination();
    const p = pipeline({ pipelineName: 'fork_chain', destination, workingDir: await temp('chain') });
    const all = library(books(5, 1), { incremental: true });
    await p.run(source('library', () => [all.books, all.reviews, all.votes])());
    expect(all.calls).toMatchObject({ books: 1, reviews: 3, votes: 5 });
    expect(ids(await destination.rows('fork_chain_dataset', 'votes'))).toEqual([100, 200, 300, 400, 500]);

    const onlyVotes = library([...books(5, 1), { id: 6, updated: 2 }], { incremental: true });
    await p.run(
      source('library', () => [onlyVotes.books, onlyVotes.reviews, onlyVotes.votes])().withResources('votes'),
    );
    expect(onlyVotes.calls).toMatchObject({ books: 1, reviews: 1, votes: 1 });
    expect(ids(await destination.rows('fork_chain_dataset', 'votes'))).toEqual([
      100, 200, 300, 400, 500, 600,
    ]);
    expect(ids(await destination.rows('fork_chain_dataset', 'reviews'))).toEqual([10, 20, 30, 40, 50]);
  });

  it("keeps a transformer's own limit, maps and dynamic tables, and stops an unselected parent nobody needs", async () => {
    const destination = createReferenceDestination();
    const p = pipeline({ pipelineName: 'fork_steps', destination, workingDir: await temp('steps') });
    let pagesRead = 0;
    let closed = false;
    const pages = resource(
      async function* () {
        try {
          for (let page = 0; page < 100; page++) {
            pagesRead += 1;
            yield [{ id: page * 2 }, { id: page * 2 + 1 }];
          }
        } finally {
          closed = true;
        }
      },
      { name: 'pages' },
    );
    const split = transformer(pages, (page) => page, {
      name: 'split',
      tableName: (row: { id: number }) => (row.id % 2 === 0 ? 'even' : 'odd'),
    })
      .addMap((row) => ({ ...row, doubled: row.id * 2 }))
      .addLimit(2);
    await p.run(source('numbers', () => [pages, split])().withResources('split'));

    expect(closed).toBe(true);
    expect(pagesRead).toBeLessThanOrEqual(3);
    expect(ids(await destination.rows('fork_steps_dataset', 'even'))).toEqual([0, 2]);
    expect(ids(await destination.rows('fork_steps_dataset', 'odd'), 'doubled')).toEqual([2, 6]);
  });
});
