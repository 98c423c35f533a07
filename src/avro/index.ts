/** Avro: schemas, binary encoding and object container files, for Iceberg manifests and manifest lists. */
export {
  parseAvroSchema,
  avroSchemaToJson,
  avroSchemaToJsonValue,
  avroDefaultValue,
  avroFullName,
  typeLabel,
  isPrimitiveTypeName,
  type AvroSchema,
  type AvroPrimitiveSchema,
  type AvroPrimitiveTypeName,
  type AvroRecordSchema,
  type AvroField,
  type AvroEnumSchema,
  type AvroFixedSchema,
  type AvroArraySchema,
  type AvroMapSchema,
  type AvroUnionSchema,
  type AvroNamedSchema,
  type AvroExtraAttributes,
  type JsonValue,
  type ParseAvroSchemaOptions,
} from './schema.js';
export { isPlainRecord, type AvroValue, type AvroRecord } from './value.js';
export { BinaryReader, compileReader, decodeAvroDatum, type DatumReader } from './binary-decoder.js';
export { BinaryWriter, compileWriter, encodeAvroDatum, type DatumWriter } from './binary-encoder.js';
export { type AvroCodec, type AvroWriteCodec } from './codecs.js';
export { readAvroContainer, type AvroContainer } from './container-reader.js';
export { AvroContainerWriter, writeAvroContainer, type AvroContainerWriterOptions } from './container-writer.js';
