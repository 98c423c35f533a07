/**
 * The dead-letter file: one JSON line per rejected changelog line, with its position, the
 * error and the raw text, so nothing is lost when on-error is dead-letter. Synced to disk
 * before the batch that skips those lines is handed on (and so before its position can be
 * committed).
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FilePosition } from './position.js';

export interface DeadLetter {
  readonly position: FilePosition;
  readonly error: string;
  readonly raw: string;
  /** Base64 of the raw bytes when they are not UTF-8 (`raw` is then lossy). */
  readonly rawBase64?: string;
}

export class DeadLetterWriter {
  private handle: FileHandle | undefined;
  private dirty = false;

  constructor(readonly path: string) {}

  async write(letter: DeadLetter): Promise<void> {
    if (!this.handle) {
      await mkdir(dirname(this.path), { recursive: true });
      this.handle = await open(this.path, 'a');
    }
    const record = { ...letter, at: new Date().toISOString() };
    await this.handle.appendFile(`${JSON.stringify(record)}\n`, 'utf8');
    this.dirty = true;
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
