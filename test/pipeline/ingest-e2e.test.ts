import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { scanTable } from '../../src/iceberg/read/table-scan.js';
import type { Table } from '../../src/iceberg/table.js';
import { parsePipelineConfig } from '../../src/pipeline/config-loader.js';
import { buildPipeline } from '../../src/pipeline/pipeline-builder.js';
import { main } from '../../src/cli/main.js';
import { applyChangelog } from '../support/changelog-model.js';
import { useTempDir } from '../support/temp-dir.js';

const QUICKSTART = path.resolve('examples/quickstart.yaml');
const CHANGES = path.resolve('examples/quickstart-changes.jsonl');

async function rows(t: Table): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const b of scanTable(t)) out.push(...b);
  return out;
}

function quickstartConfig(warehouse: string, extra = '') {
  const text = fs.readFileSync(QUICKSTART, 'utf8').replace('warehouse: ./warehouse', `warehouse: ${warehouse}`).replace('path: examples/quickstart-changes.jsonl', `path: ${CHANGES}`);
  return parsePipelineConfig(text + extra, QUICKSTART, {});
}

async function ingestOnce(config: ReturnType<typeof quickstartConfig>) {
  const { runner } = await buildPipeline(config);
  return runner.run({ once: true, signal: new AbortController().signal, commitIntervalMs: config.commit.intervalMs, commitMaxRows: config.commit.maxRows, idleCommitIntervalMs: config.readiness.idleCommitIntervalMs });
}

