import { describe, expect, it } from 'vitest';
import { binPack, commitBatches, planCompaction } from '../../manager/compaction/compaction-planner.js';
import { resolveCompactionOptions } from '../../manager/compaction/compaction-options.js';
import type { FileScanTask, PlannedFile } from '../../src/iceberg/scan-planner.js';
import type { DataFile } from '../../src/iceberg/spec/manifest.js';
import type { PartitionSpec } from '../../src/iceberg/spec/partition-spec.js';
import { danglingDeleteFiles } from '../../manager/compaction/dangling-deletes.js';

/** The planner is pure: tasks in, file groups out (no I/O). */
const spec: PartitionSpec = { specId: 0, fields: [{ sourceId: 2, fieldId: 1000, name: 'region', transform: { kind: 'identity' } }] };
const specs = new Map([[0, spec]]);
const MB = 1024 * 1024;

function file(path: string, bytes: number, region: number, content: DataFile['content'] = 'data'): DataFile {
  return { content, filePath: path, fileFormat: 'PARQUET', specId: 0, partition: [region], recordCount: BigInt(Math.ceil(bytes / 100)), fileSizeInBytes: BigInt(bytes) };
}
const planned = (f: DataFile, seq = 1n): PlannedFile => ({ file: f, dataSequenceNumber: seq, fileSequenceNumber: seq });
function task(path: string, bytes: number, region: number, deletes: PlannedFile[] = []): FileScanTask {
  return { ...planned(file(path, bytes, region)), deletes };
}
const opts = { targetFileSizeBytes: 100 * MB, minFileSizeBytes: 75 * MB, deleteFileThreshold: 2 };

describe('planCompaction', () => {
  it('bin-packs small files of one partition into groups of at most the target size', () => {
    const tasks = Array.from({ length: 10 }, (_, i) => task(`a${i}`, 30 * MB, 0));
    const groups = planCompaction(tasks, specs, opts);
    expect(groups.map((g) => g.tasks.length)).toEqual([3, 3, 3, 1].filter((n) => n > 1));
    for (const g of groups) expect(g.inputBytes).toBeLessThanOrEqual(100 * MB);
  });

  it('never mixes partitions or specs', () => {
    const tasks = [task('a', MB, 0), task('b', MB, 1), task('c', MB, 0), task('d', MB, 1)];
    const groups = planCompaction(tasks, specs, opts);
    expect(groups).toHaveLength(2);
    for (const g of groups) expect(new Set(g.tasks.map((t) => t.file.partition[0])).size).toBe(1);
  });

  it('leaves files at or above min-file-size alone, and skips partitions with nothing to gain', () => {
    const tasks = [task('big1', 80 * MB, 0), task('big2', 90 * MB, 0), task('lonely', MB, 1)];
    expect(planCompaction(tasks, specs, opts)).toEqual([]);
  });

  it('picks a big file with more than delete-file-threshold deletes, and a lone small file with deletes', () => {
    const dels = [1, 2, 3].map((i) => planned(file(`d${i}`, 10, 0, 'position-deletes'), 2n));
    const groups = planCompaction([task('big', 90 * MB, 0, dels), task('lone', MB, 1, [dels[0]!])], specs, opts);
    expect(groups.map((g) => [g.tasks[0]!.file.filePath, g.reasons[0]])).toEqual([
      ['big', 'deletes'],
      ['lone', 'small'],
    ]);
    expect(groups[0]!.deleteFiles).toBe(3);
  });

  it('ignores files of a spec the table does not know', () => {
    const t = { ...task('x', MB, 0), file: { ...file('x', MB, 0), specId: 7 } };
    expect(planCompaction([t, { ...t, file: { ...t.file, filePath: 'y' } }], specs, opts)).toEqual([]);
  });

  it('binPack is first-fit decreasing', () => {
    expect(binPack([5, 4, 3, 3, 2, 1], (x) => x, 7)).toEqual([[5, 2], [4, 3], [3, 1]]);
  });

  it('commitBatches keeps a partition in one commit and makes at most N commits', () => {
    const tasks = [0, 1, 2, 3, 4].flatMap((r) => Array.from({ length: 6 }, (_, i) => task(`p${r}-${i}`, 40 * MB, r)));
    const groups = planCompaction(tasks, specs, opts);
    const batches = commitBatches(groups, 2);
    expect(batches).toHaveLength(2);
    const partitionsPerBatch = batches.map((b) => new Set(b.map((g) => g.partitionKey)));
    expect([...partitionsPerBatch[0]!].filter((k) => partitionsPerBatch[1]!.has(k))).toEqual([]);
    expect(batches.flat()).toHaveLength(groups.length);
    expect(commitBatches(groups, 100)).toHaveLength(5);
  });
});

describe('options', () => {
  it('target from the option, else write.target-file-size-bytes, else 128 MiB; min = 0.75 x target', () => {
    expect(resolveCompactionOptions({}, {}).targetFileSizeBytes).toBe(128 * MB);
    const p = resolveCompactionOptions({}, { 'write.target-file-size-bytes': String(64 * MB) });
    expect([p.targetFileSizeBytes, p.minFileSizeBytes]).toEqual([64 * MB, 48 * MB]);
    expect(resolveCompactionOptions({ targetFileSizeBytes: 1000 }, { 'write.target-file-size-bytes': '5' }).targetFileSizeBytes).toBe(1000);
    expect(() => resolveCompactionOptions({ targetFileSizeBytes: 10, minFileSizeBytes: 20 }, {})).toThrow(/min-file-size/);
  });
});

describe('danglingDeleteFiles', () => {
  it('a delete file is dangling when no data file that stays live has it applied', () => {
    const eqGlobal = planned(file('eq-global', 10, 0, 'equality-deletes'), 3n);
    const pos = planned(file('pos', 10, 0, 'position-deletes'), 3n);
    const orphanEq = file('eq-unused', 10, 0, 'equality-deletes');
    const tasks = [task('a', 1, 0, [eqGlobal, pos]), task('b', 1, 1, [eqGlobal])];
    const live = [eqGlobal.file, pos.file, orphanEq];
    expect(danglingDeleteFiles(tasks, live, new Set()).map((f) => f.filePath)).toEqual(['eq-unused']);
    expect(danglingDeleteFiles(tasks, live, new Set(['a'])).map((f) => f.filePath)).toEqual(['pos', 'eq-unused']);
    expect(danglingDeleteFiles(tasks, live, new Set(['a', 'b'])).map((f) => f.filePath)).toEqual(['eq-global', 'pos', 'eq-unused']);
  });
});
