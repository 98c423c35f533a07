/**
 * The dead-letter file: one JSON line per rejected changelog line, with its position, the
 * error and the raw text, so nothing is lost when on-error is dead-letter. Synced to disk
 * before the batch that skips those lines is handed on (and so before its position can be
 * committed).
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { EventRejection, SourcePosition } from '../../src/sink/change-event.js';
import type { FilePosition } from './position.js';

export interface DeadLetter {
  readonly position: FilePosition;
  readonly error: string;
  readonly raw: string;
  /** Base64 of the raw bytes when they are not UTF-8 (`raw` is then lossy). */
  readonly rawBase64?: string;
}

/** An event that decoded but that the sink could not apply (e.g. a delete without a usable key). */
export interface RejectedEventLetter {
  readonly position: SourcePosition;
  /** `file:line` of the line the event came from. */
  readonly origin?: string;
  readonly error: string;
  readonly stage: 'sink';
  readonly table: string;
  readonly op: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

export function rejectionLetter(r: EventRejection): RejectedEventLetter {
  const e = r.event;
  return {
    position: e.position,
    ...(e.origin !== undefined ? { origin: e.origin } : {}),
    error: r.reason,
    stage: 'sink',
    table: e.table,
    op: e.op,
    ...(e.before ? { before: e.before } : {}),
    ...(e.after ? { after: e.after } : {}),
  };
}

/** Row values as JSON: longs as strings (exact), bytes as base64, maps as [key, value] pairs. */
function jsonOfValue(_key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (v instanceof Map) return [...v.entries()];
  return v;
}

export class DeadLetterWriter {
  private handle: FileHandle | undefined;
  private dirty = false;

  constructor(readonly path: string) {}

  /** Any JSON-able record (other connectors write their own positions: topic, partition, offset). */
  async write(letter: DeadLetter | RejectedEventLetter | object): Promise<void> {
    if (!this.handle) {
      await mkdir(dirname(this.path), { recursive: true });
      this.handle = await open(this.path, 'a');
    }
    const record = { ...letter, at: new Date().toISOString() };
    await this.handle.appendFile(`${JSON.stringify(record, jsonOfValue)}\n`, 'utf8');
    this.dirty = true;
  }

  /** Writes and syncs at once (for rejections, which a commit may follow right after). */
  async writeNow(letter: DeadLetter | RejectedEventLetter | object): Promise<void> {
    await this.write(letter);
    await this.sync();
  }

  async sync(): Promise<void> {
    if (this.handle && this.dirty) {
      await this.handle.datasync();
      this.dirty = false;
    }
  }

  async close(): Promise<void> {
    await this.sync();
    await this.handle?.close();
    this.handle = undefined;
  }
}
