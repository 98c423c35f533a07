/**
 * What a changelog line says before its row images are decoded: the op, the source table,
 * the source time and the raw images. Both line shapes (the Debezium envelope and
 * ExtractNewRecordState's flattened record) are read into this one shape, so decoding and
 * batching never branch on the envelope.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../src/iceberg/spec/lossless-json.js';
import type { JsonPath } from './raw-number.js';
import { ownValue } from './value-decoder.js';

/** How a file source's lines are shaped (`source.envelope`). */
export type Envelope = 'debezium' | 'unwrapped';

export type Fail = (problem: string, context?: Record<string, string>) => never;

/** A source table name; `withoutSchema` is the `db.table` form of a `db.schema.table` name. */
export interface SourceTableName {
  readonly name: string;
  readonly withoutSchema?: string;
}

/** One row image and where it sits in the line (for the literal text of exact decimals). */
export interface RawImage {
  readonly row: JsonObject;
  readonly path: JsonPath;
}

/** Debezium's op codes: create, update, delete, read (snapshot), truncate. */
export type OpCode = 'c' | 'u' | 'd' | 'r' | 't';

const OP_CODES: ReadonlySet<string> = new Set<OpCode>(['c', 'u', 'd', 'r', 't']);

export function isOpCode(v: JsonValue): v is OpCode {
  return typeof v === 'string' && OP_CODES.has(v);
}

export interface RawChange {
  readonly op: OpCode;
  readonly table: SourceTableName;
  readonly sourceTsMs: number;
  readonly before?: RawImage;
  readonly after?: RawImage;
  /** The row's Debezium schema, when the line carries one. */
  readonly rowSchema?: JsonObject;
  /** Row members starting with `__` are ExtractNewRecordState metadata, not columns. */
  readonly metadataMembers: boolean;
}

/** A line of the Kafka Connect JSON converter: the event, its path, and the schema block if any. */
export interface ConnectValue {
  readonly payload: JsonObject;
  readonly root: JsonPath;
  readonly schema: JsonValue | undefined;
}

/** Undefined for a tombstone (`{"schema":..,"payload":null}`). */
export function connectValueOf(json: JsonObject, fail: Fail): ConnectValue | undefined {
  // The Kafka Connect JSON converter with schemas enabled wraps the event.
  if (Object.hasOwn(json, 'payload') && (Object.hasOwn(json, 'schema') || !Object.hasOwn(json, 'op'))) {
    const payload = json.payload;
    if (payload === null) return undefined;
    if (!isJsonObject(payload)) return fail('"payload" is not an object');
    return { payload, root: ['payload'], schema: json.schema };
  }
  return { payload: json, root: [], schema: undefined };
}

export function nonEmptyString(v: JsonValue): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * `db.schema.table` when both db and schema are known (Postgres, SQL Server: two schemas may
 * hold tables of one name), else `db.table` or `schema.table`; undefined without a table.
 */
export function sourceTableName(db: string | undefined, schema: string | undefined, table: string | undefined): SourceTableName | undefined {
  if (!table || (!db && !schema)) return undefined;
  if (db && schema) return { name: `${db}.${schema}.${table}`, withoutSchema: `${db}.${table}` };
  return { name: `${db ?? schema}.${table}` };
}

/**
 * The source time from the first candidate that is set. 0 counts as unset: Debezium 1.x
 * snapshot events carry `source.ts_ms = 0`, and the envelope's time is the better guess.
 */
export function sourceTsOf(candidates: readonly JsonValue[], fail: Fail, missing: string): number {
  let zero = false;
  for (const ts of candidates) {
    if (typeof ts === 'bigint') return fail(`ts_ms ${ts} is out of range`);
    if (typeof ts !== 'number' || !Number.isSafeInteger(ts)) continue;
    if (ts !== 0) return ts;
    zero = true;
  }
  return zero ? 0 : fail(missing);
}

/** A member of an object, or null when `v` is not an object. */
export function memberOf(v: JsonValue, key: string): JsonValue {
  return isJsonObject(v) ? ownValue(v, key) : null;
}
