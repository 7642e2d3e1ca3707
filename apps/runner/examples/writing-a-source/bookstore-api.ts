// A fake Bookstore API for the tutorial docs/writing-a-source.md and its test. Run it on its own with
// `BOOKSTORE_API_KEY=let-me-in node bookstore-api.ts` (port 8080, or PORT); `POST /v1/_next-day`
// publishes the next day's edits.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

interface Book {
  id: number;
  title: string;
  isbn: string;
  price: string;
  genre_id: number;
  published_on: string;
  updated_at: string;
  authors: Array<{ name: string; role: 'author' | 'translator' }>;
}

interface Genre {
  id: number;
  name: string;
}

const author = (name: string) => ({ name, role: 'author' as const });

const book = (
  id: number,
  title: string,
  genre_id: number,
  price: string,
  published_on: string,
  ...authors: string[]
): Book => ({
  id,
  title,
  isbn: `978000000000${id}`,
  price,
  genre_id,
  published_on,
  updated_at: `2024-05-01T0${id}:00:00Z`,
  authors: authors.map(author),
});

const DAY_ONE: Book[] = [
  book(1, 'The Left Hand of Darkness', 1, '9.99', '1969-03-01', 'Ursula K. Le Guin'),
  book(2, 'Kindred', 2, '12.50', '1979-06-01', 'Octavia E. Butler'),
  book(3, 'Solaris', 1, '14.00', '1961-01-01', 'Stanisław Lem'),
  book(4, 'Good Omens', 3, '10.99', '1990-05-01', 'Terry Pratchett', 'Neil Gaiman'),
  book(5, 'Piranesi', 3, '16.00', '2020-09-15', 'Susanna Clarke'),
  book(6, 'The Three-Body Problem', 1, '11.49', '2008-01-01', 'Liu Cixin'),
  book(7, 'Dune', 1, '10.00', '1965-08-01', 'Frank Herbert'),
  book(8, 'Roadside Picnic', 1, '13.95', '1972-01-01', 'Arkady Strugatsky', 'Boris Strugatsky'),
];

const GENRES: Genre[] = [
  { id: 1, name: 'Science fiction' },
  { id: 2, name: 'Speculative fiction' },
  { id: 3, name: 'Fantasy' },
];

/** Day two: a price change, a translator credited, a new book in a new genre. */
function publishDayTwo(books: Map<number, Book>, genres: Genre[]): void {
  const solaris = books.get(3)!;
  books.set(3, { ...solaris, price: '12.00', updated_at: '2024-05-02T09:00:00Z' });
  const threeBody = books.get(6)!;
  books.set(6, {
    ...threeBody,
    authors: [...threeBody.authors, { name: 'Ken Liu', role: 'translator' }],
    updated_at: '2024-05-02T10:00:00Z',
  });
  books.set(9, {
    ...book(9, 'A Memory Called Empire', 4, '15.99', '2019-03-26', 'Arkady Martine'),
    updated_at: '2024-05-02T11:00:00Z',
  });
  genres.push({ id: 4, name: 'Space opera' });
}

/** A running fake Bookstore API. */
export interface BookstoreApi {
  /** Base URL, e.g. `http://127.0.0.1:8080/v1`. */
  readonly url: string;
  /** Every request received, in order (path and query). */
  readonly requests: URL[];
  /** Publishes day two's edits (also `POST /v1/_next-day`). */
  nextDay(): void;
  close(): Promise<void>;
}

/**
 * Serves `GET /v1/books?updated_since=&per_page=&page=` (books updated at or after `updated_since`,
 * oldest first, with a `next` link until the last page) and `GET /v1/genres` (all genres, one page). Every request
 * needs `Authorization: Bearer <apiKey>`.
 */
export async function startBookstoreApi(options: { apiKey: string; port?: number }): Promise<BookstoreApi> {
  const books = new Map(DAY_ONE.map((book) => [book.id, book]));
  const genres = [...GENRES];
  const requests: URL[] = [];
  let day = 1;
  const nextDay = () => {
    if (day === 1) publishDayTwo(books, genres);
    day += 1;
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    requests.push(url);
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.headers.authorization !== `Bearer ${options.apiKey}`) {
      return send(401, { error: 'invalid API key' });
    }
    if (request.method === 'POST' && url.pathname === '/v1/_next-day') {
      nextDay();
      return send(200, { day });
    }
    if (url.pathname === '/v1/books') {
      const since = url.searchParams.get('updated_since') ?? '';
      const perPage = Number(url.searchParams.get('per_page') ?? 50);
      const page = Number(url.searchParams.get('page') ?? 1);
      const matching = [...books.values()]
        .filter((book) => book.updated_at >= since)
        .sort((a, b) => a.updated_at.localeCompare(b.updated_at) || a.id - b.id);
      const data = matching.slice((page - 1) * perPage, page * perPage);
      let next: string | null = null;
      if (page * perPage < matching.length) {
        const nextUrl = new URL(url);
        nextUrl.host = request.headers.host ?? url.host;
        nextUrl.searchParams.set('page', String(page + 1));
        next = nextUrl.href;
      }
      return send(200, { data, next });
    }
    if (url.pathname === '/v1/genres') return send(200, { data: genres });
    send(404, { error: `no route ${url.pathname}` });
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    nextDay,
    close: () =>
      new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const api = await startBookstoreApi({
    apiKey: process.env.BOOKSTORE_API_KEY ?? 'let-me-in',
    port: Number(process.env.PORT ?? 8080),
  });
  console.log(`Bookstore API on ${api.url}; POST ${api.url}/_next-day publishes the next day's edits.`);
}
