/**
 * One changelog line (a Debezium change event, bare or wrapped as `{"schema", "payload"}`) ->
 * one ChangeEvent with Iceberg row values. Every problem is a ChangeLineError naming
 * `file:line`; nothing is dropped except blank lines and tombstones (`null` events).
 */
import { InvalidMetadataError } from '../../src/errors.js';
import { isJsonObject, parseJson, type JsonObject, type JsonValue } from '../../src/iceberg/spec/lossless-json.js';
import type { ChangeEvent, ChangeOp, RowValues } from '../../src/sink/change-event.js';
import { rowSchemaOf } from './debezium-schema.js';
import { ChangeLineError } from './errors.js';
import type { LineItem } from './line-reader.js';
import { filePosition } from './position.js';
import { rawNumberAt, type JsonPath } from './raw-number.js';
import { TableProblem, type RowDecoders, type TableRegistry, type TableRuntime } from './table-registry.js';
import { formatColumnPath, ownValue, ValueError, type DecodeContext } from './value-decoder.js';

export interface ParsedChange {
  readonly event: ChangeEvent;
  /** `r` (snapshot read) events. */
  readonly snapshot: boolean;
}

const OPS: Readonly<Record<string, ChangeOp>> = { c: 'insert', r: 'insert', u: 'update', d: 'delete' };

type Fail = (problem: string, context?: Record<string, string>) => never;

/** The envelope after unwrapping: payload, its path in the line, and the schema block if any. */
interface Envelope {
  readonly payload: JsonObject;
  readonly root: JsonPath;
  readonly schema: JsonValue | undefined;
}

function parseLineJson(item: LineItem, fail: Fail): JsonValue {
  try {
    return parseJson(item.text);
  } catch (err) {
    if (!(err instanceof InvalidMetadataError)) throw err;
    const problem = err.message.replace(/^.*?invalid JSON: /, '');
    return fail(`malformed JSON at column ${String(err.context.column ?? '?')}: ${problem}`);
  }
}

/** Undefined for a tombstone (`{"schema":..,"payload":null}`). */
function unwrap(json: JsonObject, fail: Fail): Envelope | undefined {
  // The Kafka Connect JSON converter with schemas enabled wraps the event.
  if (Object.hasOwn(json, 'payload') && (Object.hasOwn(json, 'schema') || !Object.hasOwn(json, 'op'))) {
    const payload = json.payload;
    if (payload === null) return undefined;
    if (!isJsonObject(payload)) return fail('"payload" is not an object');
    return { payload, root: ['payload'], schema: json.schema };
  }
  return { payload: json, root: [], schema: undefined };
}

function nonEmptyString(v: JsonValue): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function tableNameOf(payload: JsonObject, fail: Fail): string {
  const source = ownValue(payload, 'source');
  if (!isJsonObject(source)) return fail('missing "source" (the Debezium source block with db and table)');
  const table = nonEmptyString(ownValue(source, 'table'));
  const db = nonEmptyString(ownValue(source, 'db')) ?? nonEmptyString(ownValue(source, 'schema'));
  if (!table || !db) return fail('"source" must name the table: source.db (or source.schema) and source.table');
  return `${db}.${table}`;
}

function sourceTsOf(payload: JsonObject, fail: Fail): number {
  const source = ownValue(payload, 'source');
  const candidates = [isJsonObject(source) ? ownValue(source, 'ts_ms') : null, ownValue(payload, 'ts_ms')];
  for (const ts of candidates) {
    if (typeof ts === 'number' && Number.isSafeInteger(ts)) return ts;
    if (typeof ts === 'bigint') return fail(`ts_ms ${ts} is out of range`);
  }
  return fail('missing source.ts_ms (the source commit time, ms since epoch)');
}

function opOf(payload: JsonObject, fail: Fail): { op: ChangeOp; snapshot: boolean } {
  const op = ownValue(payload, 'op');
  if (typeof op !== 'string') return fail(op === null ? 'missing "op"' : `"op" is not a string: ${String(op)}`);
  const mapped = Object.hasOwn(OPS, op) ? OPS[op] : undefined;
  if (!mapped) return fail(`unknown op ${JSON.stringify(op)} (expected c, u, d or r)`, { op });
  return { op: mapped, snapshot: op === 'r' };
}

