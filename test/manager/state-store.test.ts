import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStateStore } from '../../manager/state/sqlite-state-store.js';
import { useTempDir } from '../support/temp-dir.js';

describe('SQLite state store', () => {
  const tempDir = useTempDir();

  it('records runs from start to end, lists them newest first, filtered, and survives a reopen', async () => {
    const file = path.join(tempDir(), 'nested', 'manager.db');
    const s = new SqliteStateStore(file);
    const a = await s.startRun({ table: 'db.a', job: 'expire', startedAtMs: 1000, owner: 'h:1' });
    expect(a).toMatchObject({ id: 1, result: 'running', filesIn: 0 });
    expect(await s.lastRun('db.a', 'expire')).toBeUndefined(); // a running run is not "last"
    await s.finishRun(a.id, { endedAtMs: 1500, result: 'succeeded', filesIn: 4, bytesIn: 4096, filesOut: 1, bytesOut: 1024, summary: 'ok' });
    const b = await s.startRun({ table: 'db.b', job: 'compact', startedAtMs: 2000, owner: 'h:1' });
    await s.finishRun(b.id, { endedAtMs: 2100, result: 'failed', error: 'boom' });
    await s.startRun({ table: 'db.a', job: 'compact', startedAtMs: 3000, owner: 'h:1' });
    await s.close();

    const r = new SqliteStateStore(file);
    expect((await r.listRuns()).map((x) => [x.table, x.job, x.result])).toEqual([['db.a', 'compact', 'running'], ['db.b', 'compact', 'failed'], ['db.a', 'expire', 'succeeded']]);
    expect((await r.listRuns({ table: 'db.a', limit: 1 })).map((x) => x.job)).toEqual(['compact']);
    expect((await r.listRuns({ job: 'compact', result: 'failed' }))[0]).toMatchObject({ error: 'boom', endedAtMs: 2100 });
    expect(await r.lastRun('db.a', 'expire')).toMatchObject({ bytesIn: 4096, bytesOut: 1024, summary: 'ok' });
    expect(await r.totals()).toContainEqual({ table: 'db.a', job: 'expire', result: 'succeeded', runs: 1, bytesIn: 4096, bytesOut: 1024, filesIn: 4, filesOut: 1 });
    // a restarted manager on the same host marks what its predecessor left running as aborted
    expect(await r.abandonRunning('other-host', 4000)).toBe(0);
    expect(await r.abandonRunning('h', 4000)).toBe(1);
    expect((await r.listRuns({ table: 'db.a', job: 'compact' }))[0]).toMatchObject({ result: 'aborted', endedAtMs: 4000, error: expect.stringMatching(/stopped during the run/) });
    await r.close();
  });
});
