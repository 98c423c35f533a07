import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { scanTable } from '../../src/iceberg/read/table-scan.js';
import { applyChangelog } from '../support/changelog-model.js';
import { startCli } from '../support/cli-process.js';
import { generateOrderChanges, ORDER_CRASH_TABLE_YAML, seededRandom } from '../support/generated-changelog.js';
import { useTempDir } from '../support/temp-dir.js';

/**
 * Crash test (issue: exactly-once): the ingest process is SIGKILLed at random points 30
 * times; after each restart it resumes from what it committed, and the final tables equal
 * the source: no lost and no duplicated rows, in the upsert mirror and the append log. The
 * mirror is partitioned by a non-key column, its updates move rows between partitions and
 * its before-images are full, key-only or default-filled: the key index (on by default)
 * must find every old row after each restart (its checkpoint plus the commits after it).
 */
const KILLS = Number(process.env['CRASH_KILLS'] ?? 30);
const EVENTS = 30_000;

const generateChangelog = (n: number, rand: () => number): string[] => generateOrderChanges(n, rand).map((c) => c.json);

describe('crash safety of icetide ingest', () => {
  const tempDir = useTempDir();

  it(`survives ${KILLS} SIGKILLs at random points with no lost and no duplicated rows`, async () => {
    const dir = tempDir();
    const rand = seededRandom(Number(process.env['CRASH_SEED'] ?? 20261124));
    const lines = generateChangelog(EVENTS, rand);
    // The log grows between runs, as a live CDC log does: every run has work to be killed in.
    const segment = Math.ceil(EVENTS / (KILLS + 1));
    const logFile = path.join(dir, 'changes.jsonl');
    const appendSegment = (k: number) => fs.appendFileSync(logFile, lines.slice(k * segment, (k + 1) * segment).map((l) => `${l}\n`).join(''));
    fs.writeFileSync(logFile, '');
    fs.writeFileSync(
      path.join(dir, 'pipeline.yaml'),
      `pipeline-id: crash
source: { type: file, path: changes.jsonl }
${ORDER_CRASH_TABLE_YAML}
    properties: { write.parquet.compression-codec: snappy }
target: { catalog: filesystem, warehouse: wh, namespace: db }
commit: { interval-ms: 50, max-rows: 700 }
key-index: { checkpoint-every-commits: 3 }
`,
    );
    let killedMidRun = 0;
    for (let k = 0; k < KILLS; k++) {
      appendSegment(k);
      const { child, done } = startCli(['ingest', 'pipeline.yaml', '--once'], dir);
      const delay = 300 + Math.floor(rand() * 900);
      const timer = setTimeout(() => child.kill('SIGKILL'), delay);
      const r = await done;
      clearTimeout(timer);
      if (r.signal === 'SIGKILL') killedMidRun++;
      else expect(r.code, r.stderr).toBe(0);
    }
    for (let k = KILLS; k * segment < EVENTS; k++) appendSegment(k);
    const final = await startCli(['ingest', 'pipeline.yaml', '--once'], dir).done;
    expect(final.code, final.stderr).toBe(0);
    expect(killedMidRun).toBeGreaterThanOrEqual(KILLS / 3); // the kills really landed mid-run

    const catalog = new FilesystemCatalog(path.join(dir, 'wh'));
    const model = applyChangelog(lines, 'shop.orders', 'id');
    const orders = await catalog.loadTable({ namespace: ['db'], name: 'orders' });
    const got: string[] = [];
    for await (const b of scanTable(orders)) for (const r of b) got.push(`${r['id']}|${r['region']}|${r['v']}`);
    expect(got.length).toBe(model.size);
    expect(got.sort()).toEqual([...model.values()].map((r) => `${r['id']}|${r['region']}|${r['v']}`).sort());
    // the append log holds every change exactly once, identified by its source position
    const log = await catalog.loadTable({ namespace: ['db'], name: 'orders_log' });
    const positions: string[] = [];
    for await (const b of scanTable(log, { columns: ['_source_position'] })) for (const r of b) positions.push(r['_source_position'] as string);
    expect(positions.length).toBe(EVENTS);
    expect(new Set(positions).size).toBe(EVENTS);
  }, 900_000);
});

describe('graceful stop', () => {
  const tempDir = useTempDir();

  it('SIGTERM in follow mode commits what was read and exits 0; new lines are picked up while it runs', async () => {
    const dir = tempDir();
    const rand = seededRandom(7);
    const lines = generateChangelog(2000, rand);
    const logFile = path.join(dir, 'changes.jsonl');
    fs.writeFileSync(logFile, `${lines.slice(0, 1000).join('\n')}\n`);
    fs.writeFileSync(
      path.join(dir, 'pipeline.yaml'),
      `pipeline-id: follow
source: { type: file, path: changes.jsonl }
tables:
  - source: shop.orders
    target: orders
    key-columns: [id]
    columns:
      - { name: id, type: long, nullable: false }
      - { name: region, type: int }
      - { name: v, type: string }
target: { catalog: filesystem, warehouse: wh, namespace: db }
commit: { interval-ms: 100, max-rows: 10000 }
`,
    );
    const { child, done } = startCli(['ingest', 'pipeline.yaml'], dir);
    const catalog = new FilesystemCatalog(path.join(dir, 'wh'));
    const committedLine = async (): Promise<number> => {
      try {
        const t = await catalog.loadTable({ namespace: ['db'], name: 'orders' });
        const p = t.currentSnapshot()?.summary['icetide.source-position'];
        return p ? (JSON.parse(p) as { line: number }).line : 0;
      } catch {
        return 0;
      }
    };
    const waitFor = async (line: number) => {
      for (let i = 0; i < 300 && (await committedLine()) < line; i++) await new Promise((r) => setTimeout(r, 100));
    };
    await waitFor(1000);
    fs.appendFileSync(logFile, `${lines.slice(1000).join('\n')}\n`);
    await waitFor(2000);
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code, r.stderr).toBe(0);
    expect(await committedLine()).toBe(2000);
    const t = await catalog.loadTable({ namespace: ['db'], name: 'orders' });
    let n = 0;
    for await (const b of scanTable(t)) n += b.length;
    expect(n).toBe(applyChangelog(lines, 'shop.orders', 'id').size);
  }, 120_000);
});
