/**
 * Record batches v2 as the broker handles them (protocol guide "Record Batch"): it never
 * decodes the records, only checks the header and CRC-32C and assigns the base offset. The
 * CRC covers the bytes from `attributes` to the end, so the offset and leader epoch the
 * broker rewrites leave it valid.
 */
import { crc32c } from './crc32c.js';

/** Byte offsets of the batch header fields. */
const BASE_OFFSET = 0;
const BATCH_LENGTH = 8;
const LEADER_EPOCH = 12;
const MAGIC = 16;
const CRC = 17;
const ATTRIBUTES = 21;
const LAST_OFFSET_DELTA = 23;
const MAX_TIMESTAMP = 35;
const PRODUCER_ID = 43;
const HEADER_SIZE = 61;

export interface StoredBatch {
  readonly baseOffset: bigint;
  /** Offsets in the batch: lastOffsetDelta + 1. */
  readonly count: number;
  readonly maxTimestamp: bigint;
  readonly producerId: bigint;
  /** Transactional (attributes bit 4) and control (bit 5) flags, for the transaction APIs to come. */
  readonly transactional: boolean;
  readonly control: boolean;
  readonly bytes: Buffer;
}

export class CorruptRecordError extends Error {}

/** Splits a produced record set into its batches, checking each (magic 2, length, CRC-32C). */
export function splitBatches(records: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < records.length) {
    if (records.length - at < HEADER_SIZE) throw new CorruptRecordError(`truncated record batch at byte ${at}`);
    const length = records.readInt32BE(at + BATCH_LENGTH);
    const end = at + BATCH_LENGTH + 4 + length;
    if (end > records.length) throw new CorruptRecordError(`record batch at byte ${at} claims ${length} bytes, only ${records.length - at - 12} present`);
    const batch = records.subarray(at, end);
    if (batch.readInt8(MAGIC) !== 2) throw new CorruptRecordError(`record batch magic ${batch.readInt8(MAGIC)}: only v2 batches are accepted`);
    const crc = crc32c(batch.subarray(ATTRIBUTES));
    if (crc !== batch.readUInt32BE(CRC)) throw new CorruptRecordError(`record batch CRC-32C mismatch: computed ${crc}, header says ${batch.readUInt32BE(CRC)}`);
    out.push(batch);
    at = end;
  }
  return out;
}

/** A copy of `batch` placed at `baseOffset` (CRC unaffected). */
export function placeBatch(batch: Buffer, baseOffset: bigint): StoredBatch {
  const bytes = Buffer.from(batch);
  bytes.writeBigInt64BE(baseOffset, BASE_OFFSET);
  bytes.writeInt32BE(0, LEADER_EPOCH);
  const attributes = bytes.readInt16BE(ATTRIBUTES);
  return {
    baseOffset,
    count: bytes.readInt32BE(LAST_OFFSET_DELTA) + 1,
    maxTimestamp: bytes.readBigInt64BE(MAX_TIMESTAMP),
    producerId: bytes.readBigInt64BE(PRODUCER_ID),
    transactional: (attributes & 0x10) !== 0,
    control: (attributes & 0x20) !== 0,
    bytes,
  };
}
