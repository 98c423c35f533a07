/**
 * The Kafka wire primitives (protocol guide "Protocol Primitive Types"): big-endian ints,
 * int16-length strings, int32-length arrays and bytes, and for flexible versions the compact
 * forms (unsigned varint length + 1) and tagged-field buffers.
 */

export class WireReader {
  private pos = 0;
  constructor(private readonly buf: Buffer, private readonly flexible = false) {}

  /** The same bytes read with the flexible (compact) encodings, from the current position. */
  withFlexible(flexible: boolean): WireReader {
    const r = new WireReader(this.buf, flexible);
    r.pos = this.pos;
    return r;
  }

  get offset(): number {
    return this.pos;
  }

  int8(): number {
    return this.buf.readInt8(this.pos++);
  }
  bool(): boolean {
    return this.int8() !== 0;
  }
  int16(): number {
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  int64(): bigint {
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  uvarint(): number {
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = this.buf[this.pos++]!;
      v |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return v >>> 0;
      shift += 7;
    }
  }
  uuid(): Buffer {
    return this.raw(16);
  }
  raw(n: number): Buffer {
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  private length(): number {
    return this.flexible ? this.uvarint() - 1 : this.int16();
  }
  nullableString(): string | null {
    const n = this.length();
    return n < 0 ? null : this.raw(n).toString('utf8');
  }
  string(): string {
    return this.nullableString() ?? '';
  }
  nullableBytes(): Buffer | null {
    const n = this.flexible ? this.uvarint() - 1 : this.int32();
    return n < 0 ? null : this.raw(n);
  }
  bytes(): Buffer {
    return this.nullableBytes() ?? Buffer.alloc(0);
  }
  array<T>(item: (r: WireReader) => T): T[] {
    const n = this.flexible ? this.uvarint() - 1 : this.int32();
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item(this));
    return out;
  }
  /** Skips a tagged-field buffer (flexible versions only; no-op otherwise). */
  tags(): void {
    if (!this.flexible) return;
    const n = this.uvarint();
    for (let i = 0; i < n; i++) {
      this.uvarint();
      this.raw(this.uvarint());
    }
  }
}

export class WireWriter {
  private readonly parts: Buffer[] = [];
  constructor(readonly flexible = false) {}

  private push(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
  int8(v: number): this {
    const b = Buffer.alloc(1);
    b.writeInt8(v);
    return this.push(b);
  }
  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }
  int16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    return this.push(b);
  }
  int32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return this.push(b);
  }
  int64(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(v);
    return this.push(b);
  }
  uvarint(v: number): this {
    const out: number[] = [];
    let x = v >>> 0;
    while (x > 0x7f) {
      out.push((x & 0x7f) | 0x80);
      x >>>= 7;
    }
    out.push(x);
    return this.push(Buffer.from(out));
  }
  raw(b: Buffer): this {
    return this.push(b);
  }
  uuid(b: Buffer = Buffer.alloc(16)): this {
    return this.push(b);
  }
  nullableString(s: string | null): this {
    if (s === null) return this.flexible ? this.uvarint(0) : this.int16(-1);
    const b = Buffer.from(s, 'utf8');
    return (this.flexible ? this.uvarint(b.length + 1) : this.int16(b.length)).push(b);
  }
  string(s: string): this {
    return this.nullableString(s);
  }
  nullableBytes(b: Buffer | null): this {
    if (b === null) return this.flexible ? this.uvarint(0) : this.int32(-1);
    return (this.flexible ? this.uvarint(b.length + 1) : this.int32(b.length)).push(b);
  }
  bytes(b: Buffer): this {
    return this.nullableBytes(b);
  }
  array<T>(items: readonly T[], item: (w: this, v: T) => void): this {
    if (this.flexible) this.uvarint(items.length + 1);
    else this.int32(items.length);
    for (const v of items) item(this, v);
    return this;
  }
  /** An empty tagged-field buffer (flexible versions only). */
  tags(): this {
    return this.flexible ? this.uvarint(0) : this;
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}
