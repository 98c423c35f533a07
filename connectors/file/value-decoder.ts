/**
 * JSON values of a changelog line -> Iceberg values (src/iceberg/spec/values.ts; lists as
 * arrays, maps as Map, structs as objects). A decoder is built once per column from its
 * Iceberg type and, when the line carries one, its Debezium field schema (which says how
 * integers and bytes encode temporal and decimal values).
 *
 * Accepted input per column type:
 * - boolean: true/false (also 0/1, and the strings "true"/"false"/"1"/"0": Canal writes every
 *   value as text, MySQL's tinyint(1) as "1").
 * - int, long: JSON integers (exact beyond 2^53) or integer strings; range-checked.
 * - float, double: JSON numbers, numeric strings, "NaN", "Infinity", "-Infinity" (JSON has no
 *   token for them; Debezium writes these strings).
 * - decimal(P,S): decimal strings or JSON numbers, both exact (the number's literal text is
 *   used, never a float); more fraction digits than S or more digits than P is an error.
 *   With a Debezium `org.apache.kafka.connect.data.Decimal` schema: base64 of the unscaled
 *   two's complement value; `{scale, value}` objects (VariableScaleDecimal) are accepted too.
 * - date: `YYYY-MM-DD` or an integer count of days since 1970-01-01.
 * - time: `HH:MM[:SS[.ffffff]]` or an integer: milliseconds since midnight, or micros/nanos
 *   with a Debezium MicroTime/NanoTime schema.
 * - timestamp, timestamptz (and _ns): ISO-8601 (`T` or space; up to 9 fraction digits, extra
 *   digits truncated toward the earlier instant) or an integer: milliseconds since the epoch
 *   (Kafka Connect Timestamp / io.debezium.time.Timestamp), or micros/nanos with a Debezium
 *   MicroTimestamp/NanoTimestamp schema. timestamptz takes any offset (converted to UTC) and
 *   reads a string without offset as UTC; timestamp rejects non-UTC offsets.
 * - string: JSON strings only. uuid: the 8-4-4-4-12 form (stored lowercase).
 * - binary, fixed[L]: base64 (Debezium's default binary handling).
 * - list: arrays; map: objects (keys decoded from their text) or arrays of [key, value]
 *   pairs (Kafka Connect's form for non-string keys); struct: objects (unknown fields are
 *   errors, missing fields are null).
 */
import { ValidationError } from '../../src/errors.js';
import { isJsonObject, setOwn, type JsonObject, type JsonValue } from '../../src/iceberg/spec/lossless-json.js';
import type { IcebergType, PrimitiveType, StructType } from '../../src/iceberg/spec/types.js';
import { typeToString } from '../../src/iceberg/spec/types.js';
import { twosComplementToBigint, valueFromJson } from '../../src/iceberg/spec/value-serialization.js';
import type { JsonPath } from './raw-number.js';
import { fromNanos, parseIsoTimestamp, toNanos, type EpochUnit } from './temporal.js';

/** A value that does not fit; `at` is the path below the column (`[2].qty`). */
export class ValueError extends Error {
  constructor(readonly at: JsonPath, readonly problem: string) {
    super(problem);
  }
}

export interface DecodeContext {
  /** Literal text of the number at `at` (relative to the row), for exact decimals. */
  rawNumber(at: JsonPath): string | undefined;
}

export type Decoder = (v: JsonValue, at: JsonPath, ctx: DecodeContext) => unknown;

/** `qty`, `items[2]`, `address.city`. */
export function formatColumnPath(column: string, at: JsonPath): string {
  let s = column;
  for (const seg of at) s += typeof seg === 'number' ? `[${seg}]` : `.${seg}`;
  return s;
}

export function describeJsonValue(v: JsonValue): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (Array.isArray(v)) return 'an array';
  if (isJsonObject(v)) return 'an object';
  return String(v);
}

/** An object's own member (null when absent): `constructor` must not come from the prototype. */
export function ownValue(obj: JsonObject, key: string): JsonValue {
  return Object.hasOwn(obj, key) ? obj[key]! : null;
}

function notA(v: JsonValue, what: string, at: JsonPath): never {
  throw new ValueError(at, `value ${describeJsonValue(v)} is not ${what}`);
}

