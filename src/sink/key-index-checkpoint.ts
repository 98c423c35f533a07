/**
 * The key index's checkpoint file: "ICKI", format version, key layout, the file paths the
 * entries name (JSON), then the entries. A long key entry is 16 bytes (the key's 8, file id,
 * row position); any other key is its KeyEncoder bytes, length-prefixed, then file id and
 * position. Written streaming (a million-key index is tens of megabytes); read whole.
 */
import { IcetideError } from '../errors.js';
import type { FileIO } from '../io/file-io.js';
import type { KeyTable } from './key-index.js';

const MAGIC = [0x49, 0x43, 0x4b, 0x49]; // "ICKI"
const VERSION = 1;
const CHUNK = 1 << 20;

export class InvalidKeyIndexCheckpointError extends IcetideError {}

export async function writeKeyIndexCheckpoint(io: FileIO, location: string, singleLongKey: boolean, paths: readonly string[], table: KeyTable): Promise<void> {
  const out = await io.create(location);
  try {
    const json = new TextEncoder().encode(JSON.stringify(paths));
    const head = new Uint8Array(14 + json.length);
    const hv = new DataView(head.buffer);
    head.set(MAGIC, 0);
    head[4] = VERSION;
    head[5] = singleLongKey ? 0 : 1;
    hv.setUint32(6, json.length);
    head.set(json, 10);
    hv.setUint32(10 + json.length, table.size);
    await out.write(head);
    let buf = new Uint8Array(CHUNK);
    let view = new DataView(buf.buffer);
    let p = 0;
    const pending: Uint8Array[] = [];
    table.forEach((key, file, pos) => {
      const need = (singleLongKey ? 8 : 4 + key.length) + 8;
      if (p + need > buf.length) {
        pending.push(buf.subarray(0, p));
        buf = new Uint8Array(Math.max(CHUNK, need));
        view = new DataView(buf.buffer);
        p = 0;
      }
      if (singleLongKey) {
        buf.set(key.subarray(1, 9), p);
        p += 8;
      } else {
        view.setUint32(p, key.length);
        buf.set(key, p + 4);
        p += 4 + key.length;
      }
      view.setUint32(p, file);
      view.setUint32(p + 4, pos);
      p += 8;
    });
    pending.push(buf.subarray(0, p));
    for (const chunk of pending) await out.write(chunk);
    await out.close();
  } catch (err) {
    await out.abort().catch(() => undefined);
    throw err;
  }
}

export interface KeyIndexCheckpoint {
  readonly paths: readonly string[];
  /** Each entry's key in the KeyTable.forEach encoding (valid only during the call). */
  forEachEntry(visit: (key: Uint8Array, file: number, pos: number) => void): void;
}

export function decodeKeyIndexCheckpoint(bytes: Uint8Array, location: string, singleLongKey: boolean): KeyIndexCheckpoint {
  const bad = (why: string): never => {
    throw new InvalidKeyIndexCheckpointError(`key index checkpoint ${location}: ${why}`, { location });
  };
  if (bytes.length < 14 || MAGIC.some((b, i) => bytes[i] !== b)) bad('not a key index checkpoint (bad magic)');
  if (bytes[4] !== VERSION) bad(`format version ${bytes[4]}, this icetide reads ${VERSION}`);
  if ((bytes[5] === 0) !== singleLongKey) bad('written for another key layout (the key columns changed)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(6);
  if (10 + jsonLength + 4 > bytes.length) bad('truncated header');
  let paths: unknown;
  try {
    paths = JSON.parse(new TextDecoder().decode(bytes.subarray(10, 10 + jsonLength)));
  } catch {
    bad('unreadable file list');
  }
  if (!Array.isArray(paths) || !paths.every((x) => typeof x === 'string')) return bad('file list is not an array of paths');
  const count = view.getUint32(10 + jsonLength);
  const start = 14 + jsonLength;
  return {
    paths,
    forEachEntry(visit) {
      const key = new Uint8Array(9);
      let p = start;
      for (let n = 0; n < count; n++) {
        let k: Uint8Array;
        if (singleLongKey) {
          if (p + 16 > bytes.length) bad(`truncated at entry ${n} of ${count}`);
          key.set(bytes.subarray(p, p + 8), 1);
          k = key;
          p += 8;
        } else {
          if (p + 4 > bytes.length) bad(`truncated at entry ${n} of ${count}`);
          const len = view.getUint32(p);
          if (p + 4 + len + 8 > bytes.length) bad(`truncated at entry ${n} of ${count}`);
          k = bytes.subarray(p + 4, p + 4 + len);
          p += 4 + len;
        }
        visit(k, view.getUint32(p), view.getUint32(p + 4));
        p += 8;
      }
      if (p !== bytes.length) bad(`${bytes.length - p} bytes after the last entry`);
    },
  };
}
