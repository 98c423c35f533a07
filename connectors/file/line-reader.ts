/**
 * Streams the lines of a changelog (one file, or a directory of `*.jsonl` files in name
 * order) with their file name and 1-based line number, never holding more than one chunk
 * and one line in memory. Lines up to a resume position are counted, not decoded.
 */
import { isUtf8 } from 'node:buffer';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NotFoundError } from '../../src/errors.js';
import { compareFileNames, type FilePosition } from './position.js';

export interface LineItem {
  readonly kind: 'line';
  readonly file: string;
  readonly line: number;
  /** Without the line terminator (`\n` or `\r\n`). */
  readonly text: string;
  /** The bytes were not UTF-8; `text` then has replacement characters. */
  readonly invalidUtf8: boolean;
  /** The raw bytes, kept only when they are not UTF-8 (for the dead-letter file). */
  readonly bytes?: Uint8Array;
}

/** Follow mode only: every line written so far has been yielded; the reader is waiting. */
export interface IdleItem {
  readonly kind: 'idle';
}

export interface LineReaderOptions {
  /** A `.jsonl` file or a directory of them. */
  readonly path: string;
  /** Resume strictly after this position. */
  readonly after?: FilePosition;
  /**
   * Keep waiting for appended lines and new files (until `signal` aborts). A line counts as
   * written once its newline is (or a later file appears), so a half-written line is never read.
   */
  readonly follow: boolean;
  readonly pollIntervalMs: number;
  readonly signal: AbortSignal;
  readonly chunkSize?: number;
}

interface Listing {
  readonly dir: string;
  readonly names: readonly string[];
  readonly isDirectory: boolean;
}

async function listFiles(path: string): Promise<Listing> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`${path}: changelog file or directory does not exist`, { path });
    throw err;
  }
  if (!isDirectory) return { dir: dirname(path), names: [basename(path)], isDirectory };
  const entries = await readdir(path, { withFileTypes: true });
  const names = entries.filter((e) => (e.isFile() || e.isSymbolicLink()) && e.name.endsWith('.jsonl')).map((e) => e.name);
  return { dir: path, names: names.sort(compareFileNames), isDirectory };
}

type EofAction = 'done' | 'wait';

function decodeLine(file: string, line: number, bytes: Buffer): LineItem {
  const end = bytes.length > 0 && bytes[bytes.length - 1] === 13 ? bytes.length - 1 : bytes.length; // \r\n
  const body = bytes.subarray(0, end);
  const invalidUtf8 = !isUtf8(body);
  let text = body.toString('utf8');
  if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1); // BOM
  return invalidUtf8 ? { kind: 'line', file, line, text, invalidUtf8, bytes: Uint8Array.from(body) } : { kind: 'line', file, line, text, invalidUtf8 };
}

/** Waits one poll interval; false when aborted. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

async function* readFileLines(
  fullPath: string,
  name: string,
  skipUntil: number,
  atEof: () => Promise<EofAction>,
  opts: LineReaderOptions,
): AsyncGenerator<LineItem | IdleItem> {
  const fh = await open(fullPath, 'r');
  try {
    const buf = Buffer.allocUnsafe(opts.chunkSize ?? 64 * 1024);
    let offset = 0;
    let lineNo = 0;
    let pending: Buffer[] = [];
    let hasPartial = false;
    for (;;) {
      if (opts.signal.aborted) return;
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      if (bytesRead === 0) {
        if ((await atEof()) === 'wait') {
          yield { kind: 'idle' };
          if (!(await pause(opts.pollIntervalMs, opts.signal))) return;
          continue;
        }
        if (hasPartial && lineNo + 1 > skipUntil) yield decodeLine(name, lineNo + 1, Buffer.concat(pending));
        return;
      }
      offset += bytesRead;
      const chunk = buf.subarray(0, bytesRead);
      let start = 0;
      for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
        lineNo++;
        if (lineNo > skipUntil) {
          const bytes = pending.length > 0 ? Buffer.concat([...pending, chunk.subarray(start, nl)]) : chunk.subarray(start, nl);
          // Decoded before yielding: `buf` is reused by the next read.
          yield decodeLine(name, lineNo, bytes);
          if (opts.signal.aborted) return;
        }
        pending = [];
        hasPartial = false;
        start = nl + 1;
      }
      if (start < bytesRead) {
        hasPartial = true;
        if (lineNo + 1 > skipUntil) pending.push(Buffer.from(chunk.subarray(start)));
      }
    }
  } finally {
    await fh.close();
  }
}

/**
 * Lines strictly after `opts.after`, file by file in name order. Files named before the
 * resume file are skipped; so are files that appear later with a name before the one being
 * read (follow mode reads forward only).
 */
export async function* readChangelogLines(opts: LineReaderOptions): AsyncGenerator<LineItem | IdleItem> {
  let listing = await listFiles(opts.path);
  let last: string | undefined;
  const after = opts.after;
  for (;;) {
    const next = listing.names.find((n) => (last === undefined || compareFileNames(n, last) > 0) && (after === undefined || compareFileNames(n, after.file) >= 0));
    if (next === undefined) {
      if (!opts.follow) return;
      yield { kind: 'idle' };
      if (!(await pause(opts.pollIntervalMs, opts.signal))) return;
      listing = await listFiles(opts.path);
      continue;
    }
    const current = next;
    const atEof = async (): Promise<EofAction> => {
      if (!opts.follow) return 'done';
      if (!listing.isDirectory) return 'wait';
      listing = await listFiles(opts.path);
      return listing.names.some((n) => compareFileNames(n, current) > 0) ? 'done' : 'wait';
    };
    const skipUntil = after !== undefined && after.file === current ? after.line : 0;
    yield* readFileLines(join(listing.dir, current), current, skipUntil, atEof, opts);
    if (opts.signal.aborted) return;
    last = current;
  }
}