const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const MICROS_PER_DAY = 86_400_000_000n;
const INTEGER_TEXT = /^[+-]?\d+$/;
const NUMBER_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

function integerOf(v: JsonValue): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : undefined;
  if (typeof v === 'string' && INTEGER_TEXT.test(v)) return BigInt(v);
  return undefined;
}

function ranged(v: JsonValue, what: string, min: bigint, max: bigint, at: JsonPath): bigint {
  const n = integerOf(v);
  if (n === undefined) notA(v, what, at);
  if (n < min || n > max) throw new ValueError(at, `value ${describeJsonValue(v)} is out of range for ${what.replace(/^an? /, '')}`);
  return n;
}

function floatingOf(v: JsonValue, what: string, at: JsonPath): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    if (NUMBER_TEXT.test(v)) return Number(v);
  }
  return notA(v, what, at);
}

function base64Of(v: JsonValue, what: string, at: JsonPath): Uint8Array {
  if (typeof v !== 'string' || !BASE64.test(v)) notA(v, `${what} (base64)`, at);
  return Uint8Array.from(Buffer.from(v, 'base64'));
}

/** Runs a src/iceberg parser and turns its ValidationError into a ValueError. */
function viaSpec(type: PrimitiveType, text: string, v: JsonValue, at: JsonPath): unknown {
  try {
    return valueFromJson(type, text);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    const name = typeToString(type);
    const detail = err.message.startsWith(`${name}: `) ? err.message.slice(name.length + 2) : err.message;
    throw new ValueError(at, `value ${describeJsonValue(v)} is not a valid ${name}: ${detail}`);
  }
}

/** Kafka Connect logical names (and Debezium's) -> the unit of their integer encoding. */
const INTEGER_UNITS: Readonly<Record<string, EpochUnit>> = {
  'org.apache.kafka.connect.data.Date': 'days',
  'io.debezium.time.Date': 'days',
  'org.apache.kafka.connect.data.Time': 'ms',
  'io.debezium.time.Time': 'ms',
  'io.debezium.time.MicroTime': 'us',
  'io.debezium.time.NanoTime': 'ns',
  'org.apache.kafka.connect.data.Timestamp': 'ms',
  'io.debezium.time.Timestamp': 'ms',
  'io.debezium.time.MicroTimestamp': 'us',
  'io.debezium.time.NanoTimestamp': 'ns',
};

const CONNECT_DECIMAL = 'org.apache.kafka.connect.data.Decimal';

function schemaName(hint: JsonObject | undefined): string | undefined {
  return typeof hint?.name === 'string' ? hint.name : undefined;
}

/** Rescales an unscaled value from `scale` to the type's scale when exact, then checks the precision. */
function rescale(type: PrimitiveType & { kind: 'decimal' }, unscaled: bigint, scale: number, v: JsonValue, at: JsonPath): bigint {
  let out = unscaled;
  if (scale < type.scale) out *= 10n ** BigInt(type.scale - scale);
  else if (scale > type.scale) {
    const f = 10n ** BigInt(scale - type.scale);
    if (out % f !== 0n) throw new ValueError(at, `value ${describeJsonValue(v)} has more than ${type.scale} fraction digits for ${typeToString(type)}`);
    out /= f;
  }
  const abs = out < 0n ? -out : out;
  if (abs >= 10n ** BigInt(type.precision)) throw new ValueError(at, `value ${describeJsonValue(v)} has more than ${type.precision} digits for ${typeToString(type)}`);
  return out;
}

