/**
 * Page codecs. ZSTD goes through zstd-napi (native libzstd; Node 20 has no zstd in zlib),
 * snappy through snappyjs, gzip through node:zlib. Codec ids are parquet-format's
 * CompressionCodec enum.
 */
import { createRequire } from 'node:module';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Compressor, Decompressor } from 'zstd-napi';

export type Codec = 'zstd' | 'snappy' | 'gzip' | 'uncompressed';
export const CODECS: readonly Codec[] = ['zstd', 'snappy', 'gzip', 'uncompressed'];

export const CODEC_ID: Readonly<Record<Codec, number>> = { uncompressed: 0, snappy: 1, gzip: 2, zstd: 6 };

interface Snappy {
  compress(input: Uint8Array): Uint8Array;
  uncompress(input: Uint8Array, maxLength?: number): Uint8Array;
}
const snappy = createRequire(import.meta.url)('snappyjs') as Snappy;

export type CompressFn = (input: Uint8Array) => Uint8Array;

/** Default level when `write.parquet.compression-level` is unset (parquet-mr's defaults). */
export function defaultLevel(codec: Codec): number | undefined {
  return codec === 'zstd' ? 3 : codec === 'gzip' ? 6 : undefined;
}

export function makeCompressor(codec: Codec, level?: number): CompressFn {
  switch (codec) {
    case 'uncompressed':
      return (b) => b;
    case 'snappy':
      return (b) => snappy.compress(b);
    case 'gzip': {
      const opts = { level: level ?? 6 };
      return (b) => gzipSync(b, opts);
    }
    case 'zstd': {
      const c = new Compressor();
      c.setParameters({ compressionLevel: level ?? 3 });
      return (b) => c.compress(b);
    }
  }
}

/** One zstd context per thread, reused (zstd-napi's decompress() resets its parameters on every call). */
let zstdContext: Decompressor | undefined;

/** Decompressors in hyparquet's shape (codec name -> fn(input, outputLength)). */
export const DECOMPRESSORS = {
  ZSTD: (input: Uint8Array): Uint8Array => (zstdContext ??= new Decompressor()).decompress(input),
  GZIP: (input: Uint8Array): Uint8Array => gunzipSync(input),
  SNAPPY: (input: Uint8Array, outputLength: number): Uint8Array => snappy.uncompress(input, outputLength),
};
