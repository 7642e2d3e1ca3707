import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { HotdataAmbiguousResultError, HotdataApiError } from '../errors.ts';
import {
  FinalizeUploadResponseSchema,
  LegacyUploadResponseSchema,
  UploadPartsResponseSchema,
  type UploadSessionResponse,
  UploadSessionResponseSchema,
} from '../wire/uploads.ts';
import type { Transport } from './transport.ts';

/** What can be uploaded: bytes, a file path, or a stream of unknown length. */
export type UploadSource = Buffer | Uint8Array | string | Readable;

export interface UploadOptions {
  /** `Content-Type` recorded with the upload. Default `application/vnd.apache.parquet`. */
  contentType?: string;
  filename?: string;
  /** Part size for multipart uploads in bytes (the server may clamp it). Default 8 MiB. */
  partSizeBytes?: number;
  /** Parts uploaded at once. Default 4. */
  concurrency?: number;
  /** Aborts the upload. */
  signal?: AbortSignal;
}

export interface UploadResult {
  uploadId: string;
  sizeBytes: number;
  /** `single` / `multipart` presigned flow, or `legacy` (`POST /v1/files`, when presign answers 501). */
  mode: 'single' | 'multipart' | 'legacy';
  parts: number;
}

const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

type Sized = { kind: 'buffer'; buffer: Buffer } | { kind: 'file'; path: string; size: number };

async function describe(source: UploadSource): Promise<Sized | { kind: 'stream'; stream: Readable }> {
  if (typeof source === 'string') return { kind: 'file', path: source, size: (await stat(source)).size };
  if (Buffer.isBuffer(source)) return { kind: 'buffer', buffer: source };
  if (source instanceof Uint8Array)
    return { kind: 'buffer', buffer: Buffer.from(source.buffer, source.byteOffset, source.byteLength) };
  return { kind: 'stream', stream: source };
}

function sizeOf(sized: Sized): number {
  return sized.kind === 'buffer' ? sized.buffer.length : sized.size;
}

/** A factory producing the bytes [start, end) of the source for each attempt. */
function slice(sized: Sized, start: number, end: number): () => Readable | Buffer {
  if (sized.kind === 'buffer') return () => sized.buffer.subarray(start, end);
  return () => (end > start ? createReadStream(sized.path, { start, end: end - 1 }) : Buffer.alloc(0));
}

async function* chunks(stream: Readable, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const piece of stream) {
    let buffer = Buffer.isBuffer(piece) ? piece : Buffer.from(piece as Uint8Array);
    while (buffer.length > 0) {
      const take = Math.min(size - pendingBytes, buffer.length);
      pending.push(buffer.subarray(0, take));
      pendingBytes += take;
      buffer = buffer.subarray(take);
      if (pendingBytes === size) {
        yield Buffer.concat(pending);
        pending = [];
        pendingBytes = 0;
      }
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending);
}

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const piece of stream)
    parts.push(Buffer.isBuffer(piece) ? piece : Buffer.from(piece as Uint8Array));
  return Buffer.concat(parts);
}