function decimalDecoder(type: PrimitiveType & { kind: 'decimal' }, hint: JsonObject | undefined): Decoder {
  const params = hint && isJsonObject(hint.parameters) ? hint.parameters : undefined;
  const bytesScale = schemaName(hint) === CONNECT_DECIMAL ? Number(params?.scale ?? 0) : undefined;
  return (v, at, ctx) => {
    if (isJsonObject(v) && 'scale' in v && 'value' in v) { // io.debezium.data.VariableScaleDecimal
      const scale = integerOf(ownValue(v, 'scale'));
      if (scale === undefined) notA(v, `a ${typeToString(type)}`, at);
      const bytes = base64Of(ownValue(v, 'value'), 'a decimal', at);
      return rescale(type, bytes.length === 0 ? 0n : twosComplementToBigint(bytes), Number(scale), v, at);
    }
    if (typeof v === 'string') {
      if (bytesScale !== undefined) {
        const bytes = base64Of(v, 'a Debezium decimal', at);
        return rescale(type, bytes.length === 0 ? 0n : twosComplementToBigint(bytes), bytesScale, v, at);
      }
      return viaSpec(type, v, v, at);
    }
    if (typeof v === 'bigint') return viaSpec(type, v.toString(), v, at);
    if (typeof v === 'number') {
      const text = Number.isSafeInteger(v) ? String(v) : ctx.rawNumber(at) ?? String(v);
      return viaSpec(type, text, v, at);
    }
    return notA(v, `a ${typeToString(type)}`, at);
  };
}

function timestampDecoder(type: PrimitiveType, hint: JsonObject | undefined): Decoder {
  const target = type.kind === 'timestamp_ns' || type.kind === 'timestamptz_ns' ? 'ns' : 'us';
  const zoned = type.kind === 'timestamptz' || type.kind === 'timestamptz_ns';
  const unit = INTEGER_UNITS[schemaName(hint) ?? ''] ?? 'ms';
  const what = `a ${type.kind}`;
  return (v, at) => {
    if (typeof v === 'string') {
      const ts = parseIsoTimestamp(v);
      if (!ts) notA(v, `${what} (ISO-8601)`, at);
      if (!zoned && ts.offsetMinutes !== undefined && ts.offsetMinutes !== 0) {
        throw new ValueError(at, `value ${describeJsonValue(v)} has a UTC offset, which a ${type.kind} column cannot keep (declare it timestamptz)`);
      }
      return fromNanos(ts.nanos, target);
    }
    const n = integerOf(v);
    if (n === undefined) return notA(v, what, at);
    const out = fromNanos(toNanos(n, unit), target);
    if (out < INT64_MIN || out > INT64_MAX) throw new ValueError(at, `value ${describeJsonValue(v)} is out of range for ${type.kind}`);
    return out;
  };
}

function timeDecoder(hint: JsonObject | undefined): Decoder {
  const unit = INTEGER_UNITS[schemaName(hint) ?? ''] ?? 'ms';
  return (v, at) => {
    if (typeof v === 'string') return viaSpec({ kind: 'time' }, v, v, at);
    const n = integerOf(v);
    if (n === undefined) return notA(v, 'a time', at);
    const micros = fromNanos(toNanos(n, unit), 'us');
    if (micros < 0n || micros >= MICROS_PER_DAY) throw new ValueError(at, `value ${describeJsonValue(v)} is out of range for time (${unit} since midnight)`);
    return micros;
  };
}

const BOOLEAN_TEXT: Readonly<Record<string, boolean>> = Object.assign(Object.create(null) as Record<string, boolean>, { true: true, false: false, 1: true, 0: false });

function primitiveDecoder(type: PrimitiveType, hint: JsonObject | undefined): Decoder {
  switch (type.kind) {
    case 'boolean':
      return (v, at) => (typeof v === 'boolean' ? v : typeof v === 'string' ? (BOOLEAN_TEXT[v] ?? notA(v, 'a boolean', at)) : v === 0 || v === 1 ? v === 1 : notA(v, 'a boolean', at));
    case 'int':
      return (v, at) => Number(ranged(v, 'an int', INT32_MIN, INT32_MAX, at));
    case 'long':
      return (v, at) => ranged(v, 'a long', INT64_MIN, INT64_MAX, at);
    case 'float':
      return (v, at) => {
        const d = floatingOf(v, 'a float', at);
        const f = Math.fround(d);
        if (Number.isFinite(d) && !Number.isFinite(f)) throw new ValueError(at, `value ${describeJsonValue(v)} is out of range for float`);
        return f;
      };
    case 'double':
      return (v, at) => floatingOf(v, 'a double', at);
    case 'decimal':
      return decimalDecoder(type, hint);
    case 'date':
      return (v, at) => (typeof v === 'string' ? viaSpec(type, v, v, at) : Number(ranged(v, 'a date', INT32_MIN, INT32_MAX, at)));
    case 'time':
      return timeDecoder(hint);
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return timestampDecoder(type, hint);
    case 'string':
      return (v, at) => (typeof v === 'string' ? v : notA(v, 'a string', at));
    case 'uuid':
      return (v, at) => (typeof v === 'string' ? viaSpec(type, v, v, at) : notA(v, 'a uuid', at));
    case 'binary':
      return (v, at) => base64Of(v, 'binary', at);
    case 'fixed':
      return (v, at) => {
        const bytes = base64Of(v, typeToString(type), at);
        if (bytes.length !== type.length) throw new ValueError(at, `value ${describeJsonValue(v)} has ${bytes.length} bytes, ${typeToString(type)} needs ${type.length}`);
        return bytes;
      };
  }
}

