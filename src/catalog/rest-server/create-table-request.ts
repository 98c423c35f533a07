import type { CreateTableOptions } from '../catalog.js';
import { partitionSpecFromJson, schemaFromJson, sortOrderFromJson } from '../../iceberg/spec/schema-json.js';
import type { FormatVersion } from '../../iceberg/spec/table-metadata.js';
import { badRequest } from './rest-errors.js';
import type { CreateTableRequest } from './rest-wire.js';

/** Java's reserved table property: it picks the format version and is not stored. */
const FORMAT_VERSION_PROPERTY = 'format-version';

/**
 * A CreateTableRequest as catalog options. `spec-id` is read-only on the wire (the first spec
 * is 0); partition field ids left out are numbered from 1000, as the reference does.
 */
export function createTableOptions(req: CreateTableRequest): CreateTableOptions {
  const schema = schemaFromJson(req.schema, 'schema');
  const spec = req['partition-spec'] ? partitionSpecFromJson({ ...req['partition-spec'], 'spec-id': 0 }, 'partition-spec') : undefined;
  const order = req['write-order'];
  const sortOrder = order ? sortOrderFromJson({ 'order-id': Array.isArray(order['fields']) && order['fields'].length > 0 ? 1 : 0, ...order }, 'write-order') : undefined;
  const properties: Record<string, string> = { ...(req.properties ?? {}) };
  const version = properties[FORMAT_VERSION_PROPERTY];
  delete properties[FORMAT_VERSION_PROPERTY];
  if (version !== undefined && !['1', '2', '3'].includes(version)) throw badRequest(`properties.${FORMAT_VERSION_PROPERTY}: expected 1, 2 or 3, got ${JSON.stringify(version)}`);
  return {
    // A new table's schema is schema 0, whatever id the client sent.
    schema: schema.withSchemaId(0),
    properties,
    ...(spec ? { spec } : {}),
    ...(sortOrder ? { sortOrder } : {}),
    ...(version !== undefined ? { formatVersion: Number(version) as FormatVersion } : {}),
    ...(req.location !== undefined ? { location: req.location } : {}),
  };
}
