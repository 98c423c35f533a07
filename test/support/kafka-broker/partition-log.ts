/**
 * One partition's log, in memory: batches in offset order, the high watermark (one node, so
 * every appended batch is committed at once) and waiters for long-polling fetches.
 */
import { placeBatch, type StoredBatch } from './record-batch.js';

export class PartitionLog {
  private readonly batches: StoredBatch[] = [];
  private next = 0n;

  get highWatermark(): bigint {
    return this.next;
  }

  get logStartOffset(): bigint {
    return 0n;
  }

  /** Appends checked batches; returns the base offset of the first. */
  append(batches: readonly Buffer[]): bigint {
    const base = this.next;
    for (const b of batches) {
      const placed = placeBatch(b, this.next);
      this.batches.push(placed);
      this.next += BigInt(placed.count);
    }
    return base;
  }

  /** Whole batches holding offsets >= `offset`, at least one, then up to `maxBytes`. */
  read(offset: bigint, maxBytes: number): Buffer {
    let i = this.firstBatchAtOrAfter(offset);
    const out: Buffer[] = [];
    let size = 0;
    for (; i < this.batches.length; i++) {
      const b = this.batches[i]!;
      if (out.length > 0 && size + b.bytes.length > maxBytes) break;
      out.push(b.bytes);
      size += b.bytes.length;
    }
    return Buffer.concat(out);
  }

  /** The first offset whose batch's max timestamp is >= `ts` (ListOffsets by time), else the high watermark. */
  offsetForTimestamp(ts: bigint): bigint {
    const b = this.batches.find((x) => x.maxTimestamp >= ts);
    return b ? b.baseOffset : this.next;
  }

  private firstBatchAtOrAfter(offset: bigint): number {
    // Binary search on the batch containing `offset` (batches are contiguous).
    let lo = 0;
    let hi = this.batches.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const b = this.batches[mid]!;
      if (b.baseOffset + BigInt(b.count) <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