/** Wraps a decoder with the null rule of its slot. */
function nullable(decode: Decoder, required: boolean, what: string): Decoder {
  return (v, at, ctx) => {
    if (v === null) {
      if (required) throw new ValueError(at, `null is not allowed (${what} is required)`);
      return null;
    }
    return decode(v, at, ctx);
  };
}

function hintChild(hint: JsonObject | undefined, key: string): JsonObject | undefined {
  const child = hint?.[key];
  return isJsonObject(child) ? child : undefined;
}

function structDecoder(type: StructType, hint: JsonObject | undefined): Decoder {
  const hintFields = new Map<string, JsonObject>();
  if (hint && Array.isArray(hint.fields)) {
    for (const f of hint.fields) if (isJsonObject(f) && typeof f.field === 'string') hintFields.set(f.field, f);
  }
  const fields = type.fields.map((f) => ({
    name: f.name,
    decode: nullable(decoderFor(f.type, hintFields.get(f.name)), f.required, `field ${f.name}`),
  }));
  const known = new Set(type.fields.map((f) => f.name));
  return (v, at, ctx) => {
    if (!isJsonObject(v)) return notA(v, 'an object (struct)', at);
    for (const k of Object.keys(v)) if (!known.has(k)) throw new ValueError([...at, k], `unknown struct field (fields: ${[...known].join(', ')})`);
    const out: Record<string, unknown> = {};
    for (const f of fields) setOwn(out, f.name, f.decode(ownValue(v, f.name), [...at, f.name], ctx));
    return out;
  };
}

function mapDecoder(type: IcebergType & { kind: 'map' }, hint: JsonObject | undefined): Decoder {
  const key = decoderFor(type.key, hintChild(hint, 'keys'));
  const value = nullable(decoderFor(type.value, hintChild(hint, 'values')), type.valueRequired, 'the map value');
  return (v, at, ctx) => {
    const out = new Map<unknown, unknown>();
    if (Array.isArray(v)) { // [[k, v], ...]
      v.forEach((pair, i) => {
        if (!Array.isArray(pair) || pair.length !== 2 || pair[0] === null) notA(pair, 'a [key, value] pair', [...at, i]);
        out.set(key(pair[0]!, [...at, i, 0], ctx), value(pair[1]!, [...at, i, 1], ctx));
      });
      return out;
    }
    if (!isJsonObject(v)) return notA(v, 'an object (map)', at);
    for (const [k, x] of Object.entries(v)) out.set(key(k, [...at, k], ctx), value(x, [...at, k], ctx));
    return out;
  };
}

/**
 * The decoder for a non-null value of `type`. `hint` is the Debezium field schema of the
 * value, when the line has one.
 */
export function decoderFor(type: IcebergType, hint?: JsonObject): Decoder {
  switch (type.kind) {
    case 'list': {
      const element = nullable(decoderFor(type.element, hintChild(hint, 'items')), type.elementRequired, 'the list element');
      return (v, at, ctx) => (Array.isArray(v) ? v.map((x, i) => element(x, [...at, i], ctx)) : notA(v, 'an array (list)', at));
    }
    case 'map':
      return mapDecoder(type, hint);
    case 'struct':
      return structDecoder(type, hint);
    default:
      return primitiveDecoder(type, hint);
  }
}

/** A column decoder: null rule + value decoder. */
export function columnDecoder(type: IcebergType, required: boolean, hint?: JsonObject): Decoder {
  return nullable(decoderFor(type, hint), required, 'the column');
}
