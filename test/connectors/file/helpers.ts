import fs from 'node:fs';
import path from 'node:path';
import type { SourceColumn } from '../../../src/pipeline/source.js';
import type { ChangeBatch, SourcePosition } from '../../../src/sink/change-event.js';
import { FileChangelogSource, type FileSourceOptions } from '../../../connectors/file/index.js';

export const ORDERS_COLUMNS: SourceColumn[] = [
  { name: 'id', type: { kind: 'long' }, nullable: false },
  { name: 'qty', type: { kind: 'int' }, nullable: true },
  { name: 'note', type: { kind: 'string' }, nullable: true },
];

export const ORDERS = { name: 'shop.orders', columns: ORDERS_COLUMNS, primaryKey: ['id'] };

type Row = Record<string, unknown>;

/** One Debezium change event line (values are written as given: use raw strings for exact numbers). */
export function change(op: 'c' | 'u' | 'd' | 'r', table: string, before: Row | null, after: Row | null, tsMs = 1_700_000_000_000): string {
  const [db, tbl] = table.split('.');
  return JSON.stringify({ before, after, source: { db, table: tbl, ts_ms: tsMs }, op, ts_ms: tsMs + 5 });
}

export function writeLines(dir: string, name: string, lines: readonly string[], trailingNewline = true): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join('\n') + (trailingNewline ? '\n' : ''));
  return file;
}

export function source(opts: Partial<FileSourceOptions> & { path: string }): FileChangelogSource {
  return new FileChangelogSource({ tables: [ORDERS], ...opts });
}

export async function readAll(src: FileChangelogSource, from?: SourcePosition): Promise<ChangeBatch[]> {
  const out: ChangeBatch[] = [];
  for await (const b of src.read(from, { signal: new AbortController().signal, untilDrained: true })) out.push(b);
  return out;
}
