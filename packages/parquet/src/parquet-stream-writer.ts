import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecordBatch, Table } from 'apache-arrow';
import { ParquetError } from './errors.ts';
import { BatchQueue, batchesOf, ParquetFileWriter, sameSchema } from './internal/file-writer.ts';
import {
  type ParquetStreamWriterOptions,
  type ResolvedStreamWriterOptions,
  resolveStreamWriterOptions,
} from './options.ts';
import type { WrittenFile } from './writer.ts';

interface OpenFile {
  path: string;
  temporary: string;
  handle: FileHandle;
  writer: ParquetFileWriter;
}

/**
 * Appends Arrow record batches to Parquet files in one folder, rotating to a new file once the current
 * one reaches `maxFileSize` bytes or `maxRowsPerFile` rows, and when the schema changes (e.g. a new
 * column). Memory is bounded by one row group (`rowGroupSize` rows / `rowGroupBytes` bytes) plus the
 * batch being written, not by the data size. A file carries a `.tmp` suffix until it is complete, so a
 * crash never leaves a truncated `.parquet` behind. Call `write` sequentially (await each call).
 *
 * @example
 * ```ts
 * const writer = new ParquetStreamWriter({ directory: 'out', baseName: 'orders', maxFileSize: 64 * 1024 * 1024 });
 * for await (const batch of batches) await writer.write(batch);
 * const files = await writer.close(); // [{ path: 'out/orders-00000.parquet', rows, bytes }, ...]
 * ```
 */
export class ParquetStreamWriter {
  readonly #options: ResolvedStreamWriterOptions;
  readonly #files: WrittenFile[] = [];
  readonly #queue = new BatchQueue();
  #current: OpenFile | undefined;
  #nextIndex = 0;
  #closed = false;
  /** Written file bytes per estimated Arrow byte, learned as files are written (1 until then). */
  #ratio = 1;

  constructor(options: ParquetStreamWriterOptions) {
    this.#options = resolveStreamWriterOptions(options);
  }

  /** Files completed so far. */
  get files(): readonly WrittenFile[] {
    return this.#files;
  }

  /** Rows accepted so far (written or buffered). */
  get rows(): number {
    return (
      this.#files.reduce((total, file) => total + file.rows, 0) +
      (this.#current?.writer.rows ?? 0) +
      this.#queue.rows
    );
  }

  /** Appends a table or record batch. */
  async write(input: Table | RecordBatch): Promise<void> {
    if (this.#closed) {
      throw new ParquetError('This ParquetStreamWriter is closed; open a new one to write more rows.', {
        code: 'PARQUET_WRITER_CLOSED',
      });
    }
    for (const batch of batchesOf(input)) {
      if (batch.numRows === 0) continue;
      const current = this.#queue.schema ?? this.#current?.writer.schema;
      if (current && !sameSchema(current, batch.schema)) {
        await this.#drain();
        await this.#closeFile();
      }
      this.#queue.push(batch);
      for (;;) {
        const { rows, bytes } = this.#nextGroupLimits();
        if (this.#queue.rows < rows && this.#queue.bytes < bytes) break;
        await this.#writeGroup(rows, bytes);
      }
    }
  }

  /** Rows and estimated bytes of the next row group: the row group limits, cut to what fits the file. */
  #nextGroupLimits(): { rows: number; bytes: number } {
    const { rowGroupSize, rowGroupBytes, maxRowsPerFile, maxFileSize } = this.#options;
    const writer = this.#current?.writer;
    const fileRows = writer?.rows ?? 0;
    const fileBytes = writer?.bytesWritten ?? 0;
    return {
      rows: Math.min(rowGroupSize, maxRowsPerFile - fileRows),
      bytes: Math.max(1, Math.min(rowGroupBytes, (maxFileSize - fileBytes) / this.#ratio)),
    };
  }

  async #writeGroup(rows: number, bytes: number): Promise<void> {
    const group = this.#queue.take(rows, bytes);
    if (group.length === 0) return;
    this.#current ??= await this.#openFile(group[0]!.schema);
    const { writer } = this.#current;
    await writer.writeRowGroup(group);
    if (writer.arrowBytes > 0) this.#ratio = writer.bytesWritten / writer.arrowBytes;
    const { maxFileSize, maxRowsPerFile } = this.#options;
    // Within 1/64 of the size limit counts as full: the rest would only make a tiny row group.
    if (writer.bytesWritten >= maxFileSize - maxFileSize / 64 || writer.rows >= maxRowsPerFile)
      await this.#closeFile();
  }

  /** Writes every buffered row. */
  async #drain(): Promise<void> {
    while (this.#queue.rows > 0) {
      const { rows, bytes } = this.#nextGroupLimits();
      await this.#writeGroup(rows, bytes);
    }
  }

  async #openFile(schema: RecordBatch['schema']): Promise<OpenFile> {
    const path = join(this.#options.directory, this.#options.fileName(this.#nextIndex++));
    const temporary = `${path}.tmp`;
    await mkdir(this.#options.directory, { recursive: true });
    const handle = await open(temporary, 'w');
    const writer = new ParquetFileWriter(
      schema,
      { write: async (bytes) => void (await handle.write(bytes)) },
      this.#options,
    );
    try {
      await writer.start();
    } catch (error) {
      await handle.close();
      throw error;
    }
    this.#options.logger.debug('parquet file opened', { path });
    return { path, temporary, handle, writer };
  }

  async #closeFile(): Promise<void> {
    const current = this.#current;
    if (!current) return;
    this.#current = undefined;
    await current.writer.finish();
    await current.handle.close();
    await rename(current.temporary, current.path);
    const file = { path: current.path, rows: current.writer.rows, bytes: current.writer.bytesWritten };
    this.#files.push(file);
    this.#options.logger.debug('parquet file closed', { ...file });
  }

  /** Writes the buffered rows, completes the current file and returns every file written, in order. */
  async close(): Promise<WrittenFile[]> {
    if (!this.#closed) {
      this.#closed = true;
      try {
        await this.#drain();
        await this.#closeFile();
      } catch (error) {
        await this.#discardCurrent();
        throw error;
      }
    }
    return [...this.#files];
  }

  /** Stops writing: deletes the incomplete current file and drops buffered rows. Completed files stay. */
  async abort(): Promise<void> {
    this.#closed = true;
    await this.#discardCurrent();
  }

  async #discardCurrent(): Promise<void> {
    const current = this.#current;
    this.#current = undefined;
    this.#queue.take(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
    if (!current) return;
    await current.handle.close().catch(() => {});
    await rm(current.temporary, { force: true });
    this.#options.logger.debug('parquet file discarded', { path: current.path });
  }
}
