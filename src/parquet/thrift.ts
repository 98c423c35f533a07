/**
 * Minimal Thrift compact-protocol encoder, enough for Parquet page headers and the footer
 * (parquet-format `parquet.thrift`). Fields are written in ascending id order by the caller.
 */
export const enum TType {
  BoolTrue = 1,
  BoolFalse = 2,
  Byte = 3,
  I16 = 4,
  I32 = 5,
  I64 = 6,
  Double = 7,
  Binary = 8,
  List = 9,
  Struct = 12,
}

const utf8 = new TextEncoder();

export class ThriftWriter {
  private buf = new Uint8Array(256);
  private pos = 0;
  private lastId: number[] = [];
  private last = 0;

  get length(): number {
    return this.pos;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  private varint(n: number): void {
    this.ensure(5);
    while (n > 0x7f) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.pos++] = n;
  }

  private varint64(n: bigint): void {
    this.ensure(10);
    let v = BigInt.asUintN(64, n);
    while (v > 0x7fn) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  private header(id: number, type: TType): void {
    const delta = id - this.last;
    if (delta > 0 && delta <= 15) this.byte((delta << 4) | type);
    else {
      this.byte(type);
      this.varint(((id << 1) ^ (id >> 31)) >>> 0);
    }
    this.last = id;
  }

  i32(id: number, v: number): this {
    this.header(id, TType.I32);
    this.varint(((v << 1) ^ (v >> 31)) >>> 0);
    return this;
  }

  i16(id: number, v: number): this {
    this.header(id, TType.I16);
    this.varint(((v << 1) ^ (v >> 31)) >>> 0);
    return this;
  }

  i64(id: number, v: bigint | number): this {
    this.header(id, TType.I64);
    const b = BigInt(v);
    this.varint64((b << 1n) ^ (b >> 63n));
    return this;
  }

  bool(id: number, v: boolean): this {
    this.header(id, v ? TType.BoolTrue : TType.BoolFalse);
    return this;
  }

  binary(id: number, v: Uint8Array | string): this {
    this.header(id, TType.Binary);
    this.rawBinary(v);
    return this;
  }

  private rawBinary(v: Uint8Array | string): void {
    const b = typeof v === 'string' ? utf8.encode(v) : v;
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Opens a struct-typed field; close it with `end()`. */
  struct(id: number): this {
    this.header(id, TType.Struct);
    this.lastId.push(this.last);
    this.last = 0;
    return this;
  }

  /** Starts a struct element inside a list; close with `end()`. */
  elem(): this {
    this.lastId.push(this.last);
    this.last = 0;
    return this;
  }

  end(): this {
    this.byte(0);
    this.last = this.lastId.pop() ?? 0;
    return this;
  }

  list(id: number, elemType: TType, size: number): this {
    this.header(id, TType.List);
    if (size < 15) this.byte((size << 4) | elemType);
    else {
      this.byte(0xf0 | elemType);
      this.varint(size);
    }
    return this;
  }

  listI32(id: number, values: readonly number[]): this {
    this.list(id, TType.I32, values.length);
    for (const v of values) this.varint(((v << 1) ^ (v >> 31)) >>> 0);
    return this;
  }

  listString(id: number, values: readonly string[]): this {
    this.list(id, TType.Binary, values.length);
    for (const v of values) this.rawBinary(v);
    return this;
  }

  /** Ends the top-level struct. */
  finish(): Uint8Array {
    this.byte(0);
    return this.bytes();
  }
}
