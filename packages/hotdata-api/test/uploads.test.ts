import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HotdataAmbiguousResultError } from '../src/index.ts';
import { everyRendering, failure, stubClient, TOKEN } from './helpers.ts';
import type { StubAnswer, StubRequest, StubServer } from './stub-server.ts';

const FINALIZE_TOKEN = 'fin_tok_secret_abcdef123456';

interface Storage {
  sessions: number;
  parts: Map<string, Buffer>;
  finalized: Array<{ uploadId: string; body: unknown }>;
}

/**
 * A scripted presigned-upload service: sessions with `part_size` bytes per part, PUT targets that
 * answer an ETag (the md5 of the part), finalize that checks the ETags. `overrides` can replace the
 * answer of any request.
 */
function uploadService(
  options: {
    partSize?: number;
    withPartUrls?: boolean;
    presign?: boolean;
    overrides?: (request: StubRequest, storage: Storage) => StubAnswer | undefined;
  } = {},
) {
  const storage: Storage = { sessions: 0, parts: new Map(), finalized: [] };
  const partSize = options.partSize ?? 8;
  let base = '';
  const answer = (request: StubRequest): StubAnswer => {
    const override = options.overrides?.(request, storage);
    if (override) return override;
    if (request.method === 'POST' && request.path === '/v1/uploads') {
      if (options.presign === false)
        return { status: 501, body: { error: { code: 'PRESIGN_UNSUPPORTED', message: 'no presign' } } };
      storage.sessions += 1;
      const id = `upld${storage.sessions}`;
      const body = JSON.parse(request.body) as { declared_size_bytes?: number };
      const size = body.declared_size_bytes;
      if (size !== undefined && size <= partSize) {
        return {
          status: 201,
          body: {
            upload_id: id,
            mode: 'single',
            url: `${base}/storage/${id}/1`,
            headers: {},
            finalize_token: FINALIZE_TOKEN,
          },
        };
      }
      const count = size === undefined ? 0 : Math.ceil(size / partSize);
      return {
        status: 201,
        body: {
          upload_id: id,
          mode: 'multipart',
          part_size: partSize,
          ...(options.withPartUrls && count > 0
            ? { part_urls: Array.from({ length: count }, (_, index) => `${base}/storage/${id}/${index + 1}`) }
            : {}),
          headers: { 'x-storage-class': 'standard' },
          finalize_token: FINALIZE_TOKEN,
        },
      };
    }
    const parts = request.path.match(/^\/v1\/uploads\/([^/]+)\/parts$/);
    if (parts && request.method === 'POST') {
      const numbers = (JSON.parse(request.body) as { part_numbers: number[] }).part_numbers;
      return {
        status: 200,
        body: {
          parts: numbers.map((number) => ({
            part_number: number,
            url: `${base}/storage/${parts[1]}/${number}`,
          })),
        },
      };
    }
    const put = request.path.match(/^\/storage\/([^/]+)\/(\d+)$/);
    if (put && request.method === 'PUT') {
      storage.parts.set(`${put[1]}/${put[2]}`, request.bytes);
      return { status: 200, headers: { etag: `"${createHash('md5').update(request.bytes).digest('hex')}"` } };
    }
    const finalize = request.path.match(/^\/v1\/uploads\/([^/]+)\/finalize$/);
    if (finalize && request.method === 'POST') {
      const body = request.body ? JSON.parse(request.body) : undefined;
      storage.finalized.push({ uploadId: finalize[1]!, body });
      const size = [...storage.parts.entries()]
        .filter(([key]) => key.startsWith(`${finalize[1]}/`))
        .reduce((sum, [, bytes]) => sum + bytes.length, 0);
      return {
        status: 200,
        body: {
          upload_id: finalize[1],
          status: 'ready',
          size_bytes: size,
          created_at: '2026-01-01T00:00:00Z',
        },
      };
    }
    if (request.method === 'POST' && request.path === '/v1/files') {
      return {
        status: 201,
        body: {
          id: 'upld_legacy',
          status: 'pending',
          size_bytes: request.bytes.length,
          created_at: '2026-01-01T00:00:00Z',
        },
      };
    }
    return { status: 404, body: { error: { code: 'NOT_FOUND', message: `no route ${request.path}` } } };
  };
  return {
    storage,
    answer,
    setBase(url: string) {
      base = url;
    },
    /** The bytes stored for an upload, parts concatenated in order. */
    bytesOf(uploadId: string): Buffer {
      const entries = [...storage.parts.entries()]
        .filter(([key]) => key.startsWith(`${uploadId}/`))
        .sort(([a], [b]) => Number(a.split('/')[1]) - Number(b.split('/')[1]));
      return Buffer.concat(entries.map(([, bytes]) => bytes));
    },
  };
}

