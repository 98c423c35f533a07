import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import * as snappy from 'snappyjs';
import { crc32 } from './crc32.js';

/**
 * Block codecs of Avro object container files (Avro 1.11 spec, "Required Codecs" and
 * "Optional Codecs"). Errors thrown here are plain Errors; the container reader turns them
 * into InvalidAvroErrors naming the file and block.
 */

export type AvroCodec = 'null' | 'deflate' | 'snappy' | 'zstandard';
/** Codecs the writer produces (zstandard is read-only: fzstd only decompresses). */
export type AvroWriteCodec = 'null' | 'deflate' | 'snappy';

export const READ_CODECS: readonly AvroCodec[] = ['null', 'deflate', 'snappy', 'zstandard'];

export function isReadCodec(name: string): name is AvroCodec {
  return (READ_CODECS as readonly string[]).includes(name);
}

/** Thrown for a snappy block whose CRC does not match: callers report it as such. */
export class ChecksumError extends Error {}

export function decompressBlock(codec: AvroCodec, data: Uint8Array): Uint8Array {
  switch (codec) {
    case 'null':
      return data;
    case 'deflate':
      // Spec: raw RFC 1951 deflate, no zlib header or checksum. Output chunks sized to the
      // expected result: the 16 KiB default makes inflating a large block several times slower.
      return inflateRawSync(data, { chunkSize: Math.min(Math.max(data.length * 8, 64 * 1024), 16 * 1024 * 1024) });
    case 'snappy': {
      // Spec: Snappy block followed by the big-endian CRC32 of the uncompressed data.
      if (data.length < 4) throw new Error(`snappy block of ${data.length} byte(s) is too short for its CRC`);
      const body = data.subarray(0, data.length - 4);
      const expected = ((data[data.length - 4]! << 24) | (data[data.length - 3]! << 16) | (data[data.length - 2]! << 8) | data[data.length - 1]!) >>> 0;
      // A copy element expands at most 64 bytes from 3, so a larger declared length is corrupt
      // (and would otherwise be allocated up front).
      const out = snappy.uncompress(body, body.length * 22 + 64);
      const actual = crc32(out);
      if (actual !== expected) {
        throw new ChecksumError(`snappy CRC mismatch: block says ${hex(expected)}, data has ${hex(actual)}`);
      }
      return out;
    }
    case 'zstandard':
      return zstdDecompress(data);
  }
}

export function compressBlock(codec: AvroWriteCodec, data: Uint8Array): Uint8Array {
  switch (codec) {
    case 'null':
      return data;
    case 'deflate':
      return deflateRawSync(data);
    case 'snappy': {
      const body = snappy.compress(data);
      const out = new Uint8Array(body.length + 4);
      out.set(body);
      const crc = crc32(data);
      out[body.length] = crc >>> 24;
      out[body.length + 1] = (crc >>> 16) & 0xff;
      out[body.length + 2] = (crc >>> 8) & 0xff;
      out[body.length + 3] = crc & 0xff;
      return out;
    }
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
