import { defineConfig } from '@hotdata-dlt/runner';
import { bookstore } from './bookstore.ts';

export default defineConfig({
  sources: {
    bookstore: ({ options }) => bookstore(options),
  },
  pipelines: [
    {
      name: 'bookstore',
      description: 'Bookstore API: books, books__authors and genres',
      source: 'bookstore',
      sourceOptions: { pageSize: 3 },
      destination: { databaseName: 'bookstore' },
      schedule: '0 * * * *',
      freshness: '2h',
    },
  ],
});
