import { Schema } from '../src/iceberg/spec/schema.js';
import { decimal, primitive } from '../src/iceberg/spec/types.js';

/** The 10-column table the scan and compaction benches use: numbers, decimal, strings, time, nulls. */
export const wideSchema = new Schema(0, [
  { id: 1, name: 'id', required: true, type: primitive('long') },
  { id: 2, name: 'n', required: false, type: primitive('int') },
  { id: 3, name: 'x', required: false, type: primitive('double') },
  { id: 4, name: 'amount', required: false, type: decimal(18, 4) },
  { id: 5, name: 'name', required: false, type: primitive('string') },
  { id: 6, name: 'tag', required: false, type: primitive('string') },
  { id: 7, name: 'ts', required: false, type: primitive('timestamptz') },
  { id: 8, name: 'day', required: false, type: primitive('date') },
  { id: 9, name: 'flag', required: false, type: primitive('boolean') },
  { id: 10, name: 'maybe', required: false, type: primitive('long') },
], [1]);

/** Row i of the wide table (deterministic). */
export const wideRow = (i: number) => ({ id: BigInt(i), n: i % 1000, x: i / 7, amount: BigInt(i) * 37n, name: `name-${i}-${(i * 2654435761) % 1e9}`, tag: ['a', 'b', 'c', 'd'][i % 4]!, ts: 1_700_000_000_000_000n + BigInt(i), day: 19000 + (i % 365), flag: i % 2 === 0, maybe: i % 10 === 0 ? null : BigInt(i) });
