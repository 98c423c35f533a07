/**
 * The Debezium change-event envelope (`before`, `after`, `source`, `op`, `ts_ms`), bare or
 * wrapped by the Kafka Connect JSON converter, -> a RawChange.
 */
import { isJsonObject, type JsonObject } from '../../src/iceberg/spec/lossless-json.js';
import { connectValueOf, isOpCode, memberOf, nonEmptyString, sourceTableName, sourceTsOf, type Fail, type OpCode, type RawChange, type RawImage, type SourceTableName } from './change-record.js';
import { rowSchemaOf } from './debezium-schema.js';
import type { JsonPath } from './raw-number.js';
import { ownValue } from './value-decoder.js';

/** What a line without `op` looks like, so the error can name the setting that reads it. */
function missingOpProblem(payload: JsonObject): string {
  const meta = Object.keys(payload).filter((k) => k.startsWith('__'));
  if (meta.length > 0) {
    return `missing "op": the line looks like an unwrapped ExtractNewRecordState record (it has ${meta.slice(0, 3).join(', ')}); set source.envelope: unwrapped`;
  }
  if (!Object.hasOwn(payload, 'source') && !Object.hasOwn(payload, 'after') && !Object.hasOwn(payload, 'before')) {
    return 'missing "op": the line looks like a plain row (no before, after or source), not a Debezium change event; if these are ExtractNewRecordState records, set source.envelope: unwrapped and add.fields=op,table,db,source.ts_ms';
  }
  return 'missing "op"';
}

function opOf(payload: JsonObject, fail: Fail): OpCode {
  const op = ownValue(payload, 'op');
  if (op === null) return fail(missingOpProblem(payload));
  if (typeof op !== 'string') return fail(`"op" is not a string: ${String(op)}`);
  if (!isOpCode(op)) return fail(`unknown op ${JSON.stringify(op)} (expected c, u, d, r or t)`, { op });
  return op;
}

function imageOf(payload: JsonObject, image: 'before' | 'after', root: JsonPath, fail: Fail): RawImage | undefined {
  const v = ownValue(payload, image);
  if (v === null) return undefined;
  if (!isJsonObject(v)) return fail(`"${image}" is not an object`);
  return { row: v, path: [...root, image] };
}

/** The source table an envelope is about; fails when `source` does not name it. */
export function envelopeTableName(payload: JsonObject, fail: Fail): SourceTableName {
  const source = ownValue(payload, 'source');
  if (!isJsonObject(source)) return fail('missing "source" (the Debezium source block with db and table)');
  const name = sourceTableName(nonEmptyString(ownValue(source, 'db')), nonEmptyString(ownValue(source, 'schema')), nonEmptyString(ownValue(source, 'table')));
  return name ?? fail('"source" must name the table: source.db (and source.schema for Postgres) and source.table');
}

/** Reads one envelope line (already parsed); undefined for a tombstone. */
export function readDebeziumEnvelope(json: JsonObject, fail: Fail): RawChange | undefined {
  const value = connectValueOf(json, fail);
  if (!value) return undefined;
  const { payload, root } = value;
  const op = opOf(payload, fail);
  const table = envelopeTableName(payload, fail);
  const sourceTsMs = sourceTsOf([memberOf(ownValue(payload, 'source'), 'ts_ms'), ownValue(payload, 'ts_ms')], fail, 'missing source.ts_ms (the source commit time, ms since epoch)');
  const before = imageOf(payload, 'before', root, fail);
  const after = imageOf(payload, 'after', root, fail);
  const rowSchema = rowSchemaOf(value.schema);
  return { op, table, sourceTsMs, ...(before ? { before } : {}), ...(after ? { after } : {}), ...(rowSchema ? { rowSchema } : {}), metadataMembers: false };
}
