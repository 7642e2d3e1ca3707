export type { CompressionName } from './internal/parquetjs.ts';
export { type ReadParquetOptions, readParquet, readParquetInfo } from './reader.ts';
export {
  arrowFieldForColumn,
  arrowSchemaForColumns,
  arrowTypeForColumn,
  columnForArrowField,
  DLT_DATA_TYPE_METADATA,
  type TypeMappingOptions,
} from './type-mapping.ts';
export {
  encodeParquet,
  FIELD_METADATA_KEY,
  ParquetStreamWriter,
  type ParquetStreamWriterOptions,
  type ParquetWriteOptions,
  type WrittenFile,
  writeParquet,
} from './writer.ts';
