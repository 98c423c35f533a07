import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DuckDBBlobValue, DuckDBDateValue, DuckDBDecimalValue, DuckDBInstance, DuckDBListValue, DuckDBMapValue, DuckDBStructValue,
  DuckDBTimeValue, DuckDBTimestampNanosecondsValue, DuckDBTimestampTZValue, DuckDBTimestampValue, DuckDBUUIDValue,
  type DuckDBConnection, type DuckDBValue,
} from '@duckdb/node-api';
import type { IcebergType } from '../../src/iceberg/spec/types.js';
import { LocalFileIO } from '../../src/io/local-file-io.js';

export const io = new LocalFileIO();

export function tempDir(): { dir: string; file: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'icetide-parquet-'));
  return { dir, file: (n) => path.join(dir, n), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

let conn: Promise<DuckDBConnection> | undefined;
export function duck(): Promise<DuckDBConnection> {
  conn ??= (async () => {
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    await c.run(`SET TimeZone = 'UTC'`);
    return c;
  })();
  return conn;
}

export async function query(sql: string): Promise<Record<string, DuckDBValue>[]> {
  const c = await duck();
  const r = await c.runAndReadAll(sql);
  return r.getRowObjects();
}

/** DuckDB value -> values.ts representation of `t` (exact, for comparison with what we wrote). */
export function fromDuck(v: DuckDBValue, t: IcebergType): unknown {
  if (v === null) return null;
  switch (t.kind) {
    case 'struct': {
      const s = v as DuckDBStructValue;
      return Object.fromEntries(t.fields.map((f) => [f.name, fromDuck(s.entries[f.name] ?? null, f.type)]));
    }
    case 'list':
      return (v as DuckDBListValue).items.map((x) => fromDuck(x, t.element));
    case 'map':
      return new Map((v as DuckDBMapValue).entries.map((e) => [fromDuck(e.key, t.key), fromDuck(e.value, t.value)]));
    case 'decimal':
      return (v as DuckDBDecimalValue).value;
    case 'date':
      return (v as DuckDBDateValue).days;
    case 'time':
      return (v as DuckDBTimeValue).micros;
    case 'timestamp':
      return (v as DuckDBTimestampValue).micros;
    case 'timestamptz':
      return (v as DuckDBTimestampTZValue).micros;
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return (v as DuckDBTimestampNanosecondsValue).nanos;
    case 'uuid':
      return (v as DuckDBUUIDValue).toString();
    case 'binary':
    case 'fixed':
      return new Uint8Array((v as DuckDBBlobValue).bytes);
    case 'long':
      return typeof v === 'bigint' ? v : BigInt(v as number);
    default:
      return v;
  }
}

export async function collect<T>(it: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const b of it) out.push(...b);
  return out;
}
