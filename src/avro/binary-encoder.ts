import { ValidationError } from '../errors.js';
import { avroDefaultValue, avroFullName, typeLabel, type AvroField, type AvroRecordSchema, type AvroSchema } from './schema.js';
import { describeValue, isPlainRecord, type AvroRecord, type AvroValue } from './value.js';

/**
 * Avro binary encoding (Avro 1.11 spec, "Binary Encoding"). `compileWriter` turns a schema into
 * a tree of closures once; each closure checks its value's JS type and writes into a growable
 * buffer that is reused across values. A value that does not fit the schema is a
 * ValidationError naming the field path.
 */

const utf8 = new TextEncoder();

const INT_MIN = -0x80000000;
const INT_MAX = 0x7fffffff;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
// Below 2^52 in magnitude the zig-zag value (2|v| or 2|v|-1) is still an exact double.
const FAST_LONG = 2 ** 52;
const FAST_LONG_BIG = 2n ** 52n;

/** Growable output buffer. `pos` is the number of bytes written. */
export class BinaryWriter {
  buf: Uint8Array;
  pos = 0;
  private view: DataView;

  constructor(initialSize = 4096) {
    this.buf = new Uint8Array(Math.max(16, initialSize));
    this.view = new DataView(this.buf.buffer);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  private grow(n: number): void {
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  reset(): void {
    this.pos = 0;
  }

  /** The bytes written so far, as a view (valid until the next write or reset). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  /** A copy of the bytes written so far. */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  writeBoolean(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  /** Zig-zag varint of an int32. */
  writeInt(v: number): void {
    this.ensure(5);
    let z = ((v << 1) ^ (v >> 31)) >>> 0;
    const buf = this.buf;
    let pos = this.pos;
    while (z > 0x7f) {
      buf[pos++] = (z & 0x7f) | 0x80;
      z >>>= 7;
    }
    buf[pos++] = z;
    this.pos = pos;
  }

  /** Zig-zag varint of a safe-integer number (a long). */
  writeLongNumber(v: number): void {
    if (v >= -0x40000000 && v < 0x40000000) return this.writeInt(v);
    if (v <= -FAST_LONG || v >= FAST_LONG) return this.writeLong(BigInt(v));
    this.ensure(10);
    let z = v >= 0 ? v * 2 : -v * 2 - 1;
    const buf = this.buf;
    let pos = this.pos;
    while (z > 0x7f) {
      buf[pos++] = (z % 128) | 0x80;
      z = Math.floor(z / 128);
    }
    buf[pos++] = z;
    this.pos = pos;
  }

  /** Zig-zag varint of an int64 given as a bigint (must be in range). */
  writeLong(v: bigint): void {
    if (v > -FAST_LONG_BIG && v < FAST_LONG_BIG) return this.writeLongNumber(Number(v));
    this.ensure(10);
    const z = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    let lo = Number(z & 0xffffffffn);
    let hi = Number(z >> 32n);
    const buf = this.buf;
    let pos = this.pos;
    while (hi !== 0 || lo > 0x7f) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
  }

  writeFloat(v: number): void {
    this.ensure(4);
    this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
  }

  writeDouble(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  /** Raw bytes, no length prefix (fixed values, pre-encoded defaults, block payloads). */
  writeRaw(v: Uint8Array): void {
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  writeBytes(v: Uint8Array): void {
    this.writeLongNumber(v.length);
    this.writeRaw(v);
  }

  writeString(s: string): void {
    const n = s.length;
    if (n <= 20) {
      // Short ASCII: one byte per UTF-16 unit, written by hand; encodeInto's call overhead
      // only pays off for longer strings.
      let ascii = true;
      for (let i = 0; i < n; i++) {
        if (s.charCodeAt(i) >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        this.writeInt(n);
        this.ensure(n);
        const buf = this.buf;
        let pos = this.pos;
        for (let i = 0; i < n; i++) buf[pos++] = s.charCodeAt(i);
        this.pos = pos;
        return;
      }
    }
    // Encode after room for the longest possible length prefix, then close the gap. The
    // margin keeps the prefix write from growing (and so dropping) the encoded bytes.
    const max = n * 3;
    const prefix = varintSize(max * 2);
    this.ensure(prefix + max + 10);
    const start = this.pos;
    const { written } = utf8.encodeInto(s, this.buf.subarray(start + prefix));
    this.writeLongNumber(written);
    if (this.pos < start + prefix) this.buf.copyWithin(this.pos, start + prefix, start + prefix + written);
    this.pos += written;
  }
}

function varintSize(z: number): number {
  let n = 1;
  while (z >= 128) {
    z = Math.floor(z / 128);
    n++;
  }
  return n;
}

/** A compiled encoder for one schema. `undefined` is only meaningful for record fields. */
export type DatumWriter = (w: BinaryWriter, v: AvroValue | undefined) => void;

/** A value/schema mismatch; the path is filled in as it unwinds through records and arrays. */
class Mismatch extends Error {
  readonly path: string[] = [];
}

function mismatch(expected: string, v: unknown): never {
  throw new Mismatch(`expected ${expected}, got ${describeValue(v)}`);
}

function withPath(err: unknown, step: string): unknown {
  if (err instanceof Mismatch) err.path.unshift(step);
  return err;
}

const compiled = new WeakMap<AvroSchema, DatumWriter>();

/**
 * Builds (once per schema object) the encoder for `schema`. The returned writer throws
 * ValidationError naming the path of a value that does not fit, e.g.
 * `data_file.record_count: expected long (bigint or safe integer), got string "x"`.
 */
export function compileWriter(schema: AvroSchema): DatumWriter {
  let writer = compiled.get(schema);
  if (!writer) {
    const inner = build(schema, new Map());
    writer = (w, v) => {
      try {
        inner(w, v);
      } catch (err) {
        if (err instanceof Mismatch) {
          const where = err.path.length ? `${err.path.join('').replace(/^\./, '')}: ` : '';
          throw new ValidationError(`cannot encode Avro ${typeLabel(schema).slice(0, 80)}: ${where}${err.message}`, {
            path: err.path.join('').replace(/^\./, ''),
          });
        }
        throw err;
      }
    };
    compiled.set(schema, writer);
  }
  return writer;
}

/** Encodes one datum into a new byte array. */
export function encodeAvroDatum(schema: AvroSchema, value: AvroValue): Uint8Array {
  const w = new BinaryWriter(256);
  compileWriter(schema)(w, value);
  return w.toBytes();
}

/** Whether a branch would take this value (spec "Unions": the writer picks the branch). */
type Accepts = (v: AvroValue) => boolean;

function accepts(s: AvroSchema): Accepts {
  switch (s.type) {
    case 'null':
      return (v) => v === null;
    case 'boolean':
      return (v) => typeof v === 'boolean';
    case 'int':
      return (v) => typeof v === 'number' && Number.isInteger(v) && v >= INT_MIN && v <= INT_MAX;
    case 'long':
      return (v) => (typeof v === 'bigint' ? v >= LONG_MIN && v <= LONG_MAX : Number.isSafeInteger(v));
    case 'float':
    case 'double':
      return (v) => typeof v === 'number';
    case 'bytes':
      return (v) => v instanceof Uint8Array;
    case 'fixed': {
      const size = s.size;
      return (v) => v instanceof Uint8Array && v.length === size;
    }
    case 'string':
      return (v) => typeof v === 'string';
    case 'enum': {
      const symbols = new Set(s.symbols);
      return (v) => typeof v === 'string' && symbols.has(v);
    }
    case 'array':
      return (v) => Array.isArray(v);
    case 'map':
      return (v) => v instanceof Map || isPlainRecord(v);
    case 'record': {
      // A record takes a plain object that has every field lacking a default.
      const required = s.fields.filter((f) => f.default === undefined).map((f) => f.name);
      return (v) => isPlainRecord(v) && required.every((name) => getOwn(v, name) !== undefined);
    }
    case 'union':
      return () => false;
  }
}

function getOwn(o: AvroRecord, name: string): AvroValue | undefined {
  return Object.prototype.hasOwnProperty.call(o, name) ? o[name] : undefined;
}

function build(s: AvroSchema, records: Map<AvroRecordSchema, DatumWriter>): DatumWriter {
  switch (s.type) {
    case 'null':
      return (_w, v) => {
        if (v !== null) mismatch('null', v);
      };
    case 'boolean':
      return (w, v) => {
        if (typeof v !== 'boolean') mismatch('boolean', v);
        w.writeBoolean(v);
      };
    case 'int':
      return (w, v) => {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < INT_MIN || v > INT_MAX) mismatch('int (32-bit integer number)', v);
        w.writeInt(v);
      };
    case 'long':
      return (w, v) => {
        if (typeof v === 'bigint') {
          if (v < LONG_MIN || v > LONG_MAX) mismatch('long (64-bit)', v);
          w.writeLong(v);
        } else if (typeof v === 'number' && Number.isSafeInteger(v)) {
          w.writeLongNumber(v);
        } else {
          mismatch('long (bigint or safe integer)', v);
        }
      };
    case 'float':
      return (w, v) => {
        if (typeof v !== 'number') mismatch('float (number)', v);
        w.writeFloat(v);
      };
    case 'double':
      return (w, v) => {
        if (typeof v !== 'number') mismatch('double (number)', v);
        w.writeDouble(v);
      };
    case 'bytes':
      return (w, v) => {
        if (!(v instanceof Uint8Array)) mismatch('bytes (Uint8Array)', v);
        w.writeBytes(v);
      };
    case 'string':
      return (w, v) => {
        if (typeof v !== 'string') mismatch('string', v);
        w.writeString(v);
      };
    case 'fixed': {
      const size = s.size;
      const label = `fixed ${avroFullName(s)} (Uint8Array of ${size} bytes)`;
      return (w, v) => {
        if (!(v instanceof Uint8Array) || v.length !== size) mismatch(label, v);
        w.writeRaw(v);
      };
    }
    case 'enum': {
      const index = new Map(s.symbols.map((sym, i) => [sym, i]));
      const label = `a symbol of enum ${avroFullName(s)}`;
      return (w, v) => {
        const i = typeof v === 'string' ? index.get(v) : undefined;
        if (i === undefined) mismatch(label, v);
        w.writeInt(i);
      };
    }
    case 'array': {
      const item = build(s.items, records);
      return (w, v) => {
        if (!Array.isArray(v)) mismatch('array', v);
        // One block with a positive count, then the 0 terminator (spec "Arrays").
        const n = v.length;
        if (n > 0) {
          w.writeLongNumber(n);
          for (let i = 0; i < n; i++) {
            try {
              item(w, v[i]);
            } catch (err) {
              throw withPath(err, `[${i}]`);
            }
          }
        }
        w.writeInt(0);
      };
    }
    case 'map': {
      const value = build(s.values, records);
      return (w, v) => {
        if (v instanceof Map) {
          if (v.size > 0) {
            w.writeLongNumber(v.size);
            for (const [k, x] of v) {
              if (typeof k !== 'string') mismatch('map with string keys', k);
              w.writeString(k);
              try {
                value(w, x);
              } catch (err) {
                throw withPath(err, `{${k}}`);
              }
            }
          }
        } else if (isPlainRecord(v)) {
          const keys = Object.keys(v).filter((k) => v[k] !== undefined);
          if (keys.length > 0) {
            w.writeLongNumber(keys.length);
            for (const k of keys) {
              w.writeString(k);
              try {
                value(w, v[k]);
              } catch (err) {
                throw withPath(err, `{${k}}`);
              }
            }
          }
        } else {
          mismatch('map (Map or plain object)', v);
        }
        w.writeInt(0);
      };
    }
    case 'union':
      return buildUnion(s.branches, records);
    case 'record': {
      const existing = records.get(s);
      if (existing) return existing;
      // Registered before its fields are built, so a recursive record finds itself.
      const fields = s.fields;
      const writers: DatumWriter[] = [];
      const defaults: ((() => Uint8Array) | undefined)[] = [];
      const names = fields.map((f) => f.name);
      // Names such as "constructor" would otherwise read inherited members when absent.
      const ownOnly = names.map((n) => n in Object.prototype);
      const label = `record ${avroFullName(s)}`;
      const n = fields.length;
      const impl: DatumWriter = (w, v) => {
        if (!isPlainRecord(v)) mismatch(label, v);
        for (let i = 0; i < n; i++) {
          const name = names[i]!;
          const x = ownOnly[i] ? getOwn(v, name) : v[name];
          if (x === undefined) {
            const d = defaults[i];
            if (!d) throw new Mismatch(`missing field ${name} of ${label}, which has no default`);
            w.writeRaw(d());
            continue;
          }
          try {
            writers[i]!(w, x);
          } catch (err) {
            throw withPath(err, `.${name}`);
          }
        }
      };
      records.set(s, impl);
      for (const f of fields) {
        const fw = build(f.type, records);
        writers.push(fw);
        defaults.push(lazyDefault(f, fw));
      }
      return impl;
    }
  }
}

/** The field's default, encoded once on first use (spec "Records": a union default is its first branch). */
function lazyDefault(f: AvroField, writer: DatumWriter): (() => Uint8Array) | undefined {
  if (f.default === undefined) return undefined;
  const json = f.default;
  let bytes: Uint8Array | undefined;
  return () => {
    if (!bytes) {
      const w = new BinaryWriter(64);
      const t = f.type;
      let value: AvroValue;
      try {
        value = avroDefaultValue(t, json, f.name);
      } catch (err) {
        throw new Mismatch(`field ${f.name} is missing and its default is unusable: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (t.type === 'union') {
        w.writeInt(0);
        build(t.branches[0]!, new Map())(w, value);
      } else {
        writer(w, value);
      }
      bytes = w.toBytes();
    }
    return bytes;
  };
}

function buildUnion(branchSchemas: readonly AvroSchema[], records: Map<AvroRecordSchema, DatumWriter>): DatumWriter {
  const writers = branchSchemas.map((b) => build(b, records));
  const label = `a value for union [${branchSchemas.map(typeLabel).join(', ')}]`;
  const nullIndex = branchSchemas.findIndex((b) => b.type === 'null');
  // ["null", X]: null picks branch 0, anything else goes to X, whose writer reports a
  // mismatch more precisely (e.g. the missing record field) than "no branch accepts".
  if (branchSchemas.length === 2 && nullIndex === 0) {
    const other = writers[1]!;
    return (w, v) => {
      if (v === null) {
        w.writeInt(0);
        return;
      }
      w.writeInt(1);
      other(w, v);
    };
  }
  const tests = branchSchemas.map(accepts);
  const n = tests.length;
  return (w, v) => {
    if (v !== undefined) {
      if (v === null) {
        if (nullIndex >= 0) {
          w.writeInt(nullIndex);
          return;
        }
      } else {
        for (let i = 0; i < n; i++) {
          if (tests[i]!(v)) {
            w.writeInt(i);
            writers[i]!(w, v);
            return;
          }
        }
      }
    }
    mismatch(label, v);
  };
}
