import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compactTable } from '../../manager/compaction/compact-table.js';
import { expireTable } from '../../manager/expiry/expire-table.js';
import { openFilesystemCatalog } from '../../src/catalog/filesystem-catalog-storage.js';
import { SqlCatalog } from '../../src/catalog/sql-catalog.js';
import { main } from '../../src/cli/main.js';
import { removeOrphans } from '../../manager/orphans/remove-orphans.js';
import { ConfigError } from '../../src/errors.js';
import { scanTable } from '../../src/iceberg/read/table-scan.js';
import type { Table } from '../../src/iceberg/table.js';
import { S3FileIO } from '../../src/io/s3-file-io.js';
import { PipelineConfigError } from '../../src/pipeline/config.js';
import { parsePipelineConfig } from '../../src/pipeline/config-loader.js';
import { buildPipeline } from '../../src/pipeline/pipeline-builder.js';
import { applyChangelog } from '../support/changelog-model.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';

const QUICKSTART = path.resolve('examples/quickstart.yaml');
const CHANGES = path.resolve('examples/quickstart-changes.jsonl');

function quickstartConfig(warehouse: string, storage: string) {
  const text = fs.readFileSync(QUICKSTART, 'utf8').replace('warehouse: ./warehouse', `warehouse: ${warehouse}\n  storage:\n${storage}`).replace('path: examples/quickstart-changes.jsonl', `path: ${CHANGES}`);
  return parsePipelineConfig(text, QUICKSTART, {});
}

function storageYaml(server: S3TestServer, extra = ''): string {
  return `    s3:\n      endpoint: ${server.endpoint}\n      region: us-east-1\n      path-style: true\n      access-key-id: S3RVER\n      secret-access-key: S3RVER\n${extra}`;
}

async function rows(t: Table): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const b of scanTable(t)) out.push(...b);
  return out;
}

const orderKey = (r: Record<string, unknown>) => `${r['id']}|${r['status']}|${r['customer']}`;

