import { scanTable } from '../../src/iceberg/read/table-scan.js';
import type { Table } from '../../src/iceberg/table.js';
import type { ChangeEvent, RowValues } from '../../src/sink/change-event.js';

/** The model-based upsert tests' rows (the region table: id key, region, v) and intents. */
export type ModelRow = { id: bigint; region: number; v: string };
export interface Intent { key: number; kind: 'upsert' | 'delete'; region: number; v: string }

/**
 * Turns intents into well-formed change events against the model state (updated in place):
 * deletes of absent keys are dropped, upserts of present keys become updates. `beforeImage`
 * shapes each event's before-image (default: the whole old row).
 */
export function toEvents<I extends Intent>(intents: readonly I[], state: Map<bigint, ModelRow>, startPos: number, beforeImage: (old: ModelRow, it: I) => RowValues = (old) => old): ChangeEvent[] {
  const out: ChangeEvent[] = [];
  intents.forEach((it, i) => {
    const id = BigInt(it.key);
    const old = state.get(id);
    const position = { line: startPos + i };
    const sourceTsMs = startPos + i;
    if (it.kind === 'delete') {
      if (!old) return;
      state.delete(id);
      out.push({ table: 'src.t', op: 'delete', before: beforeImage(old, it), position, sourceTsMs });
    } else {
      const after = { id, region: it.region, v: it.v };
      state.set(id, after);
      out.push(old ? { table: 'src.t', op: 'update', before: beforeImage(old, it), after, position, sourceTsMs } : { table: 'src.t', op: 'insert', after, position, sourceTsMs });
    }
  });
  return out;
}

/** The table's live rows as sorted `id|region|v` strings. */
export async function scanAll(t: Table): Promise<string[]> {
  const rows: string[] = [];
  for await (const b of scanTable(t)) for (const r of b) rows.push(`${r['id']}|${r['region']}|${r['v']}`);
  return rows.sort();
}

export const modelRows = (m: Map<bigint, ModelRow>): string[] => [...m.values()].map((r) => `${r.id}|${r.region}|${r.v}`).sort();
