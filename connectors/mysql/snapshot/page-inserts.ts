/**
 * A reader worker's page as the sink's columnar inserts (change-event.ts InsertColumns):
 * typed columns, packed text and packed binary pass through (no copy), and
 * each row's snapshot position is made from its key's text only when asked for.
 */
import type { JsonValue } from '../../../src/iceberg/spec/lossless-json.js';
import { PackedBinary, PackedStrings, type ColumnArray } from '../../../src/parquet/packed-bytes.js';
import type { InsertColumns } from '../../../src/sink/change-event.js';
import { snapshotPosition, type BinlogPosition, type KeyPart } from '../position.js';
import { utf8 } from './buffer-text.js';
import type { WireColumn } from './page-columns.js';
import type { PageMessage } from './reader-protocol.js';
import { keyPartFromText } from './snapshot-sql.js';
import type { TablePlan } from './snapshot-tasks.js';

function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * A wire column as the values the sink takes, with its null mask. Text stays packed UTF-8
 * (written without a string per value); text that is not well-formed UTF-8 becomes strings,
 * with U+FFFD for the bad bytes, as the connector's decoders make of it everywhere else.
 */
function columnValues(c: WireColumn, rows: number): { values: ColumnArray; nulls?: Uint8Array } {
  const nulls = 'nulls' in c && c.nulls ? { nulls: c.nulls } : {};
  switch (c.kind) {
    case 'values':
      return { values: c.values };
    case 'utf8': {
      if (PackedStrings.wellFormed(c.bytes, c.offsets)) return { values: new PackedStrings(c.bytes, c.offsets), ...nulls };
      const buf = bufferOf(c.bytes);
      const out = new Array<string | null>(rows);
      for (let i = 0; i < rows; i++) out[i] = c.nulls?.[i] ? null : utf8(buf, c.offsets[i]!, c.offsets[i + 1]!);
      return { values: out, ...nulls };
    }
    case 'bytes':
      return { values: new PackedBinary(c.bytes, c.offsets), ...nulls };
    default:
      return { values: c.values, ...nulls };
  }
}

export interface PageContext {
  readonly plan: TablePlan;
  /** P0: the anchor of every snapshot position. */
  readonly snapshot: BinlogPosition;
  /** Read views so far, shared by the positions of the page. */
  readonly views: JsonValue[];
  readonly sourceTsMs: number;
  /** Keyless tables: rows of the table handed over before this page. */
  readonly rowsBefore: number;
}

/** The page's rows as columnar inserts of its source table. */
export function pageInserts(page: PageMessage, ctx: PageContext): InsertColumns {
  const { plan } = ctx;
  const columns: Record<string, ColumnArray> = {};
  const nulls: Record<string, Uint8Array> = {};
  plan.table.mysqlColumns.forEach((col, i) => {
    const v = columnValues(page.columns[i]!, page.rows);
    columns[col.name] = v.values;
    if (v.nulls) nulls[col.name] = v.nulls;
  });
  const keyTypes = plan.keyColumns.map((k) => plan.table.mysqlColumns.find((c) => c.name === k)?.dataType ?? '');
  const keyBufs = page.keys.map((k) => (k.kind === 'bytes' ? { buf: bufferOf(k.bytes), k } : undefined));
  const keyOf = (i: number): KeyPart[] => keyBufs.map((kb, j) => (!kb || kb.k.nulls?.[i] ? null : keyPartFromText(keyTypes[j]!, kb.buf, kb.k.offsets[i]!, kb.k.offsets[i + 1]!)));
  const base = { snapshot: ctx.snapshot, table: plan.index };
  return {
    table: plan.table.name,
    length: page.rows,
    columns,
    nulls,
    sourceTsMs: ctx.sourceTsMs,
    origin: `snapshot ${plan.table.name}`,
    positionOf: plan.keyColumns.length > 0
      ? (i) => snapshotPosition({ ...base, key: keyOf(i) }, ctx.views)
      : (i) => snapshotPosition({ ...base, key: [], row: ctx.rowsBefore + i + 1 }, ctx.views),
  };
}
