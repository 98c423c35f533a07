import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toMySqlPosition } from '../../../connectors/mysql/position.js';
import { FilesystemCatalog } from '../../../src/catalog/filesystem-catalog.js';
import { parseJson } from '../../../src/iceberg/spec/lossless-json.js';
import { SUMMARY } from '../../../src/sink/resume-state.js';
import { startCli } from '../../support/cli-process.js';
import { pipelineYaml } from '../../support/mariadb-fixtures.js';
import { startMariaDb, type MariaDbServer } from '../../support/mariadb-server.js';
import { useTempDir } from '../../support/temp-dir.js';

/**
 * The first hour of a pipeline on a quiet database: `ingest --once` loads every table and
 * commits where the load ended with a watermark, so `icetide ready` gates on it at once and a
 * second run reads on from the binlog instead of resuming the load.
 */
let server: MariaDbServer;

beforeAll(async () => {
  server = await startMariaDb();
  await server.query('CREATE DATABASE quiet; CREATE TABLE quiet.orders (id BIGINT PRIMARY KEY, note VARCHAR(20)); CREATE TABLE quiet.events (msg TEXT); CREATE TABLE quiet.empty (id INT PRIMARY KEY)');
  await server.query("INSERT INTO quiet.orders SELECT seq, CONCAT('n', seq) FROM quiet.seq_1_to_2500; INSERT INTO quiet.events SELECT CONCAT('m', seq) FROM quiet.seq_1_to_40");
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

const TABLES = ['orders', 'events', 'empty'];

describe('ingest --once on a quiet MySQL database', () => {
  const tempDir = useTempDir();

  it('commits the end of the load with a watermark: ready at once, and a re-run does not read the load again', async () => {
    const dir = tempDir();
    const wh = path.join(dir, 'wh');
    const yaml = path.join(dir, 'p.yaml');
    fs.writeFileSync(yaml, pipelineYaml(server, {
      warehouse: wh,
      tables: '  - source: quiet.orders\n  - source: quiet.events\n    mode: append\n  - source: quiet.empty',
      source: '  snapshot:\n    chunk-size: 1000',
    }));
    const before = new Date(Date.now() - 1).toISOString();
    const first = await startCli(['ingest', yaml, '--once'], dir).done;
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^ingested 2540 events/);
    expect(first.stderr).not.toMatch(/"level":"?(warn|40)/);

    const catalog = new FilesystemCatalog(wh);
    for (const name of TABLES) {
      const t = await catalog.loadTable({ namespace: ['lake'], name });
      const s = t.currentSnapshot()!.summary;
      // The committed position is the binlog at the end of the load, not a row inside it.
      expect(s[SUMMARY.phase], name).toBe('incremental');
      expect(toMySqlPosition(parseJson(s[SUMMARY.position]!, name)).kind, name).toBe('binlog');
      expect(Number(s[SUMMARY.watermark]), name).toBeGreaterThanOrEqual(Date.parse(before));
      const ready = await startCli(['ready', `lake.${name}`, '--warehouse', wh, '--until', before], dir).done;
      expect(ready.code, `${name}: ${ready.stdout}${ready.stderr}`).toBe(0);
      expect(ready.stdout).toMatch(new RegExp(`^ready: lake\\.${name} watermark `));
    }
    const notYet = await startCli(['ready', 'lake.orders', '--warehouse', wh, '--until', new Date(Date.now() + 3_600_000).toISOString()], dir).done;
    expect(notYet.code).toBe(1);

    const snapshotsBefore = new Map<string, number>();
    for (const name of TABLES) snapshotsBefore.set(name, (await catalog.loadTable({ namespace: ['lake'], name })).snapshots().length);
    const again = await startCli(['ingest', yaml, '--once'], dir).done;
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^ingested 0 events/);
    expect(again.stderr).not.toMatch(/snapshot starting|snapshot: reading table/);
    expect(again.stderr).toMatch(/"from":"\{\\"file\\".*"msg":"pipeline starting"/);
    expect(again.stderr).not.toMatch(/"level":"?(warn|40)/);
    for (const name of TABLES) {
      const t = await catalog.loadTable({ namespace: ['lake'], name });
      // At most the drained source's newer watermark, metadata only: no row is read or written again.
      expect(t.snapshots().length - snapshotsBefore.get(name)!, name).toBeLessThanOrEqual(1);
      expect(t.currentSnapshot()!.summary['added-records'] ?? '0', name).toBe('0');
    }
  }, 120_000);
});
