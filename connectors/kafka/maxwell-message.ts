/**
 * Maxwell's JSON message -> a RawChange: `data` is the row as it is now (the deleted row for
 * a delete), `old` the previous values of the columns an update changed. `ts` is the source
 * commit time in seconds. `bootstrap-insert` rows are snapshot reads; bootstrap markers and
 * DDL messages (`table-create`, `table-alter`, ...) carry no row and are skipped.
 *
 *   {"database":"test","table":"e","type":"update","ts":1477053234,"xid":23400,"commit":true,
 *    "data":{"id":1,"m":5.444},"old":{"m":4.2341}}
 */
import { isJsonObject, type JsonObject } from '../../src/iceberg/spec/lossless-json.js';
import { nonEmptyString, sourceTableName, type Fail, type OpCode, type RawChange } from '../file/change-record.js';
import { ownValue } from '../file/value-decoder.js';

const OPS: Readonly<Record<string, OpCode>> = { insert: 'c', update: 'u', delete: 'd', 'bootstrap-insert': 'r' };

/** The change of one Maxwell message; undefined for messages without a row (bootstrap markers, DDL). */
export function readMaxwellMessage(json: JsonObject, fail: Fail): RawChange | undefined {
  const type = ownValue(json, 'type');
  if (typeof type !== 'string') return fail('missing "type" (insert, update, delete): is this a Maxwell message?');
  const op = OPS[type];
  if (!op) {
    if (type.startsWith('bootstrap-') || type.includes('-')) return undefined;
    return fail(`unknown Maxwell type ${JSON.stringify(type)} (expected insert, update, delete or bootstrap-insert)`);
  }
  const table = sourceTableName(nonEmptyString(ownValue(json, 'database')), undefined, nonEmptyString(ownValue(json, 'table')))
    ?? fail('a Maxwell message must name its table: "database" and "table"');
  const ts = ownValue(json, 'ts');
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts)) return fail('missing "ts" (the source commit time, seconds since epoch)');
  const data = ownValue(json, 'data');
  if (!isJsonObject(data)) return fail('"data" is not an object (the row)');
  const old = ownValue(json, 'old');
  const image = { row: data, path: ['data'] };
  const base = { op, table, sourceTsMs: ts * 1000, metadataMembers: false } as const;
  if (op === 'd') return { ...base, before: image };
  if (op === 'u') return { ...base, before: { row: { ...data, ...(isJsonObject(old) ? old : {}) } as JsonObject, path: ['data'] }, after: image };
  return { ...base, after: image };
}
