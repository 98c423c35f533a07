import { DuckDBInstance } from '@duckdb/node-api';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { scanTable } from '../../src/iceberg/read/table-scan.js';
import type { PartitionSpec } from '../../src/iceberg/spec/partition-spec.js';
import type { Table } from '../../src/iceberg/table.js';
import { PrefixMappedFileIO } from '../../src/io/prefix-mapped-file-io.js';
import { localPathOf } from '../../src/io/location.js';
import type { ChangeEvent } from '../../src/sink/change-event.js';
import { TableWriter } from '../../src/sink/table-writer.js';
import { byRegion, regionSchema } from '../support/region-table.js';

/** Shared pieces of the compaction tests: a streaming-upsert table and its reference model. */
export type ModelRow = { id: bigint; region: number; v: string };

export const schema = regionSchema;
export { byRegion };

export async function newTable(dir: string, spec: PartitionSpec | null = byRegion, props: Record<string, string> = {}): Promise<Table> {
  return new FilesystemCatalog(dir).createTable(
    { namespace: ['m'], name: 't' },
    { schema, ...(spec ? { spec } : {}), properties: { 'write.parquet.compression-codec': 'uncompressed', ...props } },
  );
}

/** A pseudo-random stream of upserts and deletes against `model`, committed by a TableWriter. */
export class UpsertDriver {
  private pos = 0;
  private seed: number;
  constructor(
    readonly writer: TableWriter,
    readonly model: Map<bigint, ModelRow>,
    seed: number,
    private readonly keys: number,
    private readonly regions: number,
  ) {
    this.seed = seed;
  }

  static async open(t: Table, seed = 1, keys = 200, regions = 3, keyFilter = false): Promise<UpsertDriver> {
    const w = await TableWriter.open(t, { pipelineId: 'p', mode: 'upsert', keyFilter: keyFilter ? { expectedKeys: 10_000, fpp: 0.01, checkpointEveryCommits: 5 } : false });
    return new UpsertDriver(w, new Map(), seed, keys, regions);
  }

  private rand(n: number): number {
    this.seed = (Math.imul(this.seed, 1103515245) + 12345) >>> 0;
    return (this.seed >>> 8) % n;
  }

  /** One commit of `n` changes (about 1 in 5 a delete); returns when committed. */
  async commit(n: number, watermarkMs?: number): Promise<void> {
    const events: ChangeEvent[] = [];
    for (let i = 0; i < n; i++) {
      const id = BigInt(this.rand(this.keys));
      const before = this.model.get(id);
      const position = { line: this.pos++ };
      if (before && this.rand(5) === 0) {
        this.model.delete(id);
        events.push({ table: 's.t', op: 'delete', before, position, sourceTsMs: this.pos });
      } else {
        const after = { id, region: this.rand(this.regions), v: `v${this.pos}` };
        this.model.set(id, after);
        events.push(before ? { table: 's.t', op: 'update', before, after, position, sourceTsMs: this.pos } : { table: 's.t', op: 'insert', after, position, sourceTsMs: this.pos });
      }
    }
    await this.writer.write(events, 'incremental');
    await this.writer.commit({ position: { line: this.pos }, phase: 'incremental', force: true, ...(watermarkMs !== undefined ? { watermarkMs } : {}) });
  }

  modelRows(): string[] {
    return [...this.model.values()].map((r) => `${r.id}|${r.region}|${r.v}`).sort();
  }
}

export async function scanRows(t: Table, snapshotId?: bigint): Promise<string[]> {
  const rows: string[] = [];
  for await (const b of scanTable(t, snapshotId === undefined ? {} : { snapshotId })) for (const r of b) rows.push(`${r['id']}|${r['region']}|${r['v']}`);
  return rows.sort();
}

/** Every row of a table, whatever its columns, as sorted JSON-ish strings (fixtures). */
export async function scanAny(t: Table): Promise<string[]> {
  const rows: string[] = [];
  for await (const b of scanTable(t)) for (const r of b) rows.push(JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)));
  return rows.sort();
}

/** Local path of a table file (fixtures record foreign locations, mapped onto the copy). */
export function localPath(t: Table, location: string): string {
  return localPathOf(t.io instanceof PrefixMappedFileIO ? t.io.map(location) : location);
}

/** DuckDB's row count of each file; throws if DuckDB cannot read one. */
export async function duckCounts(paths: readonly string[]): Promise<bigint[]> {
  const db = await (await DuckDBInstance.create()).connect();
  const out: bigint[] = [];
  for (const p of paths) {
    const r = await db.runAndReadAll(`SELECT count(*) AS n FROM read_parquet('${p.replace(/'/g, "''")}')`);
    out.push(BigInt(r.getRowObjects()[0]!['n'] as bigint));
  }
  db.closeSync();
  return out;
}
