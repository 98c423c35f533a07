import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { CommitConflictError, ValidationError } from '../../src/errors.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { decimal, primitive } from '../../src/iceberg/spec/types.js';
import type { Table } from '../../src/iceberg/table.js';
import { parseTableMetadata, serializeTableMetadata } from '../../src/iceberg/spec/table-metadata-parser.js';
import { dataFile, equalityDeletes, positionDeletes } from '../support/data-files.js';
import { useTempDir } from '../support/temp-dir.js';

const schema = new Schema(0, [
  { id: 1, name: 'id', required: true, type: primitive('long') },
  { id: 2, name: 'name', required: false, type: primitive('string') },
  { id: 3, name: 'qty', required: false, type: primitive('int') },
  { id: 4, name: 'price', required: false, type: decimal(9, 2) },
], [1]);

describe('table operations', () => {
  const tempDir = useTempDir();
  const newTable = async (props: Record<string, string> = {}, formatVersion: 1 | 2 = 2): Promise<{ table: Table; catalog: FilesystemCatalog }> => {
    const catalog = new FilesystemCatalog(tempDir());
    const table = await catalog.createTable({ namespace: ['db'], name: 't' }, { schema, properties: props, formatVersion });
    return { table, catalog };
  };

  describe('append', () => {
    it('adds files in a new snapshot with summary counts and totals', async () => {
      const { table } = await newTable();
      const a = dataFile({ recordCount: 5n, fileSizeInBytes: 100n });
      const b = dataFile({ recordCount: 7n, fileSizeInBytes: 200n });
      const { snapshot } = await table.newAppend().appendFile(a).appendFile(b).set('icetide.pipeline-id', 'p1').commit();
      expect(snapshot.summary).toMatchObject({
        operation: 'append', 'added-data-files': '2', 'added-records': '12', 'added-files-size': '300',
        'total-data-files': '2', 'total-records': '12', 'total-files-size': '300', 'total-delete-files': '0', 'icetide.pipeline-id': 'p1',
      });
      expect(snapshot.sequenceNumber).toBe(1n);
      const { snapshot: s2 } = await table.newAppend().appendFile(dataFile({ recordCount: 1n, fileSizeInBytes: 1n })).commit();
      expect(s2.sequenceNumber).toBe(2n);
      expect(s2.parentSnapshotId).toBe(snapshot.snapshotId);
      expect(s2.summary['total-records']).toBe('13');
      expect(table.metadata.currentSnapshotId).toBe(s2.snapshotId);
      expect(table.metadata.refs['main']?.snapshotId).toBe(s2.snapshotId);
      const plan = await table.planFiles();
      expect(plan.map((p) => p.file.filePath).sort()).toEqual([a.filePath, b.filePath, expect.any(String)].sort());
      // data sequence numbers are inherited from the manifest list
      expect(plan.find((p) => p.file.filePath === a.filePath)!.dataSequenceNumber).toBe(1n);
    });

    it('writes metadata that reads back identically', async () => {
      const { table } = await newTable({ 'write.format.default': 'parquet' });
      await table.newAppend().appendFile(dataFile()).commit();
      const text = fs.readFileSync(table.metadataLocation!, 'utf8');
      const parsed = parseTableMetadata(text, table.metadataLocation);
      expect(parsed).toEqual(table.metadata);
      expect(serializeTableMetadata(parsed)).toBe(text);
      expect(table.metadata.metadataLog.length).toBe(1); // v1 recorded when v2 replaced it
    });

    it('v1 tables get sequence number 0 and refuse delete files', async () => {
      const { table } = await newTable({}, 1);
      const { snapshot } = await table.newAppend().appendFile(dataFile()).commit();
      expect(snapshot.sequenceNumber).toBe(0n);
      expect((await table.planFiles())[0]!.dataSequenceNumber).toBe(0n);
      await expect(table.newRowDelta().addDeletes(positionDeletes()).commit()).rejects.toThrow(/format v2/);
    });
  });

  describe('row delta and the sequence-number rules (spec "Scan Planning")', () => {
    it('equality deletes apply only to older data; position deletes to same-or-older', async () => {
      const { table } = await newTable();
      const old = dataFile();
      await table.newAppend().appendFile(old).commit();
      const fresh = dataFile();
      const eq = equalityDeletes([1]);
      const pos = positionDeletes({ lowerBounds: undefined });
      const { snapshot } = await table.newRowDelta().addRows(fresh).addDeletes(eq).addDeletes(pos).commit();
      expect(snapshot.summary.operation).toBe('overwrite');
      expect(snapshot.summary['added-equality-delete-files']).toBe('1');
      expect(snapshot.summary['added-position-delete-files']).toBe('1');
      const plan = new Map((await table.planFiles()).map((t) => [t.file.filePath, t.deletes.map((d) => d.file.filePath).sort()]));
      expect(plan.get(old.filePath)).toEqual([eq.filePath, pos.filePath].sort());
      // same sequence number: the equality delete must not remove rows written in its own commit
      expect(plan.get(fresh.filePath)).toEqual([pos.filePath]);
    });

    it('partitioned deletes apply only to their partition; unpartitioned equality deletes are global', async () => {
      const catalog = new FilesystemCatalog(tempDir());
      const spec = { specId: 0, fields: [{ sourceId: 3, fieldId: 1000, name: 'qty', transform: { kind: 'identity' as const } }] };
      const table = await catalog.createTable({ namespace: ['db'], name: 'p' }, { schema, spec });
      const p1 = dataFile({ partition: [1] });
      const p2 = dataFile({ partition: [2] });
      await table.newAppend().appendFile(p1).appendFile(p2).commit();
      const eq1 = equalityDeletes([1], { partition: [1] });
      await table.newRowDelta().addDeletes(eq1).commit();
      const plan = new Map((await table.planFiles()).map((t) => [t.file.filePath, t.deletes.map((d) => d.file.filePath)]));
      expect(plan.get(p1.filePath)).toEqual([eq1.filePath]);
      expect(plan.get(p2.filePath)).toEqual([]);
    });

    it('rejects position deletes whose data file a concurrent commit removed', async () => {
      const { table, catalog } = await newTable();
      const target = dataFile();
      await table.newAppend().appendFile(target).commit();
      const delta = table.newRowDelta().addDeletes(positionDeletes()).validateDataFilesExist([target.filePath]);
      const other = await catalog.loadTable({ namespace: ['db'], name: 't' });
      await other.newDelete().deleteFile(target.filePath).commit();
      const err = await delta.commit().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CommitConflictError);
      expect((err as CommitConflictError).message).toMatch(/assertReferencedDataFilesLive/);
    });
  });

  describe('overwrite and delete', () => {
    it('removes files, records DELETED entries and updates totals', async () => {
      const { table } = await newTable();
      const a = dataFile({ recordCount: 3n });
      const b = dataFile({ recordCount: 4n });
      await table.newAppend().appendFile(a).appendFile(b).commit();
      const c = dataFile({ recordCount: 5n });
      const { snapshot } = await table.newOverwrite().deleteFile(a).addFile(c).commit();
      expect(snapshot.summary).toMatchObject({ operation: 'overwrite', 'deleted-records': '3', 'removed-data-files': '1', 'total-records': '9', 'total-data-files': '2' });
      expect((await table.planFiles()).map((t) => t.file.filePath).sort()).toEqual([b.filePath, c.filePath].sort());
      const entries = await table.entries();
      expect(entries.find((e) => e.dataFile.filePath === a.filePath)?.status).toBe('deleted');
      const { snapshot: d } = await table.newDelete().deleteFile(b.filePath).commit();
      expect(d.summary.operation).toBe('delete');
      expect(d.summary['total-records']).toBe('5');
    });

    it('refuses to remove a file that is not live', async () => {
      const { table } = await newTable();
      await table.newAppend().appendFile(dataFile()).commit();
      await expect(table.newDelete().deleteFile('/nowhere/missing.parquet').commit()).rejects.toBeInstanceOf(ValidationError);
    });
  });

  describe('rewrite (compaction commit)', () => {
    it('keeps the data sequence number so concurrent equality deletes still apply', async () => {
      const { table, catalog } = await newTable();
      const small1 = dataFile();
      const small2 = dataFile();
      await table.newAppend().appendFile(small1).appendFile(small2).commit();
      const startSeq = table.currentSnapshot()!.sequenceNumber;
      const rewrite = table.newRewrite();
      const merged = dataFile({ recordCount: 20n });
      rewrite.rewriteFiles([small1, small2], [merged], startSeq);
      // a streaming writer commits an equality delete meanwhile
      const writer = await catalog.loadTable({ namespace: ['db'], name: 't' });
      const eq = equalityDeletes([1]);
      await writer.newRowDelta().addDeletes(eq).commit();
      const { snapshot } = await rewrite.commit();
      expect(snapshot.summary.operation).toBe('replace');
      const plan = await table.planFiles();
      expect(plan).toHaveLength(1);
      expect(plan[0]!.file.filePath).toBe(merged.filePath);
      expect(plan[0]!.dataSequenceNumber).toBe(startSeq);
      expect(plan[0]!.deletes.map((d) => d.file.filePath)).toEqual([eq.filePath]);
    });

    it('conflicts when a concurrent position delete may target a rewritten file', async () => {
      const { table, catalog } = await newTable();
      const f = dataFile();
      await table.newAppend().appendFile(f).commit();
      const rewrite = table.newRewrite().rewriteFiles([f], [dataFile()], table.currentSnapshot()!.sequenceNumber);
      const writer = await catalog.loadTable({ namespace: ['db'], name: 't' });
      await writer.newRowDelta().addDeletes(positionDeletes({ referencedDataFile: f.filePath })).commit();
      await expect(rewrite.commit()).rejects.toThrow(/assertNoNewDeletesFor/);
    });

    it('without a pinned sequence number, concurrent equality deletes conflict', async () => {
      const { table, catalog } = await newTable();
      const f = dataFile();
      await table.newAppend().appendFile(f).commit();
      const rewrite = table.newRewrite().rewriteFiles([f], [dataFile()]);
      const writer = await catalog.loadTable({ namespace: ['db'], name: 't' });
      await writer.newRowDelta().addDeletes(equalityDeletes([1])).commit();
      await expect(rewrite.commit()).rejects.toBeInstanceOf(CommitConflictError);
    });
  });

  describe('metadata updates', () => {
    it('sets and removes properties', async () => {
      const { table } = await newTable({ a: '1' });
      await table.updateProperties().set('b', '2').remove('a').commit();
      expect(table.metadata.properties).toEqual({ b: '2' });
    });

    it('evolves the schema: optional columns with fresh ids, widening only', async () => {
      const { table } = await newTable();
      await table.updateSchema().addColumn('note', primitive('string')).updateColumn('qty', primitive('long')).updateColumn('price', decimal(12, 2)).commit();
      const s = table.schema();
      expect(s.schemaId).toBe(1);
      expect(s.findFieldByName('note')).toMatchObject({ id: 5, required: false });
      expect(s.findFieldByName('qty')?.type).toEqual(primitive('long'));
      expect(table.metadata.lastColumnId).toBe(5);
      await expect(table.updateSchema().updateColumn('name', primitive('int')).commit()).rejects.toThrow(/cannot change name from string to int/);
      await expect(table.updateSchema().updateColumn('price', decimal(10, 2)).commit()).rejects.toThrow(/decimal/);
      // a dropped id is never reused
      await table.updateSchema().deleteColumn('note').commit();
      await table.updateSchema().addColumn('note2', primitive('int')).commit();
      expect(table.schema().findFieldByName('note2')?.id).toBe(6);
    });

    it('rolls back to an earlier snapshot and tags one', async () => {
      const { table } = await newTable();
      const { snapshot: s1 } = await table.newAppend().appendFile(dataFile()).commit();
      await table.newAppend().appendFile(dataFile()).commit();
      await table.manageSnapshots().setCurrentSnapshot(s1.snapshotId).setTag('v1', s1.snapshotId).commit();
      expect(table.metadata.currentSnapshotId).toBe(s1.snapshotId);
      expect(table.metadata.refs['v1']).toEqual({ snapshotId: s1.snapshotId, type: 'tag' });
      expect(await table.planFiles()).toHaveLength(1);
    });
  });

  describe('expireSnapshots', () => {
    it('returns exactly the files no retained snapshot reaches', async () => {
      const { table } = await newTable();
      const a = dataFile();
      const { snapshot: s1 } = await table.newAppend().appendFile(a).commit();
      const b = dataFile();
      await table.newAppend().appendFile(b).commit();
      await table.newDelete().deleteFile(a).commit();
      const manifestsBefore = new Set((await table.manifests(s1.snapshotId)).map((m) => m.manifestPath));
      const result = await table.expireSnapshots().expireOlderThan(Date.now() + 1000).retainLast(1).expire();
      expect(result.expiredSnapshotIds).toHaveLength(2);
      expect(result.unreachable.dataFiles).toEqual([]); // `a` is still named by a DELETED entry of the retained manifest
      expect(result.unreachable.manifestLists).toHaveLength(2);
      // every manifest still reachable from the retained snapshot is not reported
      const retained = new Set((await table.manifests()).map((m) => m.manifestPath));
      for (const m of result.unreachable.manifests) expect(retained.has(m)).toBe(false);
      expect(manifestsBefore.size).toBeGreaterThan(0);
      expect(table.snapshots()).toHaveLength(1);
      // once the deleting snapshot is gone too, `a` becomes unreachable
      const { snapshot: s4 } = await table.newAppend().appendFile(dataFile()).commit();
      const again = await table.expireSnapshots().expireOlderThan(Date.now() + 1000).retainLast(1).expire();
      // s4 no longer carries the manifest whose only entry is `a` DELETED, so `a` is now unreachable
      expect(again.unreachable.dataFiles).toEqual([a.filePath]);
      expect(table.metadata.currentSnapshotId).toBe(s4.snapshotId);
    });

    it('never expires ref heads or pinned snapshots', async () => {
      const { table } = await newTable();
      const { snapshot: s1 } = await table.newAppend().appendFile(dataFile()).commit();
      const { snapshot: s2 } = await table.newAppend().appendFile(dataFile()).commit();
      await table.newAppend().appendFile(dataFile()).commit();
      await table.manageSnapshots().setTag('keep', s1.snapshotId).commit();
      const r = await table.expireSnapshots().expireOlderThan(Date.now() + 1000).keep(s2.snapshotId).expire();
      expect(r.expiredSnapshotIds).toEqual([]);
      await expect(table.expireSnapshots().expireSnapshotId(s1.snapshotId).expire()).rejects.toThrow(/ref head|retained|pinned/);
    });
  });

  describe('optimistic concurrency', () => {
    it('4 committers appending 50 times each: all 200 snapshots survive', async () => {
      const warehouse = tempDir();
      const catalog = new FilesystemCatalog(warehouse);
      const id = { namespace: ['db'], name: 'busy' };
      await catalog.createTable(id, { schema, properties: { 'commit.retry.num-retries': '1000', 'commit.retry.min-wait-ms': '1', 'commit.retry.max-wait-ms': '20' } });
      const written: string[] = [];
      await Promise.all(
        [0, 1, 2, 3].map(async (w) => {
          const t = await new FilesystemCatalog(warehouse).loadTable(id);
          for (let i = 0; i < 50; i++) {
            const f = dataFile({ filePath: `/nowhere/w${w}-${i}.parquet`, recordCount: 1n });
            written.push(f.filePath);
            await t.newAppend().appendFile(f).commit();
          }
        }),
      );
      const t = await catalog.loadTable(id);
      expect(t.snapshots()).toHaveLength(200);
      expect(t.currentSnapshot()!.sequenceNumber).toBe(200n);
      expect(t.currentSnapshot()!.summary['total-records']).toBe('200');
      expect((await t.planFiles()).map((p) => p.file.filePath).sort()).toEqual(written.sort());
      // the history is one linear chain
      const ids = new Set(t.snapshots().map((s) => s.snapshotId));
      expect(t.snapshots().filter((s) => s.parentSnapshotId === undefined || !ids.has(s.parentSnapshotId))).toHaveLength(1);
      // failed attempts left no manifest lists behind
      const lists = fs.readdirSync(path.join(warehouse, 'db', 'busy', 'metadata')).filter((f) => f.startsWith('snap-'));
      expect(lists).toHaveLength(200);
    }, 120_000);

    it('gives up with CommitConflictError naming both snapshots when retries run out', async () => {
      const warehouse = tempDir();
      const catalog = new FilesystemCatalog(warehouse);
      const id = { namespace: ['db'], name: 't' };
      await catalog.createTable(id, { schema, properties: { 'commit.retry.num-retries': '0' } });
      const a = await catalog.loadTable(id);
      const b = await catalog.loadTable(id);
      const { snapshot } = await a.newAppend().appendFile(dataFile()).commit();
      // b's base is stale; its metadata version v2 now exists -> lost race, no retries left
      const err = await b.updateProperties().set('x', 'y').commit().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CommitConflictError);
      expect((err as CommitConflictError).foundSnapshotId).toBe(snapshot.snapshotId);
      expect((err as Error).message).toContain(String(snapshot.snapshotId));
    });
  });
});
