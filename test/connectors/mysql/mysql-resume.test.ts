import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchEvents } from '../../../src/sink/insert-columns.js';
import { createMySqlSource, type MySqlSource } from '../../../connectors/mysql/index.js';
import { parsePipelineConfig } from '../../../src/pipeline/config-loader.js';
import type { ChangeBatch, SourcePosition } from '../../../src/sink/change-event.js';
import { pipelineYaml } from '../../support/mariadb-fixtures.js';
import { startMariaDb, type MariaDbServer } from '../../support/mariadb-server.js';

/** Snapshot resume, the snapshot -> binlog order, heartbeats, and reconnects after a server restart. */
let server: MariaDbServer;

beforeAll(async () => {
  server = await startMariaDb();
  await server.query('CREATE DATABASE shop');
  await server.query('CREATE TABLE shop.a (id INT PRIMARY KEY, v VARCHAR(20))');
  await server.query("INSERT INTO shop.a SELECT seq, CONCAT('a', seq) FROM shop.seq_1_to_1000");
  await server.query('CREATE TABLE shop.b (k1 VARCHAR(10), k2 DECIMAL(10,2), v INT, PRIMARY KEY (k1, k2))');
  await server.query("INSERT INTO shop.b SELECT CONCAT('k', seq % 7), seq / 4, seq FROM shop.seq_1_to_700");
});

afterAll(async () => {
  await server?.stop();
});

function source(extra = ''): MySqlSource {
  return createMySqlSource(parsePipelineConfig(pipelineYaml(server, {
    warehouse: '/tmp/unused', tables: '  - regex: shop\\.(a|b)', source: `  snapshot:\n    chunk-size: 90\n    parallelism: 2\n  batch-max-events: 50\n${extra}`,
  }), 'r.yaml', {}));
}

async function take(s: MySqlSource, from: SourcePosition | undefined, stop: (b: ChangeBatch, all: ChangeBatch[]) => boolean, untilDrained = false): Promise<ChangeBatch[]> {
  const ac = new AbortController();
  const out: ChangeBatch[] = [];
  for await (const b of s.read(from, { signal: ac.signal, untilDrained })) {
    out.push(b);
    if (stop(b, out)) {
      ac.abort();
      break;
    }
  }
  return out;
}

const rowId = (e: ChangeBatch['events'][number]): string => `${e.table}:${JSON.stringify(e.after, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`;

