/**
 * ExtractNewRecordState ("unwrapped") records -> a RawChange. The record is the row itself
 * plus the metadata the SMT adds with `add.fields` (`__op`, `__table`, `__db`, `__schema`,
 * `__source_ts_ms`, `__ts_ms`, ...) and, with `delete.handling.mode=rewrite`, `__deleted`
 * on a delete's before-image.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../src/iceberg/spec/lossless-json.js';
import { connectValueOf, isOpCode, nonEmptyString, sourceTableName, sourceTsOf, type Fail, type OpCode, type RawChange } from './change-record.js';
import { ownValue } from './value-decoder.js';

/** The SMT's default prefix for what it adds (`add.fields.prefix`). */
export const METADATA_PREFIX = '__';

function isDeleted(v: JsonValue): boolean {
  return v === true || v === 'true';
}

function opOf(record: JsonObject, fail: Fail): OpCode {
  if (isDeleted(ownValue(record, '__deleted'))) return 'd';
  const op = ownValue(record, '__op');
  // Without add.fields=op the record is the row as it now is: an insert, which upsert
  // tables turn into a replacement of the key.
  if (op === null) return 'c';
  if (!isOpCode(op)) return fail(`unknown __op ${JSON.stringify(op)} (expected c, u, d, r or t)`);
  return op;
}

/** A struct schema's fields without the SMT's metadata fields: the row schema. */
function rowSchemaOf(schema: JsonValue | undefined): JsonObject | undefined {
  if (!isJsonObject(schema) || schema.type !== 'struct' || !Array.isArray(schema.fields)) return undefined;
  const fields = schema.fields.filter((f) => !(isJsonObject(f) && typeof f.field === 'string' && f.field.startsWith(METADATA_PREFIX)));
  return { ...schema, fields };
}

/** Reads one unwrapped record (already parsed); undefined for a tombstone. */
export function readUnwrappedRecord(json: JsonObject, fail: Fail): RawChange | undefined {
  const value = connectValueOf(json, fail);
  if (!value) return undefined;
  const { payload: record, root } = value;
  if (Object.hasOwn(record, 'op') && Object.hasOwn(record, 'source') && (Object.hasOwn(record, 'after') || Object.hasOwn(record, 'before'))) {
    return fail('the line looks like a Debezium change event envelope (op, before/after, source), not an ExtractNewRecordState record; set source.envelope: debezium');
  }
  const str = (k: string) => nonEmptyString(ownValue(record, k));
  const schema = str('__schema');
  if (!schema && Object.hasOwn(record, '__lsn')) {
    return fail('a Postgres record (it has __lsn) without __schema: add schema to the SMT\'s add.fields, since Postgres tables are named db.schema.table');
  }
  const table = sourceTableName(str('__db'), schema, str('__table'))
    ?? fail('missing __table and __db (or __schema): set the SMT\'s add.fields=op,table,db,source.ts_ms (Postgres: also schema) so each record names its table');
  const op = opOf(record, fail);
  const sourceTsMs = sourceTsOf([ownValue(record, '__source_ts_ms'), ownValue(record, '__ts_ms')], fail, 'missing __source_ts_ms: add source.ts_ms to the SMT\'s add.fields (the source commit time, for the watermark)');
  const image = { row: record, path: root };
  const rowSchema = rowSchemaOf(value.schema);
  return {
    op,
    table,
    sourceTsMs,
    // A rewritten delete carries the row as it was; anything else the row as it now is.
    ...(op === 'd' ? { before: image } : op === 't' ? {} : { after: image }),
    ...(rowSchema ? { rowSchema } : {}),
    metadataMembers: true,
  };
}
