/**
 * Kafka source positions: `{ "<topic>": { "<partition>": nextOffset } }`, the offset of the
 * next message to read of each partition. A batch's position holds every partition the
 * source knows; an event's position holds only its own partition (its offset + 1), so "this
 * event is in a table committed at P" is exactly `offset < P[topic][partition]`.
 */
import { ValidationError } from '../../src/errors.js';
import { isJsonObject, type JsonObject } from '../../src/iceberg/spec/lossless-json.js';
import type { SourcePosition } from '../../src/sink/change-event.js';

/** topic -> partition -> next offset. */
export type KafkaOffsets = ReadonlyMap<string, ReadonlyMap<number, number>>;

function invalid(p: SourcePosition): never {
  throw new ValidationError(`not a Kafka source position (expected {"<topic>": {"<partition>": nextOffset}}): ${JSON.stringify(p, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
}

/** Validates a position read back from a snapshot summary. */
export function toKafkaOffsets(p: SourcePosition): KafkaOffsets {
  if (!isJsonObject(p)) invalid(p);
  const out = new Map<string, Map<number, number>>();
  for (const [topic, parts] of Object.entries(p)) {
    if (!isJsonObject(parts)) invalid(p);
    const m = new Map<number, number>();
    for (const [k, v] of Object.entries(parts)) {
      const offset = typeof v === 'bigint' ? Number(v) : v;
      if (!/^\d+$/.test(k) || typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) invalid(p);
      m.set(Number(k), offset);
    }
    out.set(topic, m);
  }
  return out;
}

/** The JSON form stored in batches and snapshot summaries (topics and partitions sorted). */
export function kafkaPosition(offsets: KafkaOffsets): JsonObject {
  const out: Record<string, JsonObject> = {};
  for (const topic of [...offsets.keys()].sort()) {
    const parts = offsets.get(topic)!;
    const o: Record<string, number> = {};
    for (const p of [...parts.keys()].sort((a, b) => a - b)) o[String(p)] = parts.get(p)!;
    out[topic] = o;
  }
  return out;
}

/** An event's position: its own partition only, at the offset after it. */
export function eventPosition(topic: string, partition: number, offset: number): JsonObject {
  return { [topic]: { [String(partition)]: offset + 1 } };
}

function offsetIn(o: KafkaOffsets, topic: string, partition: number): number {
  return o.get(topic)?.get(partition) ?? 0;
}

/**
 * Orders positions partition by partition: a <= b when every partition of `a` is at or
 * before the same partition of `b` (absent from `b`: offset 0; partitions only `b` names do
 * not count). Positions of one consumer's stream
 * form a chain under this order; two positions neither of which is below the other (read by
 * consumers that interleaved partitions differently) are ordered by their total offset, so
 * the order stays total, and the source keeps its own stream comparable to every position a
 * table committed (kafka-source.ts "replay").
 */
export function compareKafkaOffsets(a: KafkaOffsets, b: KafkaOffsets): number {
  let below = false;
  let above = false;
  let sumA = 0;
  let sumB = 0;
  for (const [topic, parts] of a) {
    for (const [p, off] of parts) {
      const other = offsetIn(b, topic, p);
      if (off < other) below = true;
      else if (off > other) above = true;
      sumA += off;
    }
  }
  // Only the partitions `a` names count: an event's position names its own partition alone.
  for (const [topic, parts] of b) for (const [p, off] of parts) if (a.get(topic)?.has(p)) sumB += off;
  if (below && !above) return -1;
  if (above && !below) return 1;
  if (!below && !above) return 0;
  return sumA - sumB || -1;
}

/** Partition by partition, the lowest (`min`) or highest of some positions. */
export function foldOffsets(positions: readonly KafkaOffsets[], pick: (a: number, b: number) => number): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const pos of positions) {
    for (const [topic, parts] of pos) {
      let m = out.get(topic);
      if (!m) out.set(topic, (m = new Map()));
      for (const [p, off] of parts) m.set(p, m.has(p) ? pick(m.get(p)!, off) : off);
    }
  }
  return out;
}
