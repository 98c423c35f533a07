import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compactTable } from '../../manager/compaction/compact-table.js';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { scanTable } from '../../src/iceberg/read/table-scan.js';
import { fileIOFor } from '../../src/io/file-io-registry.js';
import { WebHdfsFileIO } from '../../src/io/webhdfs-file-io.js';
import { parsePipelineConfig } from '../../src/pipeline/config-loader.js';
import { buildPipeline } from '../../src/pipeline/pipeline-builder.js';
import { applyChangelog } from '../support/changelog-model.js';
import { useTempDir } from '../support/temp-dir.js';
import { startWebHdfsServer, type WebHdfsServer } from '../support/webhdfs-server.js';

const QUICKSTART = path.resolve('examples/quickstart.yaml');
const CHANGES = path.resolve('examples/quickstart-changes.jsonl');

/** The quickstart with `warehouse: webhdfs://...` (the filesystem catalog: HDFS renames atomically). */
describe('the quickstart pipeline with a webhdfs:// warehouse', () => {
  const tempDir = useTempDir('icetide-hdfs-pipeline-');
  let server: WebHdfsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('ingests, resumes, compacts and reads back through WebHDFS (storage.hdfs.user)', async () => {
    server = await startWebHdfsServer({ root: tempDir(), batchSize: 4 });
    const warehouse = `webhdfs://${server.host}:${server.port}/lake`;
    const text = fs.readFileSync(QUICKSTART, 'utf8')
      .replace('warehouse: ./warehouse', `warehouse: ${warehouse}\n  storage: { hdfs: { user: icetide } }`)
      .replace('path: examples/quickstart-changes.jsonl', `path: ${CHANGES}`);
    const config = parsePipelineConfig(text, QUICKSTART, {});
    expect(config.target.storage).toEqual({ hdfs: { user: 'icetide' } });
    expect(fileIOFor(warehouse, config.target.storage)).toBeInstanceOf(WebHdfsFileIO);
    const run = async () => (await buildPipeline(config)).runner.run({ once: true, signal: new AbortController().signal, commitIntervalMs: 1000, commitMaxRows: 100_000, idleCommitIntervalMs: 60_000 });
    expect((await run()).events).toBe(40);
    expect((await run()).events).toBe(0);
    const catalog = new FilesystemCatalog(warehouse, new WebHdfsFileIO({ user: 'icetide' }));
    const orders = await catalog.loadTable({ namespace: ['demo'], name: 'orders' });
    const key = (r: Record<string, unknown>) => `${r['id']}|${r['status']}|${r['customer']}`;
    const want = [...applyChangelog(fs.readFileSync(CHANGES, 'utf8').split('\n'), 'shop.orders', 'id').values()].map(key).sort();
    const rows = async () => {
      const out: string[] = [];
      for await (const b of scanTable(orders)) for (const r of b) out.push(key(r));
      return out.sort();
    };
    expect(await rows()).toEqual(want);
    expect((await compactTable(orders, { decodeWorkers: 0 })).commits.length).toBeGreaterThan(0);
    expect(await rows()).toEqual(want);
    const ops = server.requests.filter((r) => r.node === 'namenode');
    expect(ops.length).toBeGreaterThan(0);
    expect(ops.every((r) => r.query.get('user.name') === 'icetide')).toBe(true); // storage.hdfs.user on every call
  });
});
