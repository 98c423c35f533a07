/**
 * File source positions: `{ "file": "<name>", "line": N }` (line 1-based), ordered by file
 * name (code-unit order, the order files are read in) and then line.
 */
import { ValidationError } from '../../src/errors.js';
import { isJsonObject, type JsonObject } from '../../src/iceberg/spec/lossless-json.js';
import type { SourcePosition } from '../../src/sink/change-event.js';

export interface FilePosition {
  readonly file: string;
  readonly line: number;
}

/** Validates a position read back from a snapshot summary (or handed in by a caller). */
export function toFilePosition(p: SourcePosition): FilePosition {
  if (isJsonObject(p) && typeof p.file === 'string' && p.file !== '') {
    const line = typeof p.line === 'bigint' ? Number(p.line) : p.line;
    if (typeof line === 'number' && Number.isSafeInteger(line) && line >= 0) return { file: p.file, line };
  }
  throw new ValidationError(`not a file source position (expected {"file": "<name>", "line": N}): ${JSON.stringify(p, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
}

export function compareFileNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareFilePositions(a: FilePosition, b: FilePosition): number {
  return compareFileNames(a.file, b.file) || a.line - b.line;
}

/** The JSON form stored in batches and snapshot summaries. */
export function filePosition(file: string, line: number): JsonObject {
  return { file, line };
}
