import type { PartitionSpec } from '../../src/iceberg/spec/partition-spec.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { primitive } from '../../src/iceberg/spec/types.js';

/** The small keyed table most sink and maintenance tests use: (id key, region, v). */
export const regionSchema = new Schema(0, [
  { id: 1, name: 'id', required: true, type: primitive('long') },
  { id: 2, name: 'region', required: false, type: primitive('int') },
  { id: 3, name: 'v', required: false, type: primitive('string') },
], [1]);

/** identity(region): updates that change the region move rows between partitions. */
export const byRegion: PartitionSpec = { specId: 0, fields: [{ sourceId: 2, fieldId: 1000, name: 'region', transform: { kind: 'identity' } }] };
