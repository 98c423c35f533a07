/**
 * One changelog line (a Debezium change event, or an ExtractNewRecordState record with
 * `envelope: unwrapped`; bare or wrapped as `{"schema", "payload"}`) -> one ChangeEvent with
 * Iceberg row values, or a truncation. Every problem is a ChangeLineError naming `file:line`;
 * nothing is dropped except blank lines and tombstones (`null` events).
 */
import { ConfigError, InvalidMetadataError } from '../../src/errors.js';
import { isJsonObject, parseJson, type JsonObject, type JsonValue } from '../../src/iceberg/spec/lossless-json.js';
import type { ChangeEvent, ChangeOp, RowValues } from '../../src/sink/change-event.js';
import { connectValueOf, type Envelope, type Fail, type OpCode, type RawChange, type RawImage, type SourceTableName } from './change-record.js';
import { envelopeTableName, readDebeziumEnvelope } from './debezium-envelope.js';
import { rowSchemaOf } from './debezium-schema.js';
import { ChangeLineError } from './errors.js';
import type { LineItem } from './line-reader.js';
import { filePosition } from './position.js';
import { rawNumberAt } from './raw-number.js';
import { MisnamedTableProblem, TableProblem, type RowDecoders, type TableRegistry, type TableRuntime } from './table-registry.js';
import { METADATA_PREFIX, readUnwrappedRecord } from './unwrapped-record.js';
import { formatColumnPath, ownValue, ValueError, type DecodeContext } from './value-decoder.js';

export type ParsedChange =
  | {
    readonly kind: 'event';
    readonly event: ChangeEvent;
    /** `r` (snapshot read) events. */
    readonly snapshot: boolean;
  }
  | { readonly kind: 'truncate'; readonly table: string; readonly sourceTsMs: number };

const OPS: Readonly<Record<Exclude<OpCode, 't'>, ChangeOp>> = { c: 'insert', r: 'insert', u: 'update', d: 'delete' };

/** Why a delete without a before-image cannot be applied, and what makes the source send one. */
export const DELETE_WITHOUT_BEFORE =
  'op d without "before": a delete must say which row it removes; make the source send at least the key columns in before-images ' +
  '(Postgres: REPLICA IDENTITY FULL, or DEFAULT on a table with a primary key; MySQL: binlog_row_image=FULL)';

export function parseLineJson(item: LineItem, fail: Fail): JsonValue {
  try {
    return parseJson(item.text);
  } catch (err) {
    if (!(err instanceof InvalidMetadataError)) throw err;
    const problem = err.message.replace(/^.*?invalid JSON: /, '');
    return fail(`malformed JSON at column ${String(err.context.column ?? '?')}: ${problem}`);
  }
}

/** Decodes one row image; columns missing from the JSON are null. */
function decodeRow(
  image: 'before' | 'after',
  raw: RawImage,
  change: RawChange,
  runtime: TableRuntime,
  decoders: RowDecoders,
  text: string,
  fail: Fail,
): RowValues {
  for (const key of Object.keys(raw.row)) {
    if (decoders.byColumn.has(key) || (change.metadataMembers && key.startsWith(METADATA_PREFIX))) continue;
    fail(`${image}: unknown column ${JSON.stringify(key)} for table ${runtime.table.name} (columns: ${runtime.table.columns.map((c) => c.name).join(', ')})`, { column: key });
  }
  let column = '';
  const ctx: DecodeContext = { rawNumber: (at) => rawNumberAt(text, [...raw.path, column, ...at]) };
  const out: Record<string, unknown> = {};
  for (const [name, decode] of decoders.byColumn) {
    column = name;
    try {
      Object.defineProperty(out, name, { value: decode(ownValue(raw.row, name), [], ctx), enumerable: true, writable: true, configurable: true });
    } catch (err) {
      if (!(err instanceof ValueError)) throw err;
      fail(`column ${formatColumnPath(name, err.at)}: ${err.problem}`, { column: name, image });
    }
  }
  return out;
}

/**
 * After-images must have every key column. Before-images are left to the sink, which
 * decides per event whether it can use them (a partial before-image may still do).
 */
function checkKeys(row: JsonObject, runtime: TableRuntime, fail: Fail): void {
  for (const k of runtime.table.primaryKey) {
    if (ownValue(row, k) === null) fail(`after: missing key column ${k} of table ${runtime.table.name}`, { column: k, image: 'after' });
  }
}

