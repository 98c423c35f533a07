/**
 * Keys written by the in-flight commit, added to the key filter once the commit succeeds.
 * A full load holds millions of them until its commit: as one array (plus a bigint) per row
 * they made major GCs a third of the load's time, so a single long key column, the common
 * case, is packed into a BigInt64Array; other keys stay as they are.
 */
import { valueAt, type ColumnArray } from '../parquet/packed-bytes.js';

const MIN_LONG = -(2n ** 63n);
const MAX_LONG = 2n ** 63n - 1n;

export class PendingKeys {
  private longs: BigInt64Array;
  private count = 0;
  private readonly others: (readonly unknown[])[] = [];

  /** `singleLong`: the key is one column of Iceberg type long (values are bigints). */
  constructor(private readonly singleLong: boolean) {
    this.longs = new BigInt64Array(singleLong ? 1024 : 0);
  }

  get size(): number {
    return this.count + this.others.length;
  }

  push(key: readonly unknown[]): void {
    const v = key[0];
    if (this.singleLong && key.length === 1 && typeof v === 'bigint' && v >= MIN_LONG && v <= MAX_LONG) {
      if (this.count === this.longs.length) {
        const grown = new BigInt64Array(this.longs.length * 2);
        grown.set(this.longs);
        this.longs = grown;
      }
      this.longs[this.count++] = v;
      return;
    }
    this.others.push(key);
  }

  /**
   * The keys of rows [start, end) of key columns given column-wise (the key's columns in key
   * order): a single long key column as a BigInt64Array is copied in bulk.
   */
  pushColumns(columns: readonly ColumnArray[], start: number, end: number): void {
    const first = columns[0];
    if (this.singleLong && columns.length === 1 && first instanceof BigInt64Array) {
      const need = this.count + (end - start);
      if (need > this.longs.length) {
        let size = this.longs.length * 2;
        while (size < need) size *= 2;
        const grown = new BigInt64Array(size);
        grown.set(this.longs.subarray(0, this.count));
        this.longs = grown;
      }
      this.longs.set(first.subarray(start, end), this.count);
      this.count = need;
      return;
    }
    for (let i = start; i < end; i++) this.push(columns.map((c) => valueAt(c, i)));
  }

  /** Adds every key to the filter: packed long keys in bulk (no bigint or array per key). */
  addTo(filter: { add(key: readonly unknown[]): void; addLongs(longs: BigInt64Array, start: number, end: number): void }): void {
    filter.addLongs(this.longs, 0, this.count);
    for (const k of this.others) filter.add(k);
  }
}
