import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  AvroContainerWriter,
  avroSchemaToJson,
  decodeAvroDatum,
  encodeAvroDatum,
  parseAvroSchema,
  readAvroContainer,
  type AvroRecord,
  type AvroSchema,
  type AvroValue,
  type AvroWriteCodec,
} from '../../src/avro/index.js';
import { readAll, recodeContainer, zstdRawFrame } from './helpers.js';

/**
 * Property tests: random schemas (records with nested arrays, maps, unions, fixed, enums) and
 * random values must come back exactly through writer -> reader, for every codec.
 */

type Shape =
  | { kind: 'primitive'; name: string }
  | { kind: 'fixed'; size: number }
  | { kind: 'enum'; symbols: string[] }
  | { kind: 'array'; items: Shape }
  | { kind: 'map'; values: Shape }
  | { kind: 'record'; fields: { name: string; type: Shape }[] }
  | { kind: 'union'; branches: Shape[] };

const avroName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/);
const NUMERIC = new Set(['int', 'long', 'float', 'double']);

function branchKey(s: Shape): string {
  return s.kind === 'primitive' ? s.name : s.kind;
}

/**
 * Unions whose branch choice cannot change the value read back: one branch per kind (the spec
 * forbids repeats of unnamed types anyway), one numeric type (a number fits int, float and
 * double alike), not both record and map (a plain object fits both).
 */
function exactUnion(branches: Shape[]): boolean {
  const keys = branches.map(branchKey);
  if (new Set(keys).size !== keys.length) return false;
  if (keys.filter((k) => NUMERIC.has(k)).length > 1) return false;
  return !(keys.includes('record') && keys.includes('map'));
}

const { shape } = fc.letrec<{ shape: Shape; nonUnion: Shape; union: Shape }>((tie) => ({
  shape: fc.oneof({ depthSize: 'small', maxDepth: 4 }, tie('nonUnion'), tie('union')),
  nonUnion: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    fc.constantFrom('null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string').map((name): Shape => ({ kind: 'primitive', name })),
    fc.integer({ min: 0, max: 20 }).map((size): Shape => ({ kind: 'fixed', size })),
    fc.uniqueArray(avroName, { minLength: 1, maxLength: 5 }).map((symbols): Shape => ({ kind: 'enum', symbols })),
    tie('shape').map((items): Shape => ({ kind: 'array', items })),
    tie('shape').map((values): Shape => ({ kind: 'map', values })),
    fc
      .uniqueArray(fc.record({ name: avroName, type: tie('shape') }), { maxLength: 5, selector: (f) => f.name })
      .map((fields): Shape => ({ kind: 'record', fields })),
  ),
  union: fc
    .array(tie('nonUnion'), { minLength: 1, maxLength: 4 })
    .filter(exactUnion)
    .map((branches): Shape => ({ kind: 'union', branches })),
}));

/** JSON schema for a shape; named types get unique names, with and without namespaces. */
function toJson(s: Shape, counter: { n: number }): unknown {
  const name = () => {
    const n = counter.n++;
    return n % 3 === 0 ? `ns${n}.T${n}` : `T${n}`;
  };
  switch (s.kind) {
    case 'primitive':
      return s.name;
    case 'fixed':
      return { type: 'fixed', name: name(), size: s.size };
    case 'enum':
      return { type: 'enum', name: name(), symbols: s.symbols };
    case 'array':
      return { type: 'array', items: toJson(s.items, counter), 'element-id': counter.n++ };
    case 'map':
      return { type: 'map', values: toJson(s.values, counter), 'key-id': counter.n++, 'value-id': counter.n++ };
    case 'record':
      return { type: 'record', name: name(), fields: s.fields.map((f) => ({ name: f.name, type: toJson(f.type, counter), 'field-id': counter.n++ })) };
    case 'union':
      return s.branches.map((b) => toJson(b, counter));
  }
}

