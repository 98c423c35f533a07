/**
 * Avro encode/decode throughput on records shaped like Iceberg manifest entries.
 * Run: npx tsx bench/avro.ts [records=200000] [rounds=3]
 */
import { AvroContainerWriter, parseAvroSchema, readAvroContainer, type AvroValue, type AvroWriteCodec } from '../src/avro/index.js';
import { report, headlineRow, type BenchRow } from './bench-stats.js';

const N = Number(process.argv[2] ?? 200_000);
const ROUNDS = Number(process.argv[3] ?? 3);

const kv = (name: string, k: number, v: number, value: string) => ({
  type: 'array',
  logicalType: 'map',
  items: {
    type: 'record',
    name,
    fields: [
      { name: 'key', type: 'int', 'field-id': k },
      { name: 'value', type: value, 'field-id': v },
    ],
  },
});

const schema = parseAvroSchema({
  type: 'record',
  name: 'manifest_entry',
  fields: [
    { name: 'status', type: 'int', 'field-id': 0 },
    { name: 'snapshot_id', type: ['null', 'long'], default: null, 'field-id': 1 },
    { name: 'sequence_number', type: ['null', 'long'], default: null, 'field-id': 3 },
    {
      name: 'data_file',
      'field-id': 2,
      type: {
        type: 'record',
        name: 'r2',
        fields: [
          { name: 'content', type: 'int', 'field-id': 134 },
          { name: 'file_path', type: 'string', 'field-id': 100 },
          { name: 'file_format', type: 'string', 'field-id': 101 },
          { name: 'record_count', type: 'long', 'field-id': 103 },
          { name: 'file_size_in_bytes', type: 'long', 'field-id': 104 },
          { name: 'column_sizes', type: ['null', kv('k117_v118', 117, 118, 'long')], default: null, 'field-id': 108 },
          { name: 'value_counts', type: ['null', kv('k119_v120', 119, 120, 'long')], default: null, 'field-id': 109 },
          { name: 'null_value_counts', type: ['null', kv('k121_v122', 121, 122, 'long')], default: null, 'field-id': 110 },
          { name: 'lower_bounds', type: ['null', kv('k126_v127', 126, 127, 'bytes')], default: null, 'field-id': 125 },
          { name: 'upper_bounds', type: ['null', kv('k129_v130', 129, 130, 'bytes')], default: null, 'field-id': 128 },
          { name: 'split_offsets', type: ['null', { type: 'array', items: 'long', 'element-id': 133 }], default: null, 'field-id': 132 },
        ],
      },
    },
  ],
});

const COLUMNS = 8;
function entry(i: number): AvroValue {
  const counts = (base: number) => Array.from({ length: COLUMNS }, (_, c) => ({ key: c + 1, value: BigInt(base + c) }));
  const bounds = (b: number) => Array.from({ length: COLUMNS }, (_, c) => ({ key: c + 1, value: new Uint8Array([b, c, i & 0xff, 0]) }));
  return {
    status: 1,
    snapshot_id: 3340507003387467420n + BigInt(i),
    sequence_number: null,
    data_file: {
      content: 0,
      file_path: `s3://warehouse/db/table/data/00000-${i}-3ac0d3a9-e19f-4bef-a39a-30030476b8aa-0-00001.parquet`,
      file_format: 'PARQUET',
      record_count: BigInt(1000 + i),
      file_size_in_bytes: BigInt(100_000 + i * 7),
      column_sizes: counts(i * 3),
      value_counts: counts(1000),
      null_value_counts: counts(0),
      lower_bounds: bounds(0),
      upper_bounds: bounds(255),
      split_offsets: [4n],
    },
  };
}

// A pool of distinct records, appended round-robin: holding 200,000 records (millions of small
// objects) would make the timings mostly major GCs of the benchmark's own input.
const POOL = 1000;
const pool = Array.from({ length: POOL }, (_, i) => entry(i));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function encode(codec: AvroWriteCodec): Uint8Array {
  const w = new AvroContainerWriter(schema, { codec });
  for (let i = 0; i < N; i++) w.append(pool[i % POOL]!);
  return w.finish();
}

function decode(file: Uint8Array): number {
  let n = 0;
  for (const _ of readAvroContainer(file, 'bench').records()) n++;
  return n;
}

function bench(codec: AvroWriteCodec): BenchRow[] {
  // Warm up the compiled closures before timing.
  for (let i = 0; i < 2; i++) {
    const w = new AvroContainerWriter(schema, { codec });
    for (let j = 0; j < 5000; j++) w.append(pool[j % POOL]!);
    decode(w.finish());
  }
  const enc: number[] = [];
  const dec: number[] = [];
  let file: Uint8Array = new Uint8Array(0);
  for (let round = 0; round < ROUNDS; round++) {
    let t = performance.now();
    file = encode(codec);
    enc.push(performance.now() - t);
    t = performance.now();
    const n = decode(file);
    dec.push(performance.now() - t);
    if (n !== N) throw new Error(`decoded ${n} of ${N} records`);
  }
  const rate = (ms: number) => Math.round(N / (ms / 1000)).toLocaleString('en-US');
  const encMs = median(enc);
  const decMs = median(dec);
  console.log(
    `${codec.padEnd(8)} ${(file.length / 1e6).toFixed(1).padStart(6)} MB  ` +
      `encode ${rate(encMs).padStart(10)} records/s (${encMs.toFixed(0)} ms)  ` +
      `decode ${rate(decMs).padStart(10)} records/s (${decMs.toFixed(0)} ms)`,
  );
  return [headlineRow(`${codec} encode records/s (median)`, rate(encMs)), headlineRow(`${codec} decode records/s (median)`, rate(decMs))];
}

console.log(`${N.toLocaleString('en-US')} manifest-entry records, ${COLUMNS} columns of metrics each, Node ${process.version}, median of ${ROUNDS} rounds`);
report('avro', (['null', 'deflate', 'snappy'] as const).flatMap((codec) => bench(codec)));
