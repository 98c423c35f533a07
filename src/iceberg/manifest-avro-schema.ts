import type { FormatVersion } from './spec/table-metadata.js';
import type { StructType } from './spec/types.js';
import { icebergToAvro, type AvroSchemaJson } from './avro-type-mapping.js';

/**
 * Avro schemas of manifests and manifest lists, with the field ids the spec assigns
 * (spec "Manifests" and "Manifest Lists"). Readers match fields by name and id, so these
 * are only needed for writing.
 */
const opt = (name: string, id: number, type: AvroSchemaJson, doc?: string) => ({
  name,
  type: ['null', type],
  default: null,
  'field-id': id,
  ...(doc ? { doc } : {}),
});
const req = (name: string, id: number, type: AvroSchemaJson) => ({ name, type, 'field-id': id });
const intMap = (name: string, id: number, keyId: number, valueId: number, valueType: AvroSchemaJson) =>
  opt(name, id, {
    type: 'array',
    logicalType: 'map',
    items: {
      type: 'record',
      name: `k${keyId}_v${valueId}`,
      fields: [req('key', keyId, 'int'), req('value', valueId, valueType)],
    },
  });

export function dataFileAvroSchema(version: FormatVersion, partitionType: StructType): AvroSchemaJson {
  const partition = icebergToAvro(partitionType, 'r102');
  const partitionRecord =
    typeof partition === 'object' && !Array.isArray(partition) ? { ...partition, name: 'r102' } : partition;
  const fields: unknown[] = [];
  if (version >= 2) fields.push(req('content', 134, 'int'));
  fields.push(req('file_path', 100, 'string'), req('file_format', 101, 'string'), req('partition', 102, partitionRecord));
  fields.push(req('record_count', 103, 'long'), req('file_size_in_bytes', 104, 'long'));
  if (version === 1) fields.push(req('block_size_in_bytes', 105, 'long'));
  fields.push(
    intMap('column_sizes', 108, 117, 118, 'long'),
    intMap('value_counts', 109, 119, 120, 'long'),
    intMap('null_value_counts', 110, 121, 122, 'long'),
    intMap('nan_value_counts', 137, 138, 139, 'long'),
    intMap('lower_bounds', 125, 126, 127, 'bytes'),
    intMap('upper_bounds', 128, 129, 130, 'bytes'),
    opt('key_metadata', 131, 'bytes'),
    opt('split_offsets', 132, { type: 'array', items: 'long', 'element-id': 133 }),
  );
  if (version >= 2) fields.push(opt('equality_ids', 135, { type: 'array', items: 'int', 'element-id': 136 }));
  fields.push(opt('sort_order_id', 140, 'int'));
  if (version >= 3) {
    fields.push(
      opt('first_row_id', 142, 'long'),
      opt('referenced_data_file', 143, 'string'),
      opt('content_offset', 144, 'long'),
      opt('content_size_in_bytes', 145, 'long'),
    );
  }
  return { type: 'record', name: 'r2', fields } as AvroSchemaJson;
}

export function manifestEntryAvroSchema(version: FormatVersion, partitionType: StructType): AvroSchemaJson {
  const fields: unknown[] = [req('status', 0, 'int')];
  if (version === 1) {
    fields.push(req('snapshot_id', 1, 'long'));
  } else {
    fields.push(opt('snapshot_id', 1, 'long'), opt('sequence_number', 3, 'long'), opt('file_sequence_number', 4, 'long'));
  }
  fields.push(req('data_file', 2, dataFileAvroSchema(version, partitionType)));
  return { type: 'record', name: 'manifest_entry', fields } as AvroSchemaJson;
}

export function manifestFileAvroSchema(version: FormatVersion): AvroSchemaJson {
  const fieldSummary = {
    type: 'record',
    name: 'r508',
    fields: [
      req('contains_null', 509, 'boolean'),
      opt('contains_nan', 518, 'boolean'),
      opt('lower_bound', 510, 'bytes'),
      opt('upper_bound', 511, 'bytes'),
    ],
  };
  const partitions = opt('partitions', 507, { type: 'array', items: fieldSummary, 'element-id': 508 });
  const fields: unknown[] = [
    req('manifest_path', 500, 'string'),
    req('manifest_length', 501, 'long'),
    req('partition_spec_id', 502, 'int'),
  ];
  if (version === 1) {
    fields.push(
      req('added_snapshot_id', 503, 'long'),
      opt('added_files_count', 504, 'int'),
      opt('existing_files_count', 505, 'int'),
      opt('deleted_files_count', 506, 'int'),
      partitions,
      opt('added_rows_count', 512, 'long'),
      opt('existing_rows_count', 513, 'long'),
      opt('deleted_rows_count', 514, 'long'),
      opt('key_metadata', 519, 'bytes'),
    );
  } else {
    fields.push(
      req('content', 517, 'int'),
      req('sequence_number', 515, 'long'),
      req('min_sequence_number', 516, 'long'),
      req('added_snapshot_id', 503, 'long'),
      req('added_files_count', 504, 'int'),
      req('existing_files_count', 505, 'int'),
      req('deleted_files_count', 506, 'int'),
      req('added_rows_count', 512, 'long'),
      req('existing_rows_count', 513, 'long'),
      req('deleted_rows_count', 514, 'long'),
      partitions,
      opt('key_metadata', 519, 'bytes'),
    );
    if (version >= 3) fields.push(opt('first_row_id', 520, 'long'));
  }
  return { type: 'record', name: 'manifest_file', fields } as AvroSchemaJson;
}
