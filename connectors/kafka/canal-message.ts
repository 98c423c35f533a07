/**
 * Canal's flat JSON message (canal.mq.flatMessage=true) -> RawChanges: one message holds the
 * rows of one statement, `data[i]` the row as it is now and, for an UPDATE, `old[i]` the
 * previous values of the columns that changed. Values are strings (Canal writes every column
 * as text), which the column decoders read. `es` is the source commit time (ms). DDL
 * messages (`isDdl`) are skipped except TRUNCATE.
 *
 *   {"data":[{"id":"111","weight":"5.18"}],"database":"inventory","es":1589373560000,"id":9,
 *    "isDdl":false,"old":[{"weight":"5.15"}],"pkNames":["id"],"table":"products",
 *    "ts":1589373560798,"type":"UPDATE", "mysqlType":{...}, "sqlType":{...}}
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../src/iceberg/spec/lossless-json.js';
import { nonEmptyString, sourceTableName, sourceTsOf, type Fail, type OpCode, type RawChange } from '../file/change-record.js';
import { ownValue } from '../file/value-decoder.js';

const OPS: Readonly<Record<string, OpCode>> = { INSERT: 'c', UPDATE: 'u', DELETE: 'd', TRUNCATE: 't' };

function rowsOf(v: JsonValue, what: string, fail: Fail): JsonObject[] {
  if (v === null) return [];
  if (!Array.isArray(v) || !v.every(isJsonObject)) return fail(`"${what}" is not an array of row objects`);
  return v;
}

/** The changes of one Canal message (empty for DDL other than TRUNCATE). */
export function readCanalMessage(json: JsonObject, fail: Fail): RawChange[] {
  const type = ownValue(json, 'type');
  if (typeof type !== 'string') return fail('missing "type" (INSERT, UPDATE, DELETE): is this a Canal flat message?');
  const op = OPS[type.toUpperCase()];
  const ddl = ownValue(json, 'isDdl') === true;
  if (ddl && op !== 't') return [];
  if (!op) return fail(`unknown Canal type ${JSON.stringify(type)} (expected INSERT, UPDATE, DELETE or TRUNCATE)`);
  const table = sourceTableName(nonEmptyString(ownValue(json, 'database')), undefined, nonEmptyString(ownValue(json, 'table')))
    ?? fail('a Canal message must name its table: "database" and "table"');
  const sourceTsMs = sourceTsOf([ownValue(json, 'es'), ownValue(json, 'ts')], fail, 'missing "es" (the source commit time, ms since epoch)');
  const base = { op, table, sourceTsMs, metadataMembers: false } as const;
  if (op === 't') return [base];
  const data = rowsOf(ownValue(json, 'data'), 'data', fail);
  const old = rowsOf(ownValue(json, 'old'), 'old', fail);
  return data.map((row, i): RawChange => {
    const image = { row, path: ['data', i] };
    if (op === 'c') return { ...base, after: image };
    if (op === 'd') return { ...base, before: image };
    // `old` holds only the changed columns: the row before is the row now with those put back.
    return { ...base, before: { row: { ...row, ...(old[i] ?? {}) }, path: ['data', i] }, after: image };
  });
}