describe('mysql source: positions across phases', () => {
  it('a restart inside the snapshot continues after the committed row; positions only grow', async () => {
    const s1 = source();
    await s1.discover();
    const full = await take(s1, undefined, (b) => b.phase === 'incremental');
    const snapshotRows = full.flatMap((b) => (b.phase === 'snapshot' ? batchEvents(b) : []));
    expect(snapshotRows.length).toBe(1700);
    // Totally ordered: every batch position is after the previous one, the switch after all snapshot positions.
    for (let i = 1; i < full.length; i++) expect(s1.comparePositions(full[i - 1]!.position, full[i]!.position)).toBeLessThan(0);
    for (const e of snapshotRows) expect(s1.comparePositions(e.position, full.at(-1)!.position)).toBeLessThan(0);
    // Restart from the middle of table b (composite, decimal key) and of table a.
    for (const cut of [5, 25]) {
      const s2 = source();
      await s2.discover();
      const from = full[cut]!.position;
      const rest = await take(s2, from, (b) => b.phase === 'incremental');
      const before = full.slice(0, cut + 1).flatMap((b) => batchEvents(b)).map(rowId);
      const after = rest.flatMap((b) => batchEvents(b)).map(rowId);
      expect(new Set([...before, ...after]).size).toBe(before.length + after.length);
      expect([...before, ...after].sort()).toEqual(snapshotRows.map(rowId).sort());
      for (const e of rest.flatMap((b) => batchEvents(b))) expect(s2.comparePositions(e.position, from)).toBeGreaterThan(0);
    }
  });

  it('snapshot.max-rows-per-second and max-bytes-per-second hold the full load back', async () => {
    for (const limit of ['    max-rows-per-second: 800', '    max-bytes-per-second: 8000']) {
      const s = createMySqlSource(parsePipelineConfig(pipelineYaml(server, {
        warehouse: '/tmp/unused', tables: '  - regex: shop\\.(a|b)', source: `  snapshot:\n    chunk-size: 90\n    parallelism: 2\n${limit}\n  batch-max-events: 50`,
      }), 'r.yaml', {}));
      await s.discover();
      const t0 = performance.now();
      const got = await take(s, undefined, (b) => b.phase === 'incremental');
      const seconds = (performance.now() - t0) / 1000;
      expect(got.flatMap((b) => batchEvents(b)).length).toBe(1700);
      // 1700 rows (~13 estimated bytes each): one second's allowance up front, the rest at the limit.
      expect(seconds).toBeGreaterThan(0.9);
    }
  });

  it.each(['status', 'lock'])('read-view %s: rows inserted while the snapshot runs arrive exactly once (snapshot or binlog, never both)', async (mode) => {
    const table = `logs_${mode}`;
    await server.query(`CREATE TABLE shop.${table} (n INT, msg VARCHAR(20))`);
    await server.query(`INSERT INTO shop.${table} SELECT seq, 'initial' FROM shop.seq_1_to_3000`);
    const s = createMySqlSource(parsePipelineConfig(pipelineYaml(server, {
      warehouse: '/tmp/unused', tables: `  - source: shop.${table}\n    mode: append`, source: `  snapshot:\n    max-rows-per-second: 1500\n    read-view: ${mode}\n  batch-max-events: 100`,
    }), 'v.yaml', {}));
    await s.discover();
    let snapshotting = true;
    const writer = (async () => {
      // Inserts before, while and right after the table is read; one row per transaction.
      for (let n = 100_000; snapshotting; n++) {
        await server.query(`INSERT INTO shop.${table} VALUES (${n}, 'during')`);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const seen = new Map<number, number>();
    for await (const b of s.read(undefined, { signal: new AbortController().signal, untilDrained: true })) {
      if (b.phase === 'incremental' && snapshotting) {
        snapshotting = false;
        await writer;
      }
      for (const e of batchEvents(b)) seen.set(e.after!['n'] as number, (seen.get(e.after!['n'] as number) ?? 0) + 1);
    }
    const source = (await server.query(`SELECT n FROM shop.${table}`)) as { n: number }[];
    expect(source.length).toBeGreaterThan(3050); // the writer did insert while the snapshot ran
    expect([...seen.keys()].sort((x, y) => x - y)).toEqual(source.map((r) => r.n).sort((x, y) => x - y));
    expect([...seen.values()].filter((c) => c !== 1)).toEqual([]);
  });

  it('idle: heartbeat batches prove caught-up and carry the watermark forward', async () => {
    const s = source('  from: latest');
    await s.discover();
    const t0 = Date.now();
    const batches = await take(s, undefined, (_b, all) => all.filter((x) => batchEvents(x).length === 0).length >= 2);
    const beats = batches.filter((b) => batchEvents(b).length === 0);
    expect(beats.length).toBe(2);
    expect(beats[1]!.watermarkMs).toBeGreaterThanOrEqual(t0 - 1000);
    expect(beats[1]!.watermarkMs!).toBeGreaterThanOrEqual(beats[0]!.watermarkMs!);
  });

  it('transactions of other tables move the position on, so caught-up is still proven', async () => {
    await server.query('CREATE DATABASE IF NOT EXISTS other; CREATE TABLE IF NOT EXISTS other.x (id INT PRIMARY KEY AUTO_INCREMENT, v INT)');
    const start = ((await server.query('SHOW MASTER STATUS')) as { File: string; Position: number }[])[0]!;
    const s = source(`  from: position ${start.File}:${start.Position}`);
    await s.discover();
    let writing = true;
    const writer = (async () => {
      while (writing) await server.query('INSERT INTO other.x (v) VALUES (1)');
    })();
    await new Promise((r) => setTimeout(r, 300));
    writing = false;
    await writer;
    const head = ((await server.query('SHOW MASTER STATUS')) as { File: string; Position: number }[])[0]!;
    const batches = await take(s, undefined, (b) => batchEvents(b).length === 0);
    expect(batches.flatMap((b) => batchEvents(b))).toEqual([]);
    expect(Number(head.Position)).toBeGreaterThan(Number(start.Position) + 1000);
    expect(batches.at(-1)!.position).toMatchObject({ file: head.File, pos: Number(head.Position) });
  });

  it('from: timestamp and from: gtid start at the right transaction', async () => {
    await server.query("INSERT INTO shop.a VALUES (7001, 'old')");
    const gtid = ((await server.query('SELECT @@gtid_binlog_pos AS g')) as { g: string }[])[0]!.g;
    await new Promise((r) => setTimeout(r, 1100)); // binlog times are whole seconds
    const t = new Date(Math.ceil(Date.now() / 1000) * 1000);
    await new Promise((r) => setTimeout(r, t.getTime() - Date.now() + 10));
    await server.query("INSERT INTO shop.a VALUES (7002, 'new')");
    const ids = async (from: string): Promise<unknown[]> => {
      const s = source(`  from: ${from}`);
      await s.discover();
      const batches = await take(s, undefined, (b) => batchEvents(b).length === 0 && b.watermarkMs !== undefined);
      return batches.flatMap((b) => batchEvents(b)).map((e) => e.after?.['id']).filter((id) => Number(id) >= 7001);
    };
    expect(await ids(`timestamp ${t.toISOString()}`)).toEqual([7002]);
    expect(await ids(`gtid ${gtid}`)).toEqual([7002]);
    expect(await ids('earliest')).toEqual([7001, 7002]);
  });

  it('reconnects after a server restart and resumes without losing or repeating transactions', async () => {
    const s = source('  from: latest\n  reconnect:\n    initial-delay-ms: 100\n    max-attempts: 50');
    await s.discover();
    const seen: string[] = [];
    const ac = new AbortController();
    let restarted = false;
    const reader = (async () => {
      for await (const b of s.read(undefined, { signal: ac.signal, untilDrained: false })) {
        for (const e of batchEvents(b)) seen.push(String(e.after?.['id']));
        if (seen.length >= 20) break;
      }
    })();
    await new Promise((r) => setTimeout(r, 500));
    for (let i = 0; i < 10; i++) await server.query(`INSERT INTO shop.a VALUES (${5000 + i}, 'x')`);
    await new Promise((r) => setTimeout(r, 500));
    await server.restart();
    restarted = true;
    for (let i = 10; i < 20; i++) await server.query(`INSERT INTO shop.a VALUES (${5000 + i}, 'x')`);
    const timeout = setTimeout(() => ac.abort(), 60_000);
    await reader;
    clearTimeout(timeout);
    expect(restarted).toBe(true);
    expect(seen).toEqual(Array.from({ length: 20 }, (_x, i) => String(5000 + i)));
  });
});
