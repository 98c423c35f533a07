import { InvalidAvroError } from '../errors.js';
import { BinaryReader, compileReader, plainBytes, type DatumReader } from './binary-decoder.js';
import { ChecksumError, decompressBlock, isReadCodec, type AvroCodec } from './codecs.js';
import { parseAvroSchema, type AvroSchema } from './schema.js';
import type { AvroValue } from './value.js';

/**
 * Reader of Avro object container files (Avro 1.11 spec, "Object Container Files"): header
 * (magic `Obj\x01`, metadata map, 16-byte sync marker), then blocks of (record count, byte
 * count, data, sync marker). The header and block framing are checked when the file is
 * opened; records are decompressed and decoded block by block as they are iterated.
 */

export interface AvroContainer {
  /** Where the bytes came from (a file path), as used in error messages. */
  readonly source: string;
  /** The writer's schema, from the `avro.schema` metadata. */
  readonly schema: AvroSchema;
  readonly metadata: ReadonlyMap<string, Uint8Array>;
  /** A metadata value decoded as UTF-8, or undefined when absent. */
  metadataString(key: string): string | undefined;
  readonly codec: AvroCodec;
  readonly syncMarker: Uint8Array;
  readonly blockCount: number;
  /** Records in the file, from the block headers (no decoding needed). */
  readonly recordCount: number;
  /** Decodes records lazily, one block at a time. Each call starts from the first record. */
  records(): IterableIterator<AvroValue>;
}

const MAGIC = [0x4f, 0x62, 0x6a, 0x01]; // "Obj" 1
const SYNC_SIZE = 16;

interface Block {
  readonly offset: number;
  readonly count: number;
  readonly dataStart: number;
  readonly dataEnd: number;
}

// Plan scans open thousands of manifests that share a handful of schemas: parse and compile
// each distinct `avro.schema` text once.
const SCHEMA_CACHE_LIMIT = 128;
const schemaCache = new Map<string, { schema: AvroSchema; reader: DatumReader }>();