function resolveTable(tables: TableRegistry, item: LineItem, table: SourceTableName, rowSchema: JsonObject | undefined, fail: Fail): TableRuntime {
  try {
    return tables.resolve(table, rowSchema);
  } catch (err) {
    // A misnamed table is a config mistake, never one bad line: it stops even with dead-letter.
    if (err instanceof MisnamedTableProblem) throw new ConfigError(`${item.file}:${item.line}: ${err.message}`, { table: table.name });
    if (!(err instanceof TableProblem)) throw err;
    return fail(err.message, { table: table.name });
  }
}

function readRecord(json: JsonObject, envelope: Envelope, fail: Fail): RawChange | undefined {
  return envelope === 'unwrapped' ? readUnwrappedRecord(json, fail) : readDebeziumEnvelope(json, fail);
}

/**
 * Parses one line. Returns undefined for blank lines and tombstones; throws ChangeLineError
 * for anything else that is not a valid event of a configured table, and ConfigError for a
 * table named in a form the config does not use (`db.table` for a `db.schema.table` stream).
 */
export function parseChangeLine(item: LineItem, tables: TableRegistry, envelope: Envelope = 'debezium'): ParsedChange | undefined {
  const fail: Fail = (problem, context = {}) => {
    throw new ChangeLineError(item.file, item.line, problem, context);
  };
  if (item.invalidUtf8) fail('the line is not valid UTF-8');
  if (item.text.trim() === '') return undefined;
  const json = parseLineJson(item, fail);
  if (json === null) return undefined;
  if (!isJsonObject(json)) return fail('expected a JSON object (a Debezium change event)');
  const change = readRecord(json, envelope, fail);
  if (!change) return undefined;
  return parseRawChange(change, item, tables, fail);
}

/**
 * One change already read from its record (any envelope: Debezium, unwrapped, or another
 * connector's formats) -> a ChangeEvent of a configured table, or a truncation. `item` names
 * where it came from (its text is where exact decimals are read from); `fail` throws.
 */
export function parseRawChange(change: RawChange, item: LineItem, tables: TableRegistry, fail: Fail): ParsedChange {
  const name = change.table.name;
  const runtime = resolveTable(tables, item, change.table, change.rowSchema, fail);
  if (change.op === 't') return { kind: 'truncate', table: name, sourceTsMs: change.sourceTsMs };

  const op = OPS[change.op];
  if (op !== 'delete' && !change.after) fail(`op ${change.op} without "after"`, { table: name });
  if (op === 'delete' && !change.before) fail(DELETE_WITHOUT_BEFORE, { table: name });
  if (change.after) checkKeys(change.after.row, runtime, fail);

  const before = change.before ? decodeRow('before', change.before, change, runtime, runtime.before, item.text, fail) : undefined;
  const after = change.after ? decodeRow('after', change.after, change, runtime, runtime.after, item.text, fail) : undefined;
  const event: ChangeEvent = {
    table: name,
    op,
    ...(before ? { before } : {}),
    ...(after ? { after } : {}),
    position: filePosition(item.file, item.line),
    sourceTsMs: change.sourceTsMs,
    origin: `${item.file}:${item.line}`,
  };
  return { kind: 'event', event, snapshot: change.op === 'r' };
}

/**
 * The table a line is about and its row schema, for discovery; undefined for lines that are
 * not events (bad lines are reported by parseChangeLine when they are read).
 */
export function peekTable(item: LineItem, envelope: Envelope = 'debezium'): { readonly table: SourceTableName; readonly rowSchema: JsonObject | undefined } | undefined {
  const fail: Fail = (problem) => {
    throw new ChangeLineError(item.file, item.line, problem);
  };
  try {
    if (item.invalidUtf8 || item.text.trim() === '') return undefined;
    const json = parseLineJson(item, fail);
    if (!isJsonObject(json)) return undefined;
    if (envelope === 'unwrapped') {
      const change = readUnwrappedRecord(json, fail);
      return change && { table: change.table, rowSchema: change.rowSchema };
    }
    // Discovery only needs the name and schema: an envelope with a bad op is reported when read.
    const value = connectValueOf(json, fail);
    return value && { table: envelopeTableName(value.payload, fail), rowSchema: rowSchemaOf(value.schema) };
  } catch (err) {
    if (err instanceof ChangeLineError) return undefined;
    throw err;
  }
}
