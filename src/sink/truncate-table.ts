import type { Table } from '../iceberg/table.js';
import { currentWatermark, SUMMARY } from './resume-state.js';

/**
 * Empties a mirror table after the source table was truncated: one `delete` snapshot removing
 * every live data and delete file (no rows are rewritten). The readiness watermark is carried
 * forward (the truncation does not move it); `icetide.truncated` names the source table.
 * Returns the number of files removed (0: nothing committed).
 */
export async function truncateTable(table: Table, sourceTable: string): Promise<number> {
  await table.refresh();
  const snap = table.currentSnapshot();
  if (!snap) return 0;
  const live = (await table.entries(snap.snapshotId)).filter((e) => e.status !== 'deleted');
  if (live.length === 0) return 0;
  const op = table.newDelete();
  for (const e of live) op.deleteFile(e.dataFile);
  op.set('icetide.truncated', sourceTable);
  const wm = currentWatermark(table.metadata);
  if (wm !== undefined) op.set(SUMMARY.watermark, String(wm));
  await op.commit();
  return live.length;
}
