import { describe, expect, it } from 'vitest';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { scanTable } from '../../src/iceberg/read/table-scan.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { primitive } from '../../src/iceberg/spec/types.js';
import type { ChangeEvent, EventRejection } from '../../src/sink/change-event.js';
import { EventRejectedError } from '../../src/sink/event-rejected-error.js';
import { TableWriter } from '../../src/sink/table-writer.js';
import { useTempDir } from '../support/temp-dir.js';

const schema = new Schema(0, [
  { id: 1, name: 'id', required: true, type: primitive('long') },
  { id: 2, name: 'v', required: false, type: primitive('string') },
], [1]);

let line = 0;
function ev(op: ChangeEvent['op'], before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined): ChangeEvent {
  line++;
  return { table: 'db.t', op, ...(before ? { before } : {}), ...(after ? { after } : {}), position: line, sourceTsMs: 1, origin: `c.jsonl:${line}` };
}

describe('per-event rejections by the table writer', () => {
  const tempDir = useTempDir();

  async function upsertWriter() {
    const t = await new FilesystemCatalog(tempDir()).createTable({ namespace: ['d'], name: 't' }, { schema, properties: { 'format-version': '2' } });
    return TableWriter.open(t, { pipelineId: 'p', mode: 'upsert', keyFilter: false });
  }

  it('with onReject: a delete or update without a usable before-image key is handed over, the rest is written and committed', async () => {
    line = 0;
    const w = await upsertWriter();
    const rejected: EventRejection[] = [];
    await w.write([ev('insert', undefined, { id: 1n, v: 'a' }), ev('insert', undefined, { id: 2n, v: 'b' })], 'incremental');
    await w.write([
      ev('delete', { id: null, v: '' }, undefined), // REPLICA IDENTITY NOTHING-like before-image
      ev('update', { v: 'b' }, { id: 2n, v: 'B' }), // before-image without its key
      ev('delete', undefined, undefined),
      ev('delete', { id: 1n }, undefined),
      ev('insert', undefined, { id: 3n, v: 'c' }),
    ], 'incremental', async (r) => {
      rejected.push(r);
    });
    await w.commit({ position: line, phase: 'incremental' });
    expect(rejected.map((r) => [r.event.origin, r.target, r.reason])).toEqual([
      ['c.jsonl:3', w.table.name, expect.stringMatching(/^c\.jsonl:3: db\.t: key column id is missing or null in the before-image: the source must send at least the key columns in before-images \(Postgres: REPLICA IDENTITY FULL/)],
      ['c.jsonl:4', w.table.name, expect.stringMatching(/^c\.jsonl:4: db\.t: key column id is missing or null in the before-image/)],
      ['c.jsonl:5', w.table.name, expect.stringMatching(/^c\.jsonl:5: db\.t: delete event has no before image: the source must send .*binlog_row_image=FULL\)$/)],
    ]);
    const out: Record<string, unknown>[] = [];
    for await (const b of scanTable(w.table)) out.push(...b);
    expect(out.map((r) => [r.id, r.v]).sort()).toEqual([[2n, 'b'], [3n, 'c']]);
  });

  it('without onReject: the rejection is thrown as EventRejectedError naming the event', async () => {
    line = 0;
    const w = await upsertWriter();
    const err = await w.write([ev('delete', { v: 'x' }, undefined)], 'incremental').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EventRejectedError);
    expect((err as EventRejectedError).event.origin).toBe('c.jsonl:1');
    expect((err as Error).message).toMatch(/^c\.jsonl:1: db\.t: key column id is missing or null in the before-image: the source must send at least the key columns/);
  });
});