describe('the quickstart pipeline with an s3:// warehouse', () => {
  let plain: S3TestServer;
  let conditional: S3TestServer;
  beforeAll(async () => {
    [plain, conditional] = await Promise.all([startS3Server(), startS3Server({ conditionalWrites: true })]);
  });
  afterAll(async () => {
    await Promise.all([plain.stop(), conditional.stop()]);
  });

  it('is refused with the filesystem catalog, naming target.warehouse and pointing at the SQL catalog', () => {
    let err: unknown;
    try {
      quickstartConfig(`s3://${plain.bucket}/wh`, storageYaml(plain));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PipelineConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain('target.warehouse: the filesystem catalog cannot commit safely on s3://icetide/wh');
    expect(msg).toContain('Use the SQL catalog (target.catalog: sql)');
    expect(msg).toContain('conditional-writes: true');
  });

  it('conditional-writes on a store that ignores If-None-Match: the probe refuses it before anything is written', async () => {
    const config = quickstartConfig(`s3://${plain.bucket}/wh2`, storageYaml(plain, '      conditional-writes: true\n'));
    const err = await buildPipeline(config).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/conditional-writes is set, but http:\/\/127\.0\.0\.1:\d+ ignored If-None-Match on a probe write under s3:\/\/icetide\/wh2/);
    const io = new S3FileIO(plain.storage());
    const left: string[] = [];
    for await (const f of io.list(`s3://${plain.bucket}/wh2`)) left.push(f.location);
    io.destroy();
    expect(left).toEqual([]);
  });

  it('on a store with conditional PUTs: ingest, read back, compact and expire, all on S3', async () => {
    const warehouse = `s3a://${conditional.bucket}/lake`;
    const config = quickstartConfig(warehouse, storageYaml(conditional, '      conditional-writes: true\n'));
    const { runner } = await buildPipeline(config);
    const stats = await runner.run({ once: true, signal: new AbortController().signal, commitIntervalMs: 1000, commitMaxRows: 100_000, idleCommitIntervalMs: 60_000 });
    expect(stats.events).toBe(40);

    const catalog = await openFilesystemCatalog(warehouse, config.target.storage);
    const orders = await catalog.loadTable({ namespace: ['demo'], name: 'orders' });
    expect(orders.metadata.location).toBe(`${warehouse}/demo/orders`);
    const model = applyChangelog(fs.readFileSync(CHANGES, 'utf8').split('\n'), 'shop.orders', 'id');
    const want = [...model.values()].map(orderKey).sort();
    expect((await rows(orders)).map(orderKey).sort()).toEqual(want);
    const files = (await orders.planFiles()).map((t) => t.file.filePath);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(f.startsWith(`${warehouse}/demo/orders/data/`)).toBe(true);

    // compaction reads by range and writes through multipart-capable streams, commits by conditional PUT
    const report = await compactTable(orders);
    expect(report.commits.length).toBeGreaterThan(0);
    expect(orders.currentSnapshot()!.summary.operation).toBe('replace');
    expect((await rows(orders)).map(orderKey).sort()).toEqual(want);

    // expiry deletes the unreachable files with DeleteObjects
    // the pipeline is done: its resume snapshot need not be pinned
    const expired = await expireTable(orders, { olderThanMs: 0, retainLast: 1, pipelineRetentionMs: 0, nowMs: Date.now() + 1000 });
    expect(expired.failures).toEqual([]);
    const gone = [...expired.files.dataFiles, ...expired.files.deleteFiles, ...expired.files.manifests];
    expect(gone.length).toBeGreaterThan(0);
    for (const f of gone) expect(await orders.io.exists(f)).toBe(false);
    expect((await rows(orders)).map(orderKey).sort()).toEqual(want);
  });

  it('with the SQL catalog on a plain S3 store (no conditional PUTs needed): ingest, re-run, compact, remove orphans', async () => {
    const warehouse = `s3://${plain.bucket}/sql-lake`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'icetide-s3-sql-'));
    try {
      const text = fs.readFileSync(QUICKSTART, 'utf8')
        .replace('catalog: filesystem', `catalog: { type: sql, uri: "sqlite:${path.join(dir, 'catalog.db')}", name: lake }`)
        .replace('warehouse: ./warehouse', `warehouse: ${warehouse}\n  storage:\n${storageYaml(plain)}`)
        .replace('path: examples/quickstart-changes.jsonl', `path: ${CHANGES}`);
      const config = parsePipelineConfig(text, QUICKSTART, {});
      const run = async () => {
        const built = await buildPipeline(config);
        try {
          return await built.runner.run({ once: true, signal: new AbortController().signal, commitIntervalMs: 1000, commitMaxRows: 100_000, idleCommitIntervalMs: 60_000 });
        } finally {
          await built.catalog.close?.();
        }
      };
      expect((await run()).events).toBe(40);
      expect((await run()).events).toBe(0); // resumed after the committed position
      // the CLI reads it too: the SQL catalog from --catalog-uri, the store from --storage
      const storageFile = path.join(dir, 'storage.yaml');
      fs.writeFileSync(storageFile, `${storageYaml(plain).replace(/^ {4}/gm, '')}`);
      let out = '';
      const code = await main(['node', 'icetide', 'table', 'count', 'demo.orders', '--catalog-uri', `sqlite:${path.join(dir, 'catalog.db')}`, '--catalog-name', 'lake', '--storage', storageFile, '--json'], { out: (t) => (out += t), err: (t) => (out += t) });
      expect(code, out).toBe(0);
      expect(JSON.parse(out)).toMatchObject({ count: applyChangelog(fs.readFileSync(CHANGES, 'utf8').split('\n'), 'shop.orders', 'id').size });
      const io = new S3FileIO(plain.storage());
      const catalog = new SqlCatalog({ uri: `sqlite:${path.join(dir, 'catalog.db')}`, name: 'lake', warehouse, io });
      try {
        const orders = await catalog.loadTable({ namespace: ['demo'], name: 'orders' });
        expect(orders.metadataLocation).toMatch(new RegExp(`^${warehouse}/demo/orders/metadata/\\d{5}-`));
        const model = applyChangelog(fs.readFileSync(CHANGES, 'utf8').split('\n'), 'shop.orders', 'id');
        const want = [...model.values()].map(orderKey).sort();
        expect((await rows(orders)).map(orderKey).sort()).toEqual(want);
        expect((await compactTable(orders)).commits.length).toBeGreaterThan(0);
        const orphans = await removeOrphans(orders, { dryRun: false, olderThanMs: 0, force: true });
        expect(orphans.failures ?? []).toEqual([]);
        expect((await rows(await catalog.loadTable({ namespace: ['demo'], name: 'orders' }))).map(orderKey).sort()).toEqual(want);
      } finally {
        await catalog.close();
        io.destroy();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

