import { describe, expect, it } from 'vitest';
import { binlogPosition, snapshotPosition, toMySqlPosition, viewsJson, type KeyPart } from '../../../connectors/mysql/position.js';
import { alreadySnapshotted, keylessAlreadySnapshotted, liveViews, viewOf, withView, type SnapshotView } from '../../../connectors/mysql/snapshot-views.js';
import { resumeTable } from '../../../connectors/mysql/snapshot-resume.js';
import { parseJson, stringifyJson } from '../../../src/iceberg/spec/lossless-json.js';

const at = (pos: number, file = 'binlog.000003') => ({ file, pos });
const key = (...k: KeyPart[]) => () => k;

describe('snapshot read views', () => {
  it('a change ending at or before its table view is already in the snapshot; later ones are replayed', () => {
    const views: SnapshotView[] = [{ table: 0, at: at(900) }, { table: 1, at: at(400) }];
    expect(alreadySnapshotted(views, 0, at(900), [key(5n)])).toBe(true);
    expect(alreadySnapshotted(views, 0, at(500), [key(5n)])).toBe(true);
    expect(alreadySnapshotted(views, 0, at(901), [key(5n)])).toBe(false);
    expect(alreadySnapshotted(views, 1, at(500), [key(5n)])).toBe(false);
    // A table without a view (not read consistently): everything replays.
    expect(alreadySnapshotted(views, 2, at(10), [key(5n)])).toBe(false);
    // Binlog files order by sequence, not text.
    expect(alreadySnapshotted([{ table: 0, at: at(4, 'binlog.000010') }], 0, at(999, 'binlog.000009'), [key(1n)])).toBe(true);
  });

  it('after a restart inside a table, keys up to the committed row keep the old view', () => {
    let views: readonly SnapshotView[] = [{ table: 0, at: at(300) }];
    views = withView(views, { table: 0, after: [100n], at: at(800) });
    // The same segment seen again (every page of the table carries its view) is not added twice.
    expect(withView(views, { table: 0, after: [100n], at: at(800) })).toBe(views);
    expect(viewOf(views, 0, key(50n))).toEqual(at(300));
    expect(viewOf(views, 0, key(100n))).toEqual(at(300));
    expect(viewOf(views, 0, key(101n))).toEqual(at(800));
    // A change at 500: in the second segment's rows, not in the first's.
    expect(alreadySnapshotted(views, 0, at(500), [key(101n)])).toBe(true);
    expect(alreadySnapshotted(views, 0, at(500), [key(99n)])).toBe(false);
    // A key-changing update across the two segments replays (never loses the old segment's half).
    expect(alreadySnapshotted(views, 0, at(500), [key(99n), key(101n)])).toBe(false);
    // Three segments, composite text keys.
    const v3 = withView(withView([{ table: 1, at: at(10) }], { table: 1, after: ['m', 5n], at: at(20) }), { table: 1, after: ['t', 0n], at: at(30) });
    expect([key('a', 1n), key('m', 5n), key('m', 6n), key('s', 9n), key('z', 0n)].map((k) => viewOf(v3, 1, k)?.pos)).toEqual([10, 10, 20, 20, 30]);
  });

  it('views that the replay has passed are dropped; positions carry the rest through a JSON round trip', () => {
    const views: SnapshotView[] = [{ table: 0, at: at(300) }, { table: 1, after: ['k\u00e9y'], at: at(700) }];
    expect(liveViews(views, at(300))).toEqual([views[1]]);
    expect(liveViews(views, at(100))).toBe(views);
    expect(liveViews(views, at(700))).toEqual([]);
    // A table's segments are dropped together: key 50 must not fall to the later segment's view.
    const segs: SnapshotView[] = [{ table: 0, at: at(300) }, { table: 0, after: [100n], at: at(800) }];
    const kept = liveViews(segs, at(500));
    expect(kept).toBe(segs);
    expect(alreadySnapshotted(kept, 0, at(600), [key(50n)])).toBe(false);
    expect(liveViews(segs, at(800))).toEqual([]);
    for (const p of [binlogPosition(at(350), viewsJson(views)), snapshotPosition({ snapshot: at(200), table: 1, key: [7n] }, viewsJson(views))]) {
      const back = toMySqlPosition(parseJson(stringifyJson(p))!);
      expect(back.kind === 'binlog' ? back.views : back.at.views).toEqual(views);
    }
    // No views: the position is the plain one.
    expect(binlogPosition(at(5), [])).toEqual({ file: 'binlog.000003', pos: 5 });
    expect(() => toMySqlPosition({ file: 'binlog.000003', pos: 5, views: [{ table: 'x' }] })).toThrow(/bad view/);
  });
});

