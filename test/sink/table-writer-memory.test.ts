import { describe, expect, it } from 'vitest';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { scanTable } from '../../src/iceberg/read/table-scan.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { primitive } from '../../src/iceberg/spec/types.js';
import type { ChangeEvent } from '../../src/sink/change-event.js';
import { TableWriter } from '../../src/sink/table-writer.js';
import { useTempDir } from '../support/temp-dir.js';

describe('memory bound across partitions', () => {
  const tempDir = useTempDir();

  it('keeps the row groups buffered across many open partition files under write.icetide.max-buffered-bytes', async () => {
    const pschema = new Schema(0, [{ id: 1, name: 'id', required: true, type: primitive('long') }, { id: 2, name: 'p', required: false, type: primitive('int') }, { id: 3, name: 'pad', required: false, type: primitive('string') }], [1]);
    const t = await new FilesystemCatalog(tempDir()).createTable({ namespace: ['d'], name: 'fan' }, {
      schema: pschema,
      spec: { specId: 0, fields: [{ sourceId: 2, fieldId: 1000, name: 'p', transform: { kind: 'identity' } }] },
      properties: { 'write.icetide.max-buffered-bytes': String(2 * 1024 * 1024), 'write.parquet.compression-codec': 'uncompressed' },
    });
    const w = await TableWriter.open(t, { pipelineId: 'p', mode: 'append' });
    const pad = 'x'.repeat(200);
    let peakBuffered = 0;
    for (let b = 0; b < 20; b++) {
      const events: ChangeEvent[] = Array.from({ length: 4096 }, (_, i) => ({ table: 's', op: 'insert', after: { id: BigInt(b * 4096 + i), p: i % 50, pad }, position: i, sourceTsMs: i }));
      await w.write(events, 'incremental');
      const buffered = [...(w as unknown as { state: { appenders: Map<string, { appender: { bufferedBytes: number } }> } }).state.appenders.values()].reduce((n, a) => n + a.appender.bufferedBytes, 0);
      peakBuffered = Math.max(peakBuffered, buffered);
    }
    expect(peakBuffered).toBeLessThan(2 * 1024 * 1024 + 50 * 64 * 1024); // the cap plus what arrives between checks
    const stats = await w.commit({ position: 1, phase: 'incremental' });
    expect(stats!.rows).toBe(20 * 4096);
    let n = 0;
    for await (const batch of scanTable(t)) n += batch.length;
    expect(n).toBe(20 * 4096);
  });
});
