import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { primitive } from '../../src/iceberg/spec/types.js';
import { LocalFileIO } from '../../src/io/local-file-io.js';
import { writePipelineStatus } from '../../src/pipeline/pipeline-status.js';
import type { ChangeEvent } from '../../src/sink/change-event.js';
import { TableWriter } from '../../src/sink/table-writer.js';
import { buildApiServer } from '../../manager/http/server.js';
import { renderStatusSections } from '../../manager/http/status-page.js';
import { SqliteStateStore } from '../../manager/state/sqlite-state-store.js';
import { useTempDir } from '../support/temp-dir.js';

/** Debian package `chromium`; .ci/run installs it. */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const schema = new Schema(0, [
  { id: 1, name: 'id', required: true, type: primitive('long') },
  { id: 2, name: 'ts', required: false, type: primitive('timestamptz') },
], [1]);
const T0 = Date.parse('2026-11-23T00:00:00Z');
const ev = (id: number, tsMs: number): ChangeEvent => ({ table: 's', op: 'insert', after: { id: BigInt(id), ts: BigInt(tsMs) * 1000n }, position: id, sourceTsMs: tsMs });

describe('status page in headless Chromium', () => {
  const tempDir = useTempDir();
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('renders the same markup on the server as the shipped renderer', () => {
    const html = renderStatusSections({ generatedAt: 'x', until: null, tables: [], pipelines: [], runs: [], jobs: [] });
    expect(html).toContain('no tables in the warehouse');
  });

  it('loads, shows a table flipping to ready after a commit, pipelines and runs; writes a screenshot', async () => {
    const wh = tempDir();
    const shots = tempDir();
    const catalog = new FilesystemCatalog(wh);
    const table = await catalog.createTable({ namespace: ['db'], name: 'orders' }, { schema });
    const w = await TableWriter.open(table, { pipelineId: 'p1', mode: 'upsert', keyFilter: false });
    await w.write([ev(1, T0)], 'incremental');
    await w.commit({ position: 1, phase: 'incremental', watermarkMs: T0 });
    await writePipelineStatus(new LocalFileIO(), wh, {
      pipelineId: 'p1', state: 'streaming', updatedAtMs: Date.now(), pid: 1, host: 'h', source: 'file:x', tables: ['db.orders'],
      events: 1, commits: 1, rowsPerSecond: 3, watermarkMs: T0, commitIntervalMs: 60_000,
    });
    const store = new SqliteStateStore(':memory:');
    const run = await store.startRun({ table: 'db.orders', job: 'expire', startedAtMs: Date.now(), owner: 't:1' });
    await store.finishRun(run.id, { endedAtMs: Date.now() + 10, result: 'succeeded', summary: 'expired 0 snapshots' });
    const app: FastifyInstance = await buildApiServer({
      catalog, warehouse: wh, io: new LocalFileIO(), store, token: 'tok', refreshMs: 300,
      status: () => ({ jobs: [{ table: 'db.orders', job: 'compact', state: 'below-thresholds', reason: 'below thresholds: data files 1 < 10' }], running: [] }),
    });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const until = new Date(T0 + 60_000).toISOString();
      const res = await page.goto(`${base}/?access_token=tok&until=${encodeURIComponent(until)}`);
      expect(res?.status()).toBe(200);
      const cell = page.locator('tr[data-table="db.orders"] td.ready').first();
      await expect.poll(() => cell.textContent()).toBe('not ready');
      expect(await page.locator('#pipelines tr[data-pipeline="p1"] .state').textContent()).toBe('streaming');
      expect(await page.locator('#runs tr[data-run] .result').first().textContent()).toBe('succeeded');
      expect(await page.locator('#maintenance .reason').first().textContent()).toMatch(/below thresholds/);
      // the page refreshes itself from the JSON API (with the token as a bearer header)
      await expect.poll(async () => Number(await page.locator('body').getAttribute('data-refreshes')), { timeout: 10_000 }).toBeGreaterThan(0);

      await w.write([ev(2, T0 + 60_000)], 'incremental');
      await w.commit({ position: 2, phase: 'incremental', watermarkMs: T0 + 60_000 });
      await expect.poll(() => cell.textContent(), { timeout: 10_000 }).toBe('ready');
      expect(await page.locator('#problem').textContent()).toBe('');
      expect(errors).toEqual([]);

      const file = path.join(shots, 'status-page.png');
      await page.screenshot({ path: file, fullPage: true });
      expect(fs.statSync(file).size).toBeGreaterThan(1000);
      await page.close();
    } finally {
      await app.close();
      await store.close();
    }
  });
});