describe('snapshot read views of a keyless table', () => {
  it('inserts skip up to the latest segment view (they land in its tail); updates and deletes only up to the earliest', () => {
    const views: SnapshotView[] = [{ table: 2, at: at(300) }, { table: 2, after: [], at: at(800) }];
    expect(keylessAlreadySnapshotted(views, 2, at(500), true)).toBe(true);
    expect(keylessAlreadySnapshotted(views, 2, at(801), true)).toBe(false);
    expect(keylessAlreadySnapshotted(views, 2, at(500), false)).toBe(false);
    expect(keylessAlreadySnapshotted(views, 2, at(300), false)).toBe(true);
    expect(keylessAlreadySnapshotted(views, 3, at(1), true)).toBe(false);
  });
});

describe('resuming a table of a full load from its targets\' positions', () => {
  const p0 = at(100);
  const snap = (table: number, k: KeyPart[], views: readonly SnapshotView[] = [], row?: number) => ({ kind: 'snapshot' as const, at: { snapshot: p0, table, key: k, ...(row !== undefined ? { row } : {}), views } });
  const v1: SnapshotView = { table: 1, at: at(300) };

  it('every target past the table: not read again, its views kept', () => {
    const r = resumeTable(1, p0, [{ kind: 'binlog', at: at(400), views: [v1] }, snap(2, [1n], [v1])], []);
    expect(r.skip).toBe(true);
    expect(r.merged).toEqual([v1]);
  });

  it('all targets at the same row: read after it, in a new view segment starting there', () => {
    const r = resumeTable(1, p0, [snap(1, [50n], [v1]), snap(1, [50n], [v1])], []);
    expect(r).toMatchObject({ skip: false, after: [50n], segment: { after: [50n] } });
    expect(r.views).toEqual([v1]);
  });

  it('targets at different rows: read from the lowest, no new segment (old views replay more, never less)', () => {
    const r = resumeTable(1, p0, [snap(1, [50n], [v1]), snap(1, [80n], [v1])], []);
    expect(r).toMatchObject({ skip: false, after: [50n], segment: null });
  });

  it('nothing of the table committed: read whole in a fresh view; a keyless table resumes by ordinal', () => {
    expect(resumeTable(1, p0, [snap(0, [9n]), undefined], [])).toMatchObject({ skip: false, segment: {} });
    expect(resumeTable(1, p0, [], [])).toMatchObject({ skip: false, segment: {} });
    const keyless = resumeTable(1, p0, [snap(1, [], [v1], 2100)], []);
    expect(keyless).toMatchObject({ skip: false, skipRows: 2100, segment: { after: [2100n] } });
    expect(keyless.after).toBeUndefined();
  });

  it('a keyless table restarted twice inside its scan keeps both restarts\' views (rows inserted between them are in the second scan, not replayed)', () => {
    // Run 1 reads rows 0.. in view 300, hands over 1000 rows; run 2 resumes at ordinal 1000 in
    // view 800, hands over up to 2100; run 3 resumes at 2100 in view 1500. An insert ending at
    // 1200 was read by run 3's scan (rows inserted after 800 follow every older row), so the
    // replay must skip it: the third segment's view must be kept beside the second's.
    let views: readonly SnapshotView[] = [{ table: 1, at: at(300) }];
    const run2 = resumeTable(1, p0, [snap(1, [], views, 1000)], views);
    views = withView(run2.merged, { table: 1, at: at(800), ...run2.segment });
    const run3 = resumeTable(1, p0, [snap(1, [], views, 2100)], views);
    views = withView(run3.merged, { table: 1, at: at(1500), ...run3.segment });
    expect(views.map((v) => v.at.pos)).toEqual([300, 800, 1500]);
    expect(keylessAlreadySnapshotted(views, 1, at(1200), true)).toBe(true);
    expect(keylessAlreadySnapshotted(views, 1, at(1501), true)).toBe(false);
    // Through the position JSON and back, the segments stay apart.
    const back = toMySqlPosition(parseJson(stringifyJson(binlogPosition(at(100), viewsJson(views))))!);
    expect(back.kind === 'binlog' && back.views).toEqual(views);
    // Run 4 is killed before it commits a row; run 5 resumes at the same ordinal in view 2000:
    // run 4's view is replaced (none of its rows were committed; run 5's scan holds the inserts
    // up to 2000), for a keyed segment too.
    const run5 = resumeTable(1, p0, [snap(1, [], views, 2100)], views);
    views = withView(run5.merged, { table: 1, at: at(2000), ...run5.segment });
    expect(views.map((v) => v.at.pos)).toEqual([300, 800, 2000]);
    expect(keylessAlreadySnapshotted(views, 1, at(1800), true)).toBe(true);
    const keyed = withView([{ table: 0, at: at(300) }, { table: 0, after: [50n], at: at(800) }], { table: 0, after: [50n], at: at(900) });
    expect(keyed).toEqual([{ table: 0, at: at(300) }, { table: 0, after: [50n], at: at(900) }]);
  });

  it('a position of another full load (another P0) counts as nothing committed', () => {
    const other = { kind: 'snapshot' as const, at: { snapshot: at(50), table: 1, key: [5n] } };
    expect(resumeTable(1, p0, [other], [])).toMatchObject({ skip: false, segment: {} });
  });
});
