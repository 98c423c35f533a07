import { gunzipSync } from 'node:zlib';
import { IcetideError, InvalidMetadataError } from '../errors.js';
import type { FileIO } from '../io/file-io.js';
import { parseTableMetadata, serializeTableMetadata } from '../iceberg/spec/table-metadata-parser.js';
import type { TableMetadata } from '../iceberg/spec/table-metadata.js';

/** Hadoop layout `v12.metadata.json` (optionally `.gz`); JDBC/REST layout `00012-<uuid>.metadata.json`. */
const HADOOP_NAME = /(?:^|\/)v(\d+)(\.gz)?\.metadata\.json$/;
const NUMBERED_NAME = /(?:^|\/)(\d+)-[0-9a-f-]+(\.gz)?\.metadata\.json$/i;

export function metadataFileVersion(location: string): { version: number; layout: 'hadoop' | 'numbered' } | undefined {
  const h = HADOOP_NAME.exec(location);
  if (h) return { version: Number(h[1]), layout: 'hadoop' };
  const n = NUMBERED_NAME.exec(location);
  if (n) return { version: Number(n[1]), layout: 'numbered' };
  return undefined;
}

/**
 * A metadata file set aside by `table restore-metadata`: `<name>.corrupt-<timestamp>`. The
 * suffix keeps it outside the metadata set (no version pattern matches it), so neither the
 * catalog nor a reader ever picks it up; orphan removal leaves it alone too.
 */
const SET_ASIDE_MARK = '.corrupt-';

export function setAsideLocation(location: string, nowMs: number): string {
  return `${location}${SET_ASIDE_MARK}${new Date(nowMs).toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '')}`;
}

export function isSetAsideMetadata(location: string): boolean {
  const name = location.slice(location.lastIndexOf('/') + 1);
  return /\.metadata\.json\.corrupt-[0-9TZ]+$/.test(name);
}

export async function readMetadataFile(io: FileIO, location: string): Promise<TableMetadata> {
  const bytes = await io.read(location);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(location.endsWith('.gz.metadata.json') || (bytes[0] === 0x1f && bytes[1] === 0x8b) ? gunzipSync(bytes) : bytes);
  } catch (err) {
    throw new InvalidMetadataError(`${location}: not a UTF-8 (or gzip) metadata file: ${(err as Error).message}`, { file: location });
  }
  try {
    return parseTableMetadata(text, location);
  } catch (err) {
    if (err instanceof IcetideError && err.message.includes(location)) throw err;
    throw IcetideError.wrap(err, location, { file: location });
  }
}

export function encodeMetadata(md: TableMetadata): Uint8Array {
  return new TextEncoder().encode(serializeTableMetadata(md));
}
