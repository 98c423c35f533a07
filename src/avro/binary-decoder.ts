import { InvalidAvroError } from '../errors.js';
import { avroFullName, setField, type AvroRecordSchema, type AvroSchema } from './schema.js';
import type { AvroRecord, AvroValue } from './value.js';

/**
 * Avro binary decoding (Avro 1.11 spec, "Binary Encoding"). `compileReader` turns a schema
 * into a tree of closures once; decoding a value then runs no per-value schema dispatch.
 * Every malformed input becomes an InvalidAvroError carrying the byte offset; callers that
 * know the file add its name.
 */

// Shared: creating a TextDecoder per string would dominate decoding of manifest entries.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A plain Uint8Array view of the same memory. Node Buffers (from fs or zlib) override
 * `slice` to return views, which would make decoded bytes alias the input.
 */
export function plainBytes(b: Uint8Array): Uint8Array {
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Cursor over a byte range. Offsets in errors are relative to `base` (e.g. the block's file offset). */
export class BinaryReader {
  buf: Uint8Array;
  pos: number;
  end: number;
  private view: DataView;

  constructor(buf: Uint8Array, pos = 0, end = buf.length) {
    buf = plainBytes(buf);
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  reset(buf: Uint8Array, pos = 0, end = buf.length): void {
    if (buf !== this.buf) {
      buf = plainBytes(buf);
      this.buf = buf;
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    this.pos = pos;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  truncated(need: number, what: string): never {
    throw new InvalidAvroError(
      `truncated data: ${what} needs ${need} byte(s) at offset ${this.pos}, only ${Math.max(0, this.end - this.pos)} left`,
      { offset: this.pos },
    );
  }

  invalid(what: string, at = this.pos): never {
    throw new InvalidAvroError(`${what} at offset ${at}`, { offset: at });
  }

  readBoolean(): boolean {
    if (this.pos >= this.end) this.truncated(1, 'boolean');
    const b = this.buf[this.pos]!;
    // Spec: a boolean is one byte, 0 or 1.
    if (b > 1) this.invalid(`invalid boolean byte ${b}`);
    this.pos++;
    return b === 1;
  }

  /** Zig-zag varint int; more than 32 bits is an error (spec "Primitive Types": int is 32-bit). */
  readInt(): number {
    const buf = this.buf;
    const start = this.pos;
    let pos = start;
    if (pos + 5 > this.end) return this.readIntChecked();
    let b = buf[pos++]!;
    let n = b & 0x7f;
    if (b >= 0x80) {
      b = buf[pos++]!;
      n |= (b & 0x7f) << 7;
      if (b >= 0x80) {
        b = buf[pos++]!;
        n |= (b & 0x7f) << 14;
        if (b >= 0x80) {
          b = buf[pos++]!;
          n |= (b & 0x7f) << 21;
          if (b >= 0x80) {
            b = buf[pos++]!;
            // 4 x 7 bits + 4 bits = 32 bits; anything above overflows an int.
            if (b > 0x0f) this.invalid('int varint overflows 32 bits', start);
            n |= b << 28;
          }
        }
      }
    }
    this.pos = pos;
    return (n >>> 1) ^ -(n & 1);
  }

  private readIntChecked(): number {
    const start = this.pos;
    let n = 0;
    for (let shift = 0; ; shift += 7) {
      if (this.pos >= this.end) this.truncated(1, 'int varint');
      const b = this.buf[this.pos++]!;
      if (shift === 28 && b > 0x0f) this.invalid('int varint overflows 32 bits', start);
      n |= (b & 0x7f) << shift;
      if (b < 0x80) return (n >>> 1) ^ -(n & 1);
    }
  }

  /** Zig-zag varint long as a bigint; more than 64 bits is an error. */
  readLong(): bigint {
    const buf = this.buf;
    const end = this.end;
    const start = this.pos;
    let pos = start;
    // Up to 7 bytes (49 bits) accumulate exactly in a double; most longs are that short.
    let n = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
      if (pos >= end) {
        this.pos = pos;
        this.truncated(1, 'long varint');
      }
      const b = buf[pos++]!;
      n += (b & 0x7f) * mul;
      if (b < 0x80) {
        this.pos = pos;
        // Zig-zag: even -> n/2, odd -> -(n+1)/2; exact below 2^53.
        return BigInt(n % 2 === 0 ? n / 2 : -(n + 1) / 2);
      }
      mul *= 128;
    }
    let big = BigInt(n);
    for (let shift = 49n; ; shift += 7n) {
      if (pos >= end) {
        this.pos = pos;
        this.truncated(1, 'long varint');
      }
      const b = buf[pos++]!;
      // The 10th byte carries bit 63 only.
      if (shift === 63n && b > 1) this.invalid('long varint overflows 64 bits', start);
      big |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) break;
    }
    this.pos = pos;
    return (big >> 1n) ^ -(big & 1n);
  }

  /**
   * A long used as a length or block count, as a number. Values beyond 2^48 cannot be real
   * lengths in memory, so they are rejected instead of being carried as bigints.
   */
  readSize(what: string): number {
    const buf = this.buf;
    const end = this.end;
    const start = this.pos;
    let pos = start;
    let n = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
      if (pos >= end) {
        this.pos = pos;
        this.truncated(1, what);
      }
      const b = buf[pos++]!;
      n += (b & 0x7f) * mul;
      if (b < 0x80) {
        this.pos = pos;
        return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
      }
      mul *= 128;
    }
    return this.invalid(`${what} is out of range`, start);
  }

  /** A non-negative length followed by that many bytes: returns the start offset. */
  private readLengthPrefixed(what: string): number {
    const len = this.readSize(`${what} length`);
    if (len < 0) this.invalid(`negative ${what} length ${len}`);
    const start = this.pos;
    if (start + len > this.end) this.truncated(len, what);
    this.pos = start + len;
    return start;
  }

  readFloat(): number {
    const pos = this.pos;
    if (pos + 4 > this.end) this.truncated(4, 'float');
    this.pos = pos + 4;
    return this.view.getFloat32(pos, true);
  }

  readDouble(): number {
    const pos = this.pos;
    if (pos + 8 > this.end) this.truncated(8, 'double');
    this.pos = pos + 8;
    return this.view.getFloat64(pos, true);
  }

  /** Bytes are copied: values must not pin (or alias) the decompressed block. */
  readBytes(): Uint8Array {
    const start = this.readLengthPrefixed('bytes');
    return this.buf.slice(start, this.pos);
  }

  readFixed(size: number): Uint8Array {
    const start = this.pos;
    if (start + size > this.end) this.truncated(size, 'fixed');
    this.pos = start + size;
    return this.buf.slice(start, start + size);
  }

  readString(): string {
    const start = this.readLengthPrefixed('string');
    const end = this.pos;
    const buf = this.buf;
    // Very short ASCII strings (keys, formats) are faster without TextDecoder, whose call
    // overhead wins from about 12 bytes on.
    if (end - start <= 12) {
      let s = '';
      let i = start;
      for (; i < end; i++) {
        const c = buf[i]!;
        if (c >= 0x80) break;
        s += String.fromCharCode(c);
      }
      if (i === end) return s;
    }
    try {
      return utf8.decode(buf.subarray(start, end));
    } catch {
      return this.invalid('string is not valid UTF-8', start);
    }
  }

  skip(n: number, what: string): void {
    if (this.pos + n > this.end) this.truncated(n, what);
    this.pos += n;
  }
}

/** A compiled decoder for one schema. */
export type DatumReader = (r: BinaryReader) => AvroValue;

const compiled = new WeakMap<AvroSchema, DatumReader>();

/** Builds (once per schema object) the decoder for `schema`. */
export function compileReader(schema: AvroSchema): DatumReader {
  let reader = compiled.get(schema);
  if (!reader) {
    reader = build(schema, new Map());
    compiled.set(schema, reader);
  }
  return reader;
}

/** Decodes one datum that must fill `bytes` exactly. */
export function decodeAvroDatum(schema: AvroSchema, bytes: Uint8Array): AvroValue {
  const r = new BinaryReader(bytes);
  const v = compileReader(schema)(r);
  if (r.pos !== r.end) r.invalid(`${r.end - r.pos} unexpected trailing byte(s) after the datum`);
  return v;
}

/**
 * Smallest encoding of a value of this schema, in bytes. Bounds block counts: a block cannot
 * hold more items than its remaining bytes allow, so a corrupt count fails fast instead of
 * looping or allocating.
 */
function minSize(s: AvroSchema, visiting: Set<AvroSchema>): number {
  switch (s.type) {
    case 'null':
      return 0;
    case 'float':
      return 4;
    case 'double':
      return 8;
    case 'fixed':
      return s.size;
    case 'record': {
      if (visiting.has(s)) return 0;
      visiting.add(s);
      let n = 0;
      for (const f of s.fields) n += minSize(f.type, visiting);
      visiting.delete(s);
      return n;
    }
    default:
      // boolean, varints, length-prefixed values, enum/union indexes, array/map terminators.
      return 1;
  }
}

// Items that encode to zero bytes (null, empty records) have no byte bound; cap them instead.
const MAX_ZERO_WIDTH_ITEMS = 1 << 24;

function readBlockCount(r: BinaryReader, itemMin: number, what: string): number {
  const at = r.pos;
  let count = r.readSize(`${what} block count`);
  if (count < 0) {
    // Spec "Arrays"/"Maps": a negative count is followed by the block's size in bytes.
    count = -count;
    const size = r.readSize(`${what} block size`);
    if (size < 0) r.invalid(`negative ${what} block size ${size}`);
  }
  if (itemMin > 0 ? count * itemMin > r.remaining : count > MAX_ZERO_WIDTH_ITEMS) {
    r.invalid(`${what} block count ${count} exceeds the ${r.remaining} byte(s) left`, at);
  }
  return count;
}

function build(s: AvroSchema, records: Map<AvroRecordSchema, DatumReader>): DatumReader {
  switch (s.type) {
    case 'null':
      return () => null;
    case 'boolean':
      return (r) => r.readBoolean();
    case 'int':
      return (r) => r.readInt();
    case 'long':
      return (r) => r.readLong();
    case 'float':
      return (r) => r.readFloat();
    case 'double':
      return (r) => r.readDouble();
    case 'bytes':
      return (r) => r.readBytes();
    case 'string':
      return (r) => r.readString();
    case 'fixed': {
      const size = s.size;
      return (r) => r.readFixed(size);
    }
    case 'enum': {
      const symbols = s.symbols;
      const label = avroFullName(s);
      return (r) => {
        const at = r.pos;
        const i = r.readInt();
        const sym = symbols[i];
        if (sym === undefined) return r.invalid(`enum ${label} index ${i} out of range (${symbols.length} symbols)`, at);
        return sym;
      };
    }
    case 'array': {
      const item = build(s.items, records);
      const itemMin = minSize(s.items, new Set());
      return (r) => {
        const out: AvroValue[] = [];
        for (;;) {
          const count = readBlockCount(r, itemMin, 'array');
          if (count === 0) return out;
          for (let i = 0; i < count; i++) out.push(item(r));
        }
      };
    }
    case 'map': {
      const value = build(s.values, records);
      const entryMin = 1 + minSize(s.values, new Set());
      return (r) => {
        const out = new Map<string, AvroValue>();
        for (;;) {
          const count = readBlockCount(r, entryMin, 'map');
          if (count === 0) return out;
          for (let i = 0; i < count; i++) {
            const k = r.readString();
            out.set(k, value(r));
          }
        }
      };
    }
    case 'union': {
      const branches = s.branches.map((b) => build(b, records));
      const n = branches.length;
      const unionError = (r: BinaryReader, i: number, at: number): never =>
        r.invalid(`union index ${i} out of range (${n} branches)`, at);
      // ["null", X] is most of Iceberg's optional fields: avoid the array lookup.
      if (n === 2 && s.branches[0]!.type === 'null') {
        const other = branches[1]!;
        return (r) => {
          const at = r.pos;
          const i = r.readInt();
          if (i === 0) return null;
          if (i === 1) return other(r);
          return unionError(r, i, at);
        };
      }
      return (r) => {
        const at = r.pos;
        const i = r.readInt();
        const b = branches[i];
        if (b === undefined) return unionError(r, i, at);
        return b(r);
      };
    }
    case 'record': {
      const existing = records.get(s);
      if (existing) return existing;
      // Registered before its fields are built, so a recursive record finds itself.
      const names = s.fields.map((f) => f.name);
      const readers: DatumReader[] = [];
      const n = names.length;
      const impl: DatumReader = names.includes('__proto__')
        ? (r) => {
            const o: AvroRecord = {};
            for (let i = 0; i < n; i++) setField(o, names[i]!, readers[i]!(r));
            return o;
          }
        : (r) => {
            const o: AvroRecord = {};
            for (let i = 0; i < n; i++) o[names[i]!] = readers[i]!(r);
            return o;
          };
      records.set(s, impl);
      for (const f of s.fields) readers.push(build(f.type, records));
      return impl;
    }
  }
}