/** A top-level record around a random shape, as container files hold records. */
const schemaArb = fc.array(shape, { minLength: 1, maxLength: 4 }).map((shapes) =>
  parseAvroSchema({
    type: 'record',
    name: 'top',
    fields: shapes.map((s, i) => ({ name: `f${i}`, type: toJson(s, { n: 0 + i * 1000 }) })),
  }),
);

const INT_EXTREMES = [-(2 ** 31), 2 ** 31 - 1, 0, -1];
const LONG_EXTREMES = [-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, 2n ** 53n + 1n, -(2n ** 53n) - 1n];

function valueArb(s: AvroSchema): fc.Arbitrary<AvroValue> {
  switch (s.type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'int':
      return fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constantFrom(...INT_EXTREMES));
    case 'long':
      return fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.constantFrom(...LONG_EXTREMES));
    case 'float':
      // fc.float yields 32-bit values, NaN, ±Infinity and -0 included.
      return fc.float();
    case 'double':
      return fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, -0));
    case 'bytes':
      return fc.uint8Array({ maxLength: 24 });
    case 'fixed':
      return fc.uint8Array({ minLength: s.size, maxLength: s.size });
    case 'string':
      return fc.string({ unit: 'binary', maxLength: 40 });
    case 'enum':
      return fc.constantFrom(...s.symbols);
    case 'array':
      return fc.array(valueArb(s.items), { maxLength: 4 });
    case 'map':
      return fc.array(fc.tuple(fc.string({ maxLength: 8 }), valueArb(s.values)), { maxLength: 4 }).map((e) => new Map(e));
    case 'record': {
      const fields = s.fields;
      return fc.tuple(...fields.map((f) => valueArb(f.type))).map((vals) => {
        const o: AvroRecord = {};
        fields.forEach((f, i) => (o[f.name] = vals[i]!));
        return o;
      });
    }
    case 'union':
      return fc.oneof(...s.branches.map(valueArb));
  }
}

const caseArb = schemaArb.chain((schema) =>
  fc.record({
    schema: fc.constant(schema),
    values: fc.array(valueArb(schema), { maxLength: 12 }),
    blockRecords: fc.integer({ min: 1, max: 5 }),
  }),
);

const CODECS: AvroWriteCodec[] = ['null', 'deflate', 'snappy'];

describe('random schemas and values round-trip exactly', () => {
  it('single datums', () => {
    fc.assert(
      fc.property(caseArb, ({ schema, values }) => {
        for (const v of values) expect(decodeAvroDatum(schema, encodeAvroDatum(schema, v))).toStrictEqual(v);
      }),
      { numRuns: 300 },
    );
  });

  it('container files, every codec (zstandard via raw-block frames), several blocks', () => {
    fc.assert(
      fc.property(caseArb, ({ schema, values, blockRecords }) => {
        for (const codec of CODECS) {
          const w = new AvroContainerWriter(schema, { codec, blockRecords });
          for (const v of values) w.append(v);
          const file = w.finish();
          const c = readAvroContainer(file, `roundtrip.${codec}.avro`);
          expect(c.codec).toBe(codec);
          expect(c.recordCount).toBe(values.length);
          expect(c.blockCount).toBe(Math.ceil(values.length / blockRecords));
          // The reader decodes with the schema parsed from the file's own metadata.
          expect(c.metadataString('avro.schema')).toBe(avroSchemaToJson(schema));
          expect([...c.records()]).toStrictEqual(values);
          if (codec === 'null') {
            expect(readAll(recodeContainer(file, 'zstandard', zstdRawFrame))).toStrictEqual(values);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('schema JSON is stable through parse -> write -> parse', () => {
    fc.assert(
      fc.property(schemaArb, (schema) => {
        const json = avroSchemaToJson(schema);
        expect(avroSchemaToJson(parseAvroSchema(json))).toBe(json);
        expect(parseAvroSchema(json)).toStrictEqual(schema);
      }),
      { numRuns: 300 },
    );
  });
});
