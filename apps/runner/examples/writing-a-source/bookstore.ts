import { ConfigurationError, HotdataDltError, incremental, resource, source } from '@hotdata-dlt/core';
import { z } from 'zod';

/** A book as the Bookstore API sends it. */
export interface Book {
  id: number;
  title: string;
  isbn: string;
  price: string;
  genre_id: number;
  published_on: string;
  updated_at: string;
  authors: Array<{ name: string; role: 'author' | 'translator' }>;
}

/** A genre, referenced by `Book.genre_id`. */
export interface Genre {
  id: number;
  name: string;
}

/** One page of a list endpoint: its rows and the URL of the next page (`null` on the last). */
interface Page<T> {
  data: T[];
  next?: string | null;
}

const BookstoreOptionsSchema = z.strictObject({
  /** API root. Env `BOOKSTORE_API_URL`. Default `https://api.bookstore.example/v1`. */
  baseUrl: z.url().optional(),
  /** API key, sent as a bearer token and never logged. Env `BOOKSTORE_API_KEY`. Required. */
  apiKey: z.string().min(1).optional(),
  /** Books per page. Default 50. */
  pageSize: z.int().min(1).max(100).default(50),
  /** First run only: load books updated at or after this time. Default `2024-01-01T00:00:00Z`. */
  updatedSince: z.iso.datetime().default('2024-01-01T00:00:00Z'),
});

/** Options of {@link bookstore}: an explicit option wins over the environment variable. */
export type BookstoreOptions = z.input<typeof BookstoreOptionsSchema>;

/** The Bookstore API's books (with their authors) and genres. */
export const bookstore = source('bookstore', (options: BookstoreOptions = {}) => {
  const parsed = BookstoreOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new ConfigurationError(`Invalid bookstore options:\n${z.prettifyError(parsed.error)}`);
  }
  const { pageSize, updatedSince } = parsed.data;
  const baseUrl = parsed.data.baseUrl ?? process.env.BOOKSTORE_API_URL ?? 'https://api.bookstore.example/v1';

  // Read at the first request: commands that build the source without running it (`list`,
  // `freshness`) need no key.
  const apiKey = () => {
    const key = parsed.data.apiKey ?? process.env.BOOKSTORE_API_KEY;
    if (!key) throw new ConfigurationError('No Bookstore API key: set BOOKSTORE_API_KEY or pass apiKey.');
    return key;
  };

  async function get<T>(url: string, signal: AbortSignal): Promise<T> {
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${apiKey()}`, accept: 'application/json' },
      signal,
    });
    if (!response.ok) {
      const { pathname, search } = new URL(url);
      const advice =
        response.status === 401 || response.status === 403
          ? 'Check BOOKSTORE_API_KEY.'
          : 'Run again later; the next run starts where the last successful one ended.';
      throw new HotdataDltError(
        `The Bookstore API answered ${response.status} ${response.statusText} to GET ${pathname}${search}. ${advice}`,
        { code: 'BOOKSTORE_HTTP_ERROR', isRetryable: response.status === 429 || response.status >= 500 },
      );
    }
    return (await response.json()) as T;
  }

  const books = resource<Book>(
    async function* ({ incremental: cursor, signal }) {
      const query = new URLSearchParams({
        updated_since: String(cursor.startValue),
        per_page: String(pageSize),
      });
      let url: string | null | undefined = `${baseUrl}/books?${query}`;
      while (url) {
        const page: Page<Book> = await get(url, signal);
        yield page.data;
        url = page.next;
      }
    },
    {
      name: 'books',
      primaryKey: 'id',
      writeDisposition: 'merge',
      incremental: incremental('updated_at', { initialValue: updatedSince }),
      columns: {
        price: { dataType: 'decimal', precision: 10, scale: 2 },
        published_on: { dataType: 'date' },
        updated_at: { dataType: 'timestamp' },
      },
    },
  );

  // A small dimension table: one request, and every run replaces the whole table.
  const genres = resource<Genre>(
    async function* ({ signal }) {
      const page: Page<Genre> = await get(`${baseUrl}/genres`, signal);
      yield page.data;
    },
    { name: 'genres', primaryKey: 'id', writeDisposition: 'replace' },
  );

  return [books, genres];
});