/** Decodes one row image; columns missing from the JSON are null. */
function decodeRow(
  image: 'before' | 'after',
  row: JsonObject,
  runtime: TableRuntime,
  decoders: RowDecoders,
  rawPrefix: JsonPath,
  text: string,
  fail: Fail,
): RowValues {
  for (const key of Object.keys(row)) {
    if (!decoders.byColumn.has(key)) {
      fail(`${image}: unknown column ${JSON.stringify(key)} for table ${runtime.table.name} (columns: ${runtime.table.columns.map((c) => c.name).join(', ')})`, { column: key });
    }
  }
  let column = '';
  const ctx: DecodeContext = { rawNumber: (at) => rawNumberAt(text, [...rawPrefix, image, column, ...at]) };
  const out: Record<string, unknown> = {};
  for (const [name, decode] of decoders.byColumn) {
    column = name;
    try {
      Object.defineProperty(out, name, { value: decode(ownValue(row, name), [], ctx), enumerable: true, writable: true, configurable: true });
    } catch (err) {
      if (!(err instanceof ValueError)) throw err;
      fail(`column ${formatColumnPath(name, err.at)}: ${err.problem}`, { column: name, image });
    }
  }
  return out;
}

function checkKeys(image: 'before' | 'after', row: JsonObject, runtime: TableRuntime, fail: Fail): void {
  for (const k of runtime.table.primaryKey) {
    if (ownValue(row, k) === null) fail(`${image}: missing key column ${k} of table ${runtime.table.name}`, { column: k, image });
  }
}

function imageOf(payload: JsonObject, image: 'before' | 'after', fail: Fail): JsonObject | undefined {
  const v = ownValue(payload, image);
  if (v === null) return undefined;
  if (!isJsonObject(v)) return fail(`"${image}" is not an object`);
  return v;
}

/**
 * Parses one line. Returns undefined for blank lines and tombstones; throws ChangeLineError
 * for anything else that is not a valid event of a configured table.
 */
export function parseChangeLine(item: LineItem, tables: TableRegistry): ParsedChange | undefined {
  const fail: Fail = (problem, context = {}) => {
    throw new ChangeLineError(item.file, item.line, problem, context);
  };
  if (item.invalidUtf8) fail('the line is not valid UTF-8');
  if (item.text.trim() === '') return undefined;
  const json = parseLineJson(item, fail);
  if (json === null) return undefined;
  if (!isJsonObject(json)) return fail('expected a JSON object (a Debezium change event)');
  const envelope = unwrap(json, fail);
  if (!envelope) return undefined;
  const { payload } = envelope;

  const { op, snapshot } = opOf(payload, fail);
  const name = tableNameOf(payload, fail);
  const sourceTsMs = sourceTsOf(payload, fail);
  let runtime: TableRuntime;
  try {
    runtime = tables.resolve(name, rowSchemaOf(envelope.schema));
  } catch (err) {
    if (!(err instanceof TableProblem)) throw err;
    return fail(err.message, { table: name });
  }

  const beforeJson = imageOf(payload, 'before', fail);
  const afterJson = imageOf(payload, 'after', fail);
  if (op !== 'delete' && !afterJson) fail(`op ${String(ownValue(payload, 'op'))} without "after"`, { table: name });
  if (op === 'delete' && !beforeJson) fail('op d without "before"', { table: name });
  if (beforeJson) checkKeys('before', beforeJson, runtime, fail);
  if (afterJson) checkKeys('after', afterJson, runtime, fail);

  const before = beforeJson ? decodeRow('before', beforeJson, runtime, runtime.before, envelope.root, item.text, fail) : undefined;
  const after = afterJson ? decodeRow('after', afterJson, runtime, runtime.after, envelope.root, item.text, fail) : undefined;
  const event: ChangeEvent = {
    table: name,
    op,
    ...(before ? { before } : {}),
    ...(after ? { after } : {}),
    position: filePosition(item.file, item.line),
    sourceTsMs,
    origin: `${item.file}:${item.line}`,
  };
  return { event, snapshot };
}

/**
 * The table a line is about and its row schema, for discovery; undefined for lines that are
 * not events (bad lines are reported by parseChangeLine when they are read).
 */
export function peekTable(item: LineItem): { readonly name: string; readonly rowSchema: JsonObject | undefined } | undefined {
  const fail: Fail = (problem) => {
    throw new ChangeLineError(item.file, item.line, problem);
  };
  try {
    if (item.invalidUtf8 || item.text.trim() === '') return undefined;
    const json = parseLineJson(item, fail);
    const envelope = isJsonObject(json) ? unwrap(json, fail) : undefined;
    if (!envelope) return undefined;
    return { name: tableNameOf(envelope.payload, fail), rowSchema: rowSchemaOf(envelope.schema) };
  } catch (err) {
    if (err instanceof ChangeLineError) return undefined;
    throw err;
  }
}
