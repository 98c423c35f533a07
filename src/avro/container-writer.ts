import { randomFillSync } from 'node:crypto';
import { ValidationError } from '../errors.js';
import { BinaryWriter, compileWriter, type DatumWriter } from './binary-encoder.js';
import { compressBlock, type AvroWriteCodec } from './codecs.js';
import { avroSchemaToJson, parseAvroSchema, type AvroSchema } from './schema.js';
import type { AvroValue } from './value.js';

/**
 * Writer of Avro object container files (Avro 1.11 spec, "Object Container Files"). Records
 * are encoded into one reused block buffer; every `blockRecords` records the block is
 * compressed and appended, with its counts and the file's sync marker, to the output buffer.
 */

export interface AvroContainerWriterOptions {
  /** Block codec (default "null"). */
  readonly codec?: AvroWriteCodec;
  /** User metadata; keys starting with "avro." are reserved by the spec. */
  readonly metadata?: Readonly<Record<string, string | Uint8Array>>;
  /** Records per block (default 4096). */
  readonly blockRecords?: number;
  /** The 16-byte sync marker; random by default (fixed only for reproducible output in tests). */
  readonly syncMarker?: Uint8Array;
}

const MAGIC = new Uint8Array([0x4f, 0x62, 0x6a, 0x01]); // "Obj" 1
const utf8 = new TextEncoder();

export class AvroContainerWriter {
  readonly schema: AvroSchema;
  readonly codec: AvroWriteCodec;
  private readonly blockRecords: number;
  private readonly sync: Uint8Array;
  private readonly write: DatumWriter;
  private readonly out = new BinaryWriter(64 * 1024);
  private readonly block = new BinaryWriter(64 * 1024);
  private pending = 0;
  private finished = false;

  constructor(schema: AvroSchema, opts: AvroContainerWriterOptions = {}) {
    this.schema = schema;
    this.codec = opts.codec ?? 'null';
    if (!['null', 'deflate', 'snappy'].includes(this.codec)) {
      throw new ValidationError(`unsupported Avro write codec ${String(this.codec)} (use null, deflate or snappy)`);
    }
    this.blockRecords = opts.blockRecords ?? 4096;
    if (!Number.isSafeInteger(this.blockRecords) || this.blockRecords < 1) {
      throw new ValidationError(`blockRecords must be a positive integer, got ${this.blockRecords}`);
    }
    this.sync = opts.syncMarker ?? randomFillSync(new Uint8Array(16));
    if (this.sync.length !== 16) throw new ValidationError(`syncMarker must be 16 bytes, got ${this.sync.length}`);

    // Round-trip the schema through its JSON so a schema built in code that readers would
    // reject (bad names, duplicate types) fails here, not when someone reads the file.
    const schemaJson = avroSchemaToJson(schema);
    parseAvroSchema(schemaJson);
    this.write = compileWriter(schema);

    const meta: [string, Uint8Array][] = [
      ['avro.schema', utf8.encode(schemaJson)],
      ['avro.codec', utf8.encode(this.codec)],
    ];
    for (const [k, v] of Object.entries(opts.metadata ?? {})) {
      if (k.startsWith('avro.')) throw new ValidationError(`metadata key ${k} is reserved (spec: "avro." keys belong to Avro)`);
      meta.push([k, typeof v === 'string' ? utf8.encode(v) : v]);
    }
    // Header: magic, metadata as a map<bytes> in one block, sync marker.
    this.out.writeRaw(MAGIC);
    this.out.writeLongNumber(meta.length);
    for (const [k, v] of meta) {
      this.out.writeString(k);
      this.out.writeBytes(v);
    }
    this.out.writeInt(0);
    this.out.writeRaw(this.sync);
  }

  /** Encodes one record. A value that does not fit the schema throws and leaves nothing behind. */
  append(value: AvroValue): void {
    if (this.finished) throw new ValidationError('AvroContainerWriter.append after finish()');
    const mark = this.block.pos;
    try {
      this.write(this.block, value);
    } catch (err) {
      this.block.pos = mark;
      throw err;
    }
    if (++this.pending >= this.blockRecords) this.flushBlock();
  }

  /** Writes the last block and returns the whole file. The writer cannot be used afterwards. */
  finish(): Uint8Array {
    if (this.finished) throw new ValidationError('AvroContainerWriter.finish called twice');
    this.flushBlock();
    this.finished = true;
    return this.out.toBytes();
  }

  private flushBlock(): void {
    if (this.pending === 0) return;
    const data = compressBlock(this.codec, this.block.bytes());
    this.out.writeLongNumber(this.pending);
    this.out.writeLongNumber(data.length);
    this.out.writeRaw(data);
    this.out.writeRaw(this.sync);
    this.block.reset();
    this.pending = 0;
  }
}

/** Writes `records` into a complete container file in one call. */
export function writeAvroContainer(schema: AvroSchema, records: Iterable<AvroValue>, opts?: AvroContainerWriterOptions): Uint8Array {
  const w = new AvroContainerWriter(schema, opts);
  for (const r of records) w.append(r);
  return w.finish();
}
