/**
 * A seeded Debezium changelog of one table `shop.orders` (id, region, v) for crash tests:
 * inserts, updates (some moving the row to another `region`) and deletes of ~3000 keys,
 * with the before-images real streams send.
 */

export type OrderRow = {
  readonly id: number;
  readonly region: number;
  readonly v: string;
};

export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x9e3779b9) >>> 0) / 2 ** 32);
}

/**
 * Full (REPLICA IDENTITY FULL, binlog_row_image=FULL), key-only (MINIMAL) or the key with
 * defaults elsewhere (Postgres REPLICA IDENTITY DEFAULT).
 */
function beforeImage(row: OrderRow, r: number): Record<string, unknown> {
  if (r < 1 / 3) return row;
  return r < 2 / 3 ? { id: row.id } : { id: row.id, region: 0, v: '' };
}

/** `n` Debezium change events as JSON strings, with the key (id) of each. */
export function generateOrderChanges(n: number, rand: () => number, keys = 3000): { id: number; json: string }[] {
  const live = new Map<number, OrderRow>();
  const out: { id: number; json: string }[] = [];
  for (let i = 0; i < n; i++) {
    const id = Math.floor(rand() * keys);
    const cur = live.get(id);
    const ts = 1_700_000_000_000 + i;
    const source = { db: 'shop', table: 'orders', ts_ms: ts };
    const r = rand();
    let ev: Record<string, unknown>;
    if (!cur) {
      const after = { id, region: Math.floor(rand() * 4), v: `v${i}` };
      live.set(id, after);
      ev = { op: 'c', before: null, after, source, ts_ms: ts };
    } else if (r < 0.25) {
      live.delete(id);
      ev = { op: 'd', before: beforeImage(cur, rand()), after: null, source, ts_ms: ts };
    } else {
      const after = { id, region: r < 0.5 ? Math.floor(rand() * 4) : cur.region, v: `v${i}` }; // some updates move partitions
      live.set(id, after);
      ev = { op: 'u', before: beforeImage(cur, rand()), after, source, ts_ms: ts };
    }
    out.push({ id, json: JSON.stringify(ev) });
  }
  return out;
}

/** The columns of `shop.orders`, as pipeline YAML `columns:` lines (indented for a table entry). */
export const ORDER_COLUMNS_YAML = `    columns:
      - { name: id, type: long, nullable: false }
      - { name: region, type: int }
      - { name: v, type: string }`;

/**
 * The `tables:` entry of the crash tests: an upsert mirror partitioned by `region` (which
 * updates move) and an append changelog table `orders_log`.
 */
export const ORDER_CRASH_TABLE_YAML = `tables:
  - source: shop.orders
    target: orders
    mode: upsert
    format-version: 2
    key-columns: [id]
    partition-by: [region]
    changelog-table: orders_log
${ORDER_COLUMNS_YAML}`;