/** Maps with at most `limit` calls in flight; after a failure no new item is started. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length && !failed) {
      const index = next++;
      try {
        results[index] = await fn(items[index]!);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  });
  await Promise.all(workers);
  return results;
}

/** The presigned upload flow (single and multipart) with the legacy `POST /v1/files` fallback. */
export class Uploader {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  async upload(source: UploadSource, options: UploadOptions = {}): Promise<UploadResult> {
    const described = await describe(source);
    const contentType = options.contentType ?? 'application/vnd.apache.parquet';
    const partSize = options.partSizeBytes ?? DEFAULT_PART_SIZE;
    for (let attempt = 0; ; attempt++) {
      try {
        const session = await this.#createSession(
          described.kind === 'stream' ? undefined : sizeOf(described),
          contentType,
          options.filename,
          partSize,
          options.signal,
        );
        if (!session) {
          return await this.#legacy(described, contentType, options.signal);
        }
        return described.kind === 'stream'
          ? await this.#streamed(session, described.stream, options)
          : await this.#sized(session, described, options);
      } catch (error) {
        // A finalize whose response was lost is never repeated; a new session is safe to start instead
        // (the first upload, finalized or not, is simply never loaded). Streams cannot be re-read.
        if (HotdataAmbiguousResultError.isInstance(error) && attempt === 0 && described.kind !== 'stream') {
          this.#transport.config.logger.warn('hotdata upload finalize outcome unknown; uploading again', {
            path: error.path,
          });
          continue;
        }
        throw error;
      }
    }
  }

  async #createSession(
    size: number | undefined,
    contentType: string,
    filename: string | undefined,
    partSize: number,
    signal: AbortSignal | undefined,
  ): Promise<UploadSessionResponse | undefined> {
    try {
      const response = await this.#transport.send({
        method: 'POST',
        path: '/v1/uploads',
        json: {
          ...(size !== undefined ? { declared_size_bytes: size } : {}),
          content_type: contentType,
          ...(filename ? { filename } : {}),
          part_size: partSize,
        },
        replay: 'safe',
        schema: UploadSessionResponseSchema,
        ...(signal ? { signal } : {}),
      });
      this.#transport.addSecret(response.data.finalize_token);
      return response.data;
    } catch (error) {
      if (HotdataApiError.isInstance(error) && error.kind === 'unsupported') return undefined;
      throw error;
    }
  }

  async #put(
    url: string,
    headers: Record<string, string>,
    body: () => Readable | Buffer,
    length: number,
    signal: AbortSignal | undefined,
  ): Promise<string | undefined> {
    const response = await this.#transport.send({
      method: 'PUT',
      path: url,
      auth: 'none',
      headers: { ...headers, 'content-length': String(length) },
      body,
      replay: 'safe',
      ...(signal ? { signal } : {}),
    });
    const etag = response.headers.etag;
    return Array.isArray(etag) ? etag[0] : etag;
  }

  async #mintPartUrls(
    session: UploadSessionResponse,
    partNumbers: number[],
    signal: AbortSignal | undefined,
  ): Promise<Map<number, string>> {
    const response = await this.#transport.send({
      method: 'POST',
      path: `/v1/uploads/${encodeURIComponent(session.upload_id)}/parts`,
      headers: { 'x-upload-finalize-token': session.finalize_token },
      json: { part_numbers: partNumbers },
      replay: 'safe',
      ...(signal ? { signal } : {}),
      schema: UploadPartsResponseSchema,
    });
    return new Map(response.data.parts.map((part) => [part.part_number, part.url]));
  }

  async #finalize(
    session: UploadSessionResponse,
    parts: Array<{ part_number: number; e_tag: string }> | undefined,
    signal: AbortSignal | undefined,
  ) {
    const response = await this.#transport.send({
      method: 'POST',
      path: `/v1/uploads/${encodeURIComponent(session.upload_id)}/finalize`,
      headers: { 'x-upload-finalize-token': session.finalize_token },
      ...(parts ? { json: { parts } } : {}),
      replay: 'unsafe',
      schema: FinalizeUploadResponseSchema,
      ...(signal ? { signal } : {}),
    });
    return response.data;
  }

  #requireEtag(etag: string | undefined, partNumber: number): string {
    if (!etag) {
      throw new HotdataApiError(
        `The storage answered part ${partNumber} of an upload without an ETag header.`,
        {
          kind: 'invalid_response',
          method: 'PUT',
          path: '(presigned part)',
        },
      );
    }
    return etag;
  }

  async #sized(session: UploadSessionResponse, sized: Sized, options: UploadOptions): Promise<UploadResult> {
    const size = sizeOf(sized);
    if (session.mode === 'single') {
      if (!session.url) {
        throw new HotdataApiError('The upload session is single-part but has no url.', {
          kind: 'invalid_response',
          method: 'POST',
          path: '/v1/uploads',
        });
      }
      await this.#put(session.url, session.headers, slice(sized, 0, size), size, options.signal);
      const finalized = await this.#finalize(session, undefined, options.signal);
      return { uploadId: session.upload_id, sizeBytes: finalized.size_bytes, mode: 'single', parts: 1 };
    }
    const partSize = session.part_size ?? options.partSizeBytes ?? DEFAULT_PART_SIZE;
    const count = Math.max(1, Math.ceil(size / partSize));
    const numbers = Array.from({ length: count }, (_, index) => index + 1);
    const urls =
      session.part_urls && session.part_urls.length >= count
        ? new Map(numbers.map((number) => [number, session.part_urls![number - 1]!]))
        : await this.#mintPartUrls(session, numbers, options.signal);
    const parts = await mapLimit(numbers, options.concurrency ?? 4, async (number) => {
      const start = (number - 1) * partSize;
      const end = Math.min(size, start + partSize);
      const url = urls.get(number);
      if (!url)
        throw new HotdataApiError(`No URL for upload part ${number}.`, {
          kind: 'invalid_response',
          method: 'POST',
          path: '/v1/uploads',
        });
      const etag = await this.#put(
        url,
        session.headers,
        slice(sized, start, end),
        end - start,
        options.signal,
      );
      return { part_number: number, e_tag: this.#requireEtag(etag, number) };
    });
    const finalized = await this.#finalize(session, parts, options.signal);
    return {
      uploadId: session.upload_id,
      sizeBytes: finalized.size_bytes,
      mode: 'multipart',
      parts: parts.length,
    };
  }

  async #streamed(
    session: UploadSessionResponse,
    stream: Readable,
    options: UploadOptions,
  ): Promise<UploadResult> {
    const partSize = session.part_size ?? options.partSizeBytes ?? DEFAULT_PART_SIZE;
    const parts: Array<{ part_number: number; e_tag: string }> = [];
    let number = 0;
    for await (const chunk of chunks(stream, partSize)) {
      number += 1;
      const url = (await this.#mintPartUrls(session, [number], options.signal)).get(number);
      if (!url)
        throw new HotdataApiError(`No URL for upload part ${number}.`, {
          kind: 'invalid_response',
          method: 'POST',
          path: '/v1/uploads',
        });
      const etag = await this.#put(url, session.headers, () => chunk, chunk.length, options.signal);
      parts.push({ part_number: number, e_tag: this.#requireEtag(etag, number) });
    }
    if (parts.length === 0) {
      throw new HotdataApiError('Cannot upload an empty stream: the server refuses empty uploads.', {
        kind: 'bad_request',
        method: 'POST',
        path: '/v1/uploads',
      });
    }
    const finalized = await this.#finalize(session, parts, options.signal);
    return {
      uploadId: session.upload_id,
      sizeBytes: finalized.size_bytes,
      mode: 'multipart',
      parts: parts.length,
    };
  }

  async #legacy(
    described: Sized | { kind: 'stream'; stream: Readable },
    contentType: string,
    signal: AbortSignal | undefined,
  ): Promise<UploadResult> {
    // The legacy endpoint takes the whole body at once; a stream is collected so retries can resend it.
    const sized: Sized =
      described.kind === 'stream' ? { kind: 'buffer', buffer: await collect(described.stream) } : described;
    const size = sizeOf(sized);
    const response = await this.#transport.send({
      method: 'POST',
      path: '/v1/files',
      headers: { 'content-type': contentType, 'content-length': String(size) },
      body: slice(sized, 0, size),
      replay: 'safe',
      schema: LegacyUploadResponseSchema,
      ...(signal ? { signal } : {}),
    });
    return { uploadId: response.data.id, sizeBytes: response.data.size_bytes, mode: 'legacy', parts: 1 };
  }
}
