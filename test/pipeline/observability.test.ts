import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/pino-logger.js';
import { scrubSecrets } from '../../src/logging/redaction.js';
import { effectiveState, readPipelineStatuses } from '../../src/pipeline/pipeline-status.js';
import { LocalFileIO } from '../../src/io/local-file-io.js';
import { startCli } from '../support/cli-process.js';
import { useTempDir } from '../support/temp-dir.js';

function capture(): { stream: Writable; text: () => string } {
  let buf = '';
  return { stream: new Writable({ write: (c: Buffer, _e, cb) => ((buf += c.toString()), cb()) }), text: () => buf };
}

describe('logs, metrics and pipeline status', () => {
  const tempDir = useTempDir();

  it('credentials never reach a log line (JSON and pretty)', () => {
    for (const pretty of [false, true]) {
      const out = capture();
      const log = createLogger({ pretty, destination: out.stream });
      log.info('connecting to mysql://repl:s3cr3t-pw@db.internal:3306/shop', { url: 'mysql://repl:s3cr3t-pw@db.internal/shop', password: 's3cr3t-pw', nested: { apiToken: 's3cr3t-pw', ok: 'fine' } });
      log.error('failed', { error: new Error('auth failed for postgres://u:s3cr3t-pw@h/db') });
      const text = out.text();
      expect(text).not.toContain('s3cr3t-pw');
      expect(text).toContain('repl:***@db.internal');
      expect(text).toContain('fine');
    }
    const line = capture();
    createLogger({ destination: line.stream }).info('commit', { events: 5n });
    expect(JSON.parse(line.text())).toMatchObject({ level: 30, msg: 'commit', events: '5' });
    expect(scrubSecrets({ list: ['https://a:b@c/d'] })).toEqual({ list: ['https://a:***@c/d'] });
  });

  it('a running ingest serves Prometheus metrics and publishes its status; a stale heartbeat reads as stalled', async () => {
    const dir = tempDir();
    const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ op: 'c', before: null, after: { id: i }, source: { db: 'shop', table: 'orders', ts_ms: 1_700_000_000_000 + i } }));
    fs.writeFileSync(path.join(dir, 'changes.jsonl'), `${lines.join('\n')}\n`);
    fs.writeFileSync(path.join(dir, 'p.yaml'), `pipeline-id: metrics
source: { type: file, path: changes.jsonl }
tables:
  - { source: shop.orders, target: orders, key-columns: [id], columns: [{ name: id, type: long, nullable: false }] }
target: { catalog: filesystem, warehouse: wh, namespace: db }
commit: { interval-ms: 100 }
`);
    const port = 20000 + Math.floor(Math.random() * 20000);
    const { child, done } = startCli(['ingest', 'p.yaml', '--metrics-port', String(port)], dir);
    let text = '';
    for (let i = 0; i < 100 && !/icetide_commits_total\{[^}]*\} [1-9]/.test(text); i++) {
      await new Promise((r) => setTimeout(r, 100));
      text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()).catch(() => '');
    }
    expect(text).toMatch(/icetide_rows_written_total\{pipeline="metrics",table="db.orders"\} 50/);
    expect(text).toMatch(/icetide_commit_duration_seconds_bucket/);
    expect(text).toMatch(/icetide_watermark_lag_seconds\{pipeline="metrics"\}/);
    const [status] = await readPipelineStatuses(new LocalFileIO(), path.join(dir, 'wh'));
    expect(status).toMatchObject({ pipelineId: 'metrics', state: 'streaming', events: 50, tables: ['db.orders'] });
    child.kill('SIGTERM');
    expect((await done).code).toBe(0);
    const [stopped] = await readPipelineStatuses(new LocalFileIO(), path.join(dir, 'wh'));
    expect(stopped!.state).toBe('stopped');
    expect(effectiveState({ ...stopped!, state: 'streaming' }, stopped!.updatedAtMs + 60_000)).toBe('stalled');
  }, 60_000);

  it('a failing pipeline records the error (without credentials) in its status', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'changes.jsonl'), '{"op":"c","after":{"id":\n');
    fs.writeFileSync(path.join(dir, 'p.yaml'), `pipeline-id: broken
source: { type: file, path: changes.jsonl }
tables:
  - { source: shop.orders, target: orders, key-columns: [id], columns: [{ name: id, type: long, nullable: false }] }
target: { catalog: filesystem, warehouse: wh, namespace: db }
`);
    const r = await startCli(['ingest', 'p.yaml', '--once'], dir).done;
    expect(r.code).toBe(2);
    const [status] = await readPipelineStatuses(new LocalFileIO(), path.join(dir, 'wh'));
    expect(status).toMatchObject({ state: 'failed' });
    expect(status!.lastError).toMatch(/changes\.jsonl:1/);
  }, 30_000);
});
