export { ParquetError, type ParquetErrorCode } from './errors.ts';
export type {
  CompressionName,
  ParquetStreamWriterOptions,
  ParquetWriteOptions,
} from './options.ts';
export { ParquetStreamWriter } from './parquet-stream-writer.ts';
export {
  type ParquetFileInfo,
  type ReadParquetOptions,
  readParquet,
  readParquetBatches,
  readParquetInfo,
} from './reader.ts';
export {
  arrowFieldForColumn,
  arrowSchemaForColumns,
  arrowTypeForColumn,
  columnForArrowField,
  columnsForArrowSchema,
  DLT_DATA_TYPE_METADATA,
  type TypeMappingOptions,
} from './type-mapping.ts';
export { type ArrowInput, encodeParquet, type WrittenFile, writeParquet } from './writer.ts';