describe('icetide ingest (quickstart)', () => {
  const tempDir = useTempDir();

  it('creates the tables and converges to the source state the changelog describes', async () => {
    const wh = tempDir();
    const stats = await ingestOnce(quickstartConfig(wh));
    expect(stats.events).toBe(40);
    const catalog = new FilesystemCatalog(wh);
    const orders = await catalog.loadTable({ namespace: ['demo'], name: 'orders' });
    const lines = fs.readFileSync(CHANGES, 'utf8').split('\n');
    const model = applyChangelog(lines, 'shop.orders', 'id');
    const got = (await rows(orders)).map((r) => `${r['id']}|${r['status']}|${r['customer']}`).sort();
    expect(got).toEqual([...model.values()].map((r) => `${r['id']}|${r['status']}|${r['customer']}`).sort());
    // the append log keeps every event; the changelog table every change of orders
    const events = await catalog.loadTable({ namespace: ['demo'], name: 'events' });
    expect((await rows(events)).length).toBe(lines.filter((l) => l.includes('"table":"events"')).length);
    const changes = await catalog.loadTable({ namespace: ['demo'], name: 'orders_changes' });
    const changeRows = await rows(changes);
    expect(changeRows.length).toBe(lines.filter((l) => l.includes('"table":"orders"')).length);
    expect(new Set(changeRows.map((r) => r['_op']))).toEqual(new Set(['insert', 'update', 'delete']));
    // the snapshot summary carries what a restart needs
    const summary = orders.currentSnapshot()!.summary;
    expect(summary['icetide.pipeline-id']).toBe('quickstart');
    expect(JSON.parse(summary['icetide.source-position']!)).toEqual({ file: 'quickstart-changes.jsonl', line: 40 });
    expect(Number(summary['icetide.watermark-ms'])).toBeGreaterThan(0);
  });

  it('a second run resumes after the committed position: nothing is written twice', async () => {
    const wh = tempDir();
    const config = quickstartConfig(wh);
    await ingestOnce(config);
    const catalog = new FilesystemCatalog(wh);
    const before = (await catalog.loadTable({ namespace: ['demo'], name: 'orders' })).snapshots().length;
    const again = await ingestOnce(config);
    expect(again.skippedAlreadyCommitted).toBe(0); // the source itself started after the committed line
    const orders = await catalog.loadTable({ namespace: ['demo'], name: 'orders' });
    expect(orders.snapshots().length).toBe(before);
    expect((await rows(await catalog.loadTable({ namespace: ['demo'], name: 'events' }))).length).toBe(17);
  });

  it('DuckDB reads every data file we wrote with the same rows; the CLI plan is the library plan', async () => {
    const wh = tempDir();
    await ingestOnce(quickstartConfig(wh));
    const catalog = new FilesystemCatalog(wh);
    const db = await (await DuckDBInstance.create()).connect();
    for (const name of ['orders', 'orders_changes', 'events']) {
      const t = await catalog.loadTable({ namespace: ['demo'], name });
      const tasks = await t.planFiles();
      for (const task of tasks) {
        const r = await db.runAndReadAll(`SELECT count(*) AS n FROM read_parquet('${task.file.filePath}')`);
        expect(BigInt(r.getRowObjects()[0]!['n'] as bigint)).toBe(task.file.recordCount);
        for (const d of task.deletes) {
          const dr = await db.runAndReadAll(`SELECT count(*) AS n FROM read_parquet('${d.file.filePath}')`);
          expect(BigInt(dr.getRowObjects()[0]!['n'] as bigint)).toBe(d.file.recordCount);
        }
      }
      if (tasks.every((x) => x.deletes.length === 0)) {
        // no deletes: DuckDB's union of the data files is the table
        const files = tasks.map((x) => `'${x.file.filePath}'`).join(',');
        const duck = (await db.runAndReadAll(`SELECT count(*) AS n FROM read_parquet([${files}])`)).getRowObjects()[0]!['n'];
        expect(Number(duck)).toBe((await rows(t)).length);
      }
      let out = '';
      await main(['n', 'icetide', 'table', 'plan', `demo.${name}`, '--warehouse', wh, '--json'], { out: (s) => (out += s), err: () => undefined });
      const cli = JSON.parse(out) as { dataFiles: { path: string; deletes: { path: string }[] }[] };
      expect(cli.dataFiles.map((f) => `${f.path}:${f.deletes.map((d) => d.path).sort().join(',')}`).sort()).toEqual(tasks.map((x) => `${x.file.filePath}:${x.deletes.map((d) => d.file.filePath).sort().join(',')}`).sort());
    }
    // our field ids are what DuckDB sees
    const anyFile = (await (await catalog.loadTable({ namespace: ['demo'], name: 'orders' })).planFiles())[0]!.file.filePath;
    const schema = (await db.runAndReadAll(`SELECT name, field_id FROM parquet_schema('${anyFile}') WHERE name = 'id'`)).getRowObjects();
    expect(Number(schema[0]!['field_id'])).toBe(1);
  });

  it('bad input stops with file:line and commits nothing of the failing batch; dead-letter mode skips and records it', async () => {
    const dir = tempDir();
    const good = fs.readFileSync(CHANGES, 'utf8').trimEnd().split('\n');
    const bad = [...good.slice(0, 5), '{"op":"c","after":{"id":', ...good.slice(5)];
    const file = path.join(dir, 'changes.jsonl');
    fs.writeFileSync(file, `${bad.join('\n')}\n`);
    const text = fs.readFileSync(QUICKSTART, 'utf8').replace('warehouse: ./warehouse', `warehouse: ${path.join(dir, 'wh')}`).replace('path: examples/quickstart-changes.jsonl', `path: ${file}`);
    fs.writeFileSync(path.join(dir, 'p.yaml'), text);
    let err = '';
    const code = await main(['n', 'icetide', 'ingest', path.join(dir, 'p.yaml'), '--once'], { out: () => undefined, err: (s) => (err += s) });
    expect(code).toBe(2);
    expect(err).toMatch(/changes\.jsonl:6/);
    const catalog = new FilesystemCatalog(path.join(dir, 'wh'));
    const orders = await catalog.loadTable({ namespace: ['demo'], name: 'orders' });
    expect(orders.currentSnapshot()).toBeUndefined(); // the only batch held the bad line
    fs.writeFileSync(path.join(dir, 'p.yaml'), `${text}\non-error:\n  mode: dead-letter\n  dead-letter-path: ${path.join(dir, 'dead.jsonl')}\n`);
    let err2 = '';
    expect(await main(['n', 'icetide', 'ingest', path.join(dir, 'p.yaml'), '--once'], { out: () => undefined, err: (s) => (err2 += s) }), err2).toBe(0);
    const dead = fs.readFileSync(path.join(dir, 'dead.jsonl'), 'utf8').trim().split('\n');
    expect(dead).toHaveLength(1);
    const record = JSON.parse(dead[0]!) as { raw: string; error: string; position: { line: number } };
    expect(record.raw).toBe('{"op":"c","after":{"id":');
    expect(record.error).toMatch(/changes\.jsonl:6/);
    expect(record.position.line).toBe(6);
    await orders.refresh();
    expect((await rows(orders)).length).toBe(applyChangelog(good, 'shop.orders', 'id').size);
  });
});