let server: StubServer | undefined;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hotdata-api-uploads-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(service: ReturnType<typeof uploadService>) {
  const started = await stubClient((request) => service.answer(request));
  server = started.server;
  service.setBase(started.server.url);
  return started;
}

const md5 = (bytes: Buffer) => `"${createHash('md5').update(bytes).digest('hex')}"`;
const data = Buffer.from('abcdefghijklmnopqrstuvwxyz0123'); // 30 bytes

describe('presigned uploads', () => {
  it('uploads a small Buffer with one PUT and finalizes it without a body', async () => {
    const service = uploadService({ partSize: 64 });
    const { client } = await start(service);
    const result = await client.uploads.upload(data, { contentType: 'text/csv', filename: 'a.csv' });
    expect(result).toEqual({ uploadId: 'upld1', mode: 'single', parts: 1, sizeBytes: 30 });
    expect(service.bytesOf('upld1')).toEqual(data);
    expect(service.storage.finalized).toEqual([{ uploadId: 'upld1', body: undefined }]);
    const create = JSON.parse(server!.requests[0]!.body);
    expect(create).toMatchObject({ declared_size_bytes: 30, content_type: 'text/csv', filename: 'a.csv' });
  });

  it('slices a file into parts of the session part_size, minting URLs, and finalizes with every ETag', async () => {
    const service = uploadService({ partSize: 8 });
    const { client } = await start(service);
    const path = join(dir, 'data.bin');
    await writeFile(path, data);
    const result = await client.uploads.upload(path, { partSizeBytes: 5, concurrency: 2 });
    expect(result).toEqual({ uploadId: 'upld1', mode: 'multipart', parts: 4, sizeBytes: 30 });
    expect(service.bytesOf('upld1')).toEqual(data);
    const mint = server!.requests.find((request) => request.path.endsWith('/parts'))!;
    expect(JSON.parse(mint.body)).toEqual({ part_numbers: [1, 2, 3, 4] });
    expect(service.storage.finalized).toHaveLength(1);
    expect(service.storage.finalized[0]!.body).toEqual({
      parts: [0, 8, 16, 24].map((start, index) => ({
        part_number: index + 1,
        e_tag: md5(data.subarray(start, Math.min(30, start + 8))),
      })),
    });
  });

  it('uses the part_urls of a sized session and sends its headers, never the token, to storage', async () => {
    const service = uploadService({ partSize: 10, withPartUrls: true });
    const { client } = await start(service);
    const result = await client.uploads.upload(data);
    expect(result).toMatchObject({ mode: 'multipart', parts: 3 });
    expect(server!.requests.some((request) => request.path.endsWith('/parts'))).toBe(false);
    const puts = server!.requests.filter((request) => request.method === 'PUT');
    expect(puts).toHaveLength(3);
    for (const put of puts) {
      expect(put.headers.authorization).toBeUndefined();
      expect(put.headers['x-workspace-id']).toBeUndefined();
      expect(put.headers['x-storage-class']).toBe('standard');
    }
    const finalize = server!.requests.find((request) => request.path.endsWith('/finalize'))!;
    expect(finalize.headers['x-upload-finalize-token']).toBe(FINALIZE_TOKEN);
    expect(finalize.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('streams a Readable of unknown length as a streaming multipart upload', async () => {
    const service = uploadService({ partSize: 8 });
    const { client } = await start(service);
    const stream = Readable.from([data.subarray(0, 3), data.subarray(3, 20), data.subarray(20)]);
    const result = await client.uploads.upload(stream);
    expect(result).toEqual({ uploadId: 'upld1', mode: 'multipart', parts: 4, sizeBytes: 30 });
    expect(JSON.parse(server!.requests[0]!.body).declared_size_bytes).toBeUndefined();
    expect(service.bytesOf('upld1')).toEqual(data);
  });

  it('refuses an empty stream before finalizing', async () => {
    const service = uploadService();
    const { client } = await start(service);
    expect(await failure(client.uploads.upload(Readable.from([])))).toMatchObject({ kind: 'bad_request' });
    expect(service.storage.finalized).toHaveLength(0);
  });

  it('retries a failed part PUT (idempotent) and finalizes once', async () => {
    let failedOnce = false;
    const service = uploadService({
      partSize: 8,
      overrides: (request) => {
        if (request.method === 'PUT' && request.path.endsWith('/2') && !failedOnce) {
          failedOnce = true;
          return 'drop-after-read';
        }
        return undefined;
      },
    });
    const { client } = await start(service);
    await client.uploads.upload(data);
    expect(service.bytesOf('upld1')).toEqual(data);
    expect(service.storage.finalized).toHaveLength(1);
  });

  it('fails with invalid_response when storage answers a part without an ETag', async () => {
    const service = uploadService({
      partSize: 8,
      overrides: (request) => (request.method === 'PUT' ? { status: 200 } : undefined),
    });
    const { client } = await start(service);
    const error = await failure(client.uploads.upload(data));
    expect(error).toMatchObject({ kind: 'invalid_response' });
    expect(error.message).toMatch(/without an ETag/);
    expect(service.storage.finalized).toHaveLength(0);
  });

  it('never repeats a finalize whose response was lost: a fresh session is uploaded instead', async () => {
    const service = uploadService({
      partSize: 8,
      overrides: (request, storage) => {
        if (request.path === '/v1/uploads/upld1/finalize') {
          storage.finalized.push({ uploadId: 'upld1', body: JSON.parse(request.body) });
          return 'drop-after-read';
        }
        return undefined;
      },
    });
    const { client, logger } = await start(service);
    const result = await client.uploads.upload(data);
    expect(result.uploadId).toBe('upld2');
    expect(service.storage.finalized.map((entry) => entry.uploadId)).toEqual(['upld1', 'upld2']);
    expect(logger.lines.some((line) => line.includes('finalize outcome unknown'))).toBe(true);
  });

  it('a stream whose finalize response was lost fails as ambiguous (it cannot be re-read)', async () => {
    const service = uploadService({
      partSize: 8,
      overrides: (request) => (request.path.endsWith('/finalize') ? 'drop-after-read' : undefined),
    });
    const { client } = await start(service);
    const error = await failure(client.uploads.upload(Readable.from([data])));
    expect(HotdataAmbiguousResultError.isInstance(error)).toBe(true);
    expect(server!.requests.filter((request) => request.path.endsWith('/finalize'))).toHaveLength(1);
  });

  it('falls back to the legacy POST /v1/files with the raw bytes when presigning answers 501', async () => {
    const service = uploadService({ presign: false });
    const { client } = await start(service);
    const stream = Readable.from([data.subarray(0, 10), data.subarray(10)]);
    const result = await client.uploads.upload(stream, { contentType: 'text/csv' });
    expect(result).toEqual({ uploadId: 'upld_legacy', mode: 'legacy', parts: 1, sizeBytes: 30 });
    const legacy = server!.requests.find((request) => request.path === '/v1/files')!;
    expect(legacy.bytes).toEqual(data);
    expect(legacy.headers['content-type']).toBe('text/csv');
    expect(legacy.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('never logs or reports the finalize token, even when the server echoes it', async () => {
    const service = uploadService({
      partSize: 64,
      overrides: (request) =>
        request.path.endsWith('/finalize')
          ? {
              status: 400,
              body: { error: { code: 'BAD_REQUEST', message: `token ${FINALIZE_TOKEN} was used` } },
            }
          : undefined,
    });
    const { client, logger } = await start(service);
    const error = await failure(client.uploads.upload(data));
    expect(error.message).toContain('[REDACTED]');
    for (const text of [...logger.lines, everyRendering(error)]) {
      expect(text).not.toContain(FINALIZE_TOKEN);
      expect(text).not.toContain(TOKEN);
    }
  });
});