function schemaFor(json: string): { schema: AvroSchema; reader: DatumReader } {
  let hit = schemaCache.get(json);
  if (!hit) {
    // Defaults do not affect decoding, so a bad one must not make the file unreadable.
    const schema = parseAvroSchema(json, { validateDefaults: false });
    hit = { schema, reader: compileReader(schema) };
    if (schemaCache.size >= SCHEMA_CACHE_LIMIT) schemaCache.delete(schemaCache.keys().next().value!);
    schemaCache.set(json, hit);
  }
  return hit;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Opens an Avro object container file held in memory. Throws InvalidAvroError naming `source`
 * for anything malformed: bad magic, truncated header or block, bad sync marker, unknown
 * codec, missing or invalid schema.
 */
export function readAvroContainer(input: Uint8Array, source = '<memory>'): AvroContainer {
  const bytes = plainBytes(input);
  function fail(what: string, offset?: number, cause?: unknown): never {
    const context = offset === undefined ? { file: source } : { file: source, offset };
    throw new InvalidAvroError(`${source}: ${what}`, context, cause === undefined ? undefined : { cause });
  }

  if (bytes.length < 4 || MAGIC.some((b, i) => bytes[i] !== b)) {
    fail(bytes.length < 4 ? `not an Avro file (only ${bytes.length} byte(s), bad magic)` : 'not an Avro file (bad magic)', 0);
  }

  const r = new BinaryReader(bytes, 4);
  const metadata = new Map<string, Uint8Array>();
  try {
    // The metadata is a map<bytes> (spec "Object Container Files"), so it may come in blocks.
    for (;;) {
      let count = r.readSize('metadata block count');
      if (count === 0) break;
      if (count < 0) {
        count = -count;
        r.readSize('metadata block size');
      }
      if (count > r.remaining) r.invalid(`metadata block count ${count} exceeds the file`);
      for (let i = 0; i < count; i++) {
        const key = r.readString();
        metadata.set(key, r.readBytes());
      }
    }
  } catch (err) {
    fail(`bad file header: ${describeError(err)}`, r.pos, err);
  }
  if (r.remaining < SYNC_SIZE) fail(`truncated header: sync marker needs ${SYNC_SIZE} bytes at offset ${r.pos}, only ${r.remaining} left`, r.pos);
  const syncStart = r.pos;
  const sync = bytes.slice(syncStart, syncStart + SYNC_SIZE);
  r.pos += SYNC_SIZE;

  const text = (key: string): string | undefined => {
    const v = metadata.get(key);
    if (v === undefined) return undefined;
    try {
      return utf8.decode(v);
    } catch (err) {
      return fail(`metadata ${key} is not valid UTF-8`, undefined, err);
    }
  };

  const codecName = text('avro.codec') ?? 'null'; // spec: absent means "null"
  if (!isReadCodec(codecName)) {
    fail(`unknown codec ${codecName} (supported: null, deflate, snappy, zstandard)`);
  }
  const codec: AvroCodec = codecName;
  const schemaJson = text('avro.schema');
  if (schemaJson === undefined) fail('no avro.schema in the file metadata');
  let compiled: { schema: AvroSchema; reader: DatumReader };
  try {
    compiled = schemaFor(schemaJson);
  } catch (err) {
    return fail(`bad avro.schema: ${describeError(err)}`, undefined, err);
  }

  // Block framing: counts, sizes and sync markers, without decompressing anything.
  const blocks: Block[] = [];
  let recordCount = 0;
  while (r.pos < bytes.length) {
    const offset = r.pos;
    let count = 0;
    let size = 0;
    try {
      count = r.readSize('block record count');
      size = r.readSize('block byte count');
    } catch (err) {
      fail(`truncated block at offset ${offset}: ${describeError(err)}`, offset, err);
    }
    if (count < 0) fail(`block at offset ${offset} has a negative record count ${count}`, offset);
    if (size < 0) fail(`block at offset ${offset} has a negative byte count ${size}`, offset);
    const dataStart = r.pos;
    const dataEnd = dataStart + size;
    if (dataEnd > bytes.length) {
      fail(`truncated block at offset ${offset}: ${size} data bytes declared, ${bytes.length - dataStart} left in the file`, offset);
    }
    if (dataEnd + SYNC_SIZE > bytes.length) {
      fail(`truncated block at offset ${offset}: sync marker missing after the data (file ends at ${bytes.length})`, offset);
    }
    for (let i = 0; i < SYNC_SIZE; i++) {
      if (bytes[dataEnd + i] !== sync[i]) fail(`sync marker mismatch after block at offset ${offset} (at offset ${dataEnd})`, dataEnd);
    }
    blocks.push({ offset, count, dataStart, dataEnd });
    recordCount += count;
    r.pos = dataEnd + SYNC_SIZE;
  }

  const { schema, reader } = compiled;

  function* records(): IterableIterator<AvroValue> {
    const br = new BinaryReader(bytes, 0, 0);
    for (const b of blocks) {
      // Null-codec blocks are read in place, so error offsets are file offsets; others are
      // offsets within the decompressed block.
      let data = bytes;
      let start = b.dataStart;
      let end = b.dataEnd;
      if (codec !== 'null') {
        try {
          data = decompressBlock(codec, bytes.subarray(b.dataStart, b.dataEnd));
        } catch (err) {
          if (err instanceof ChecksumError) fail(`${err.message} in block at offset ${b.offset}`, b.offset, err);
          fail(`cannot decompress ${codec} block at offset ${b.offset}: ${describeError(err)}`, b.offset, err);
        }
        start = 0;
        end = data.length;
      }
      br.reset(data, start, end);
      for (let i = 0; i < b.count; i++) {
        let value: AvroValue;
        try {
          value = reader(br);
        } catch (err) {
          const where = codec === 'null' ? '' : ` (offsets within the ${codec}-decompressed block)`;
          fail(`cannot decode record ${i} of block at offset ${b.offset}${where}: ${describeError(err)}`, b.offset, err);
        }
        yield value;
      }
      if (br.pos !== end) {
        fail(`block at offset ${b.offset} has ${end - br.pos} byte(s) left after its ${b.count} record(s)`, b.offset);
      }
    }
  }

  return {
    source,
    schema,
    metadata,
    metadataString: text,
    codec,
    syncMarker: sync,
    blockCount: blocks.length,
    recordCount,
    records,
  };
}
