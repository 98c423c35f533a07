import { describe, expect, it } from 'vitest';
import type { TableMetadata } from '../../src/iceberg/spec/table-metadata.js';
import { cadenceAllowsStart, waitForCommitWindow, writerCadence } from '../../manager/daemon/writer-cadence.js';

/** Only the fields the cadence reads. */
function md(snaps: { t: number; writer: boolean }[]): TableMetadata {
  return {
    snapshots: snaps.map((s, i) => ({ snapshotId: BigInt(i + 1), timestampMs: s.t, summary: s.writer ? { operation: 'append', 'icetide.pipeline-id': 'p' } : { operation: 'replace' } })),
  } as unknown as TableMetadata;
}

describe('writer cadence (start right after a writer commit, never in its commit window)', () => {
  const every10s = md([0, 10_000, 20_000, 25_000, 30_000, 40_000].map((t, i) => ({ t, writer: i !== 3 })));

  it('reads the median gap between the writer commits, ignoring maintenance commits', () => {
    expect(writerCadence(every10s)).toEqual({ intervalMs: 10_000, lastCommitMs: 40_000, commits: 5 });
    expect(writerCadence(md([{ t: 0, writer: true }, { t: 5, writer: true }]))).toBeUndefined(); // too few to tell
  });

  it('allows a start in the first half of the cycle, waits for the next commit in the second half', () => {
    const c = writerCadence(every10s);
    expect(cadenceAllowsStart(c, 41_000)).toEqual({ start: true });
    expect(cadenceAllowsStart(c, 45_000)).toEqual({ start: true });
    const wait = cadenceAllowsStart(c, 47_000);
    expect(wait).toMatchObject({ start: false, retryAtMs: 50_000, reason: expect.stringMatching(/every ~10s/) });
    expect(cadenceAllowsStart(c, 52_000)).toEqual({ start: true }); // the writer should have committed at 50 s: next cycle
    expect(cadenceAllowsStart(c, 40_000 + 31_000)).toEqual({ start: true }); // silent for > 3 intervals: no cadence
    expect(cadenceAllowsStart(undefined, 47_000)).toEqual({ start: true });
  });

  it('a job about to commit in the second half of the cycle waits for the writer commit, then goes', async () => {
    let now = 47_000;
    let reads = 0;
    const after = md([0, 10_000, 20_000, 30_000, 40_000, 50_000].map((t) => ({ t, writer: true })));
    const refresh = async () => {
      reads++;
      if (reads === 3) now = 50_100; // the writer commits while we wait
      return reads >= 3 ? after : every10s;
    };
    await waitForCommitWindow(refresh, new AbortController().signal, () => now);
    expect(reads).toBe(3);
    // no cadence: no wait, one read
    let n = 0;
    await waitForCommitWindow(async () => (n++, md([])), new AbortController().signal);
    expect(n).toBe(1);
  });
});
