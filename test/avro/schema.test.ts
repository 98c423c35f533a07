import { describe, expect, it } from 'vitest';
import {
  avroDefaultValue,
  avroFullName,
  avroSchemaToJson,
  avroSchemaToJsonValue,
  decodeAvroDatum,
  encodeAvroDatum,
  parseAvroSchema,
  type AvroArraySchema,
  type AvroRecordSchema,
  type AvroSchema,
  type AvroUnionSchema,
} from '../../src/avro/index.js';
import { InvalidAvroError } from '../../src/errors.js';

const invalid = (json: unknown): string => {
  try {
    parseAvroSchema(json);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidAvroError);
    return (err as Error).message;
  }
  throw new Error('schema was accepted');
};

function record(s: AvroSchema): AvroRecordSchema {
  if (s.type !== 'record') throw new Error(`not a record: ${s.type}`);
  return s;
}

describe('parseAvroSchema', () => {
  it('parses primitives from names, JSON text and objects', () => {
    expect(parseAvroSchema('long')).toStrictEqual({ type: 'long' });
    expect(parseAvroSchema('null')).toStrictEqual({ type: 'null' });
    expect(parseAvroSchema('"string"')).toStrictEqual({ type: 'string' });
    expect(parseAvroSchema({ type: 'int', logicalType: 'date' })).toStrictEqual({ type: 'int', logicalType: 'date' });
    expect(parseAvroSchema(['null', 'long'])).toStrictEqual({ type: 'union', branches: [{ type: 'null' }, { type: 'long' }] });
  });

  it('resolves names with namespaces as in the spec "Names" example', () => {
    const s = record(
      parseAvroSchema({
        type: 'record',
        name: 'Example',
        fields: [
          { name: 'inheritNull', type: { type: 'enum', name: 'Simple', symbols: ['a', 'b'] } },
          { name: 'explicitNamespace', type: { type: 'fixed', name: 'Simple', namespace: 'explicit', size: 12 } },
          {
            name: 'fullName',
            type: {
              type: 'record',
              name: 'a.full.Name',
              namespace: 'ignored',
              fields: [{ name: 'inheritNamespace', type: { type: 'enum', name: 'Understanding', symbols: ['d', 'e'] } }],
            },
          },
          { name: 'refNull', type: 'Simple' },
          { name: 'refExplicit', type: 'explicit.Simple' },
        ],
      }),
    );
    const names = s.fields.map((f) => (f.type.type === 'record' || f.type.type === 'enum' || f.type.type === 'fixed' ? avroFullName(f.type) : f.type.type));
    expect(names).toStrictEqual(['Simple', 'explicit.Simple', 'a.full.Name', 'Simple', 'explicit.Simple']);
    const inner = record(s.fields[2]!.type);
    expect(inner.namespace).toBe('a.full');
    expect(avroFullName(inner.fields[0]!.type as AvroSchema & { type: 'enum' })).toBe('a.full.Understanding');
    // References resolve to the very same object.
    expect(s.fields[3]!.type).toBe(s.fields[0]!.type);
    expect(s.fields[4]!.type).toBe(s.fields[1]!.type);
  });

  it('unqualified references use the enclosing namespace', () => {
    const s = record(
      parseAvroSchema({
        type: 'record',
        name: 'Outer',
        namespace: 'org.x',
        fields: [
          { name: 'a', type: { type: 'fixed', name: 'F', size: 2 } },
          { name: 'b', type: 'F' },
          { name: 'c', type: 'org.x.F' },
          { name: 'd', type: { type: 'F' } },
        ],
      }),
    );
    expect(s.fields.map((f) => f.type)).toStrictEqual(Array(4).fill(s.fields[0]!.type));
    expect(avroFullName(s.fields[0]!.type as AvroSchema & { type: 'fixed' })).toBe('org.x.F');
  });

  it('supports recursive types and writes them back as references', () => {
    const json = {
      type: 'record',
      name: 'LongList',
      aliases: ['LinkedLongs'],
      fields: [
        { name: 'value', type: 'long' },
        { name: 'next', type: ['null', 'LongList'] },
      ],
    };
    const s = record(parseAvroSchema(json));
    expect((s.fields[1]!.type as AvroUnionSchema).branches[1]).toBe(s);
    expect(JSON.parse(avroSchemaToJson(s))).toStrictEqual(json);
    const v = { value: 1n, next: { value: 2n, next: { value: 3n, next: null } } };
    expect(decodeAvroDatum(s, encodeAvroDatum(s, v))).toStrictEqual(v);
  });

  it('keeps Iceberg attributes: field-id, element-id, key-id/value-id, logicalType, doc, default, extras', () => {
    const json = {
      type: 'record',
      name: 'manifest_entry',
      fields: [
        { name: 'snapshot_id', type: ['null', 'long'], doc: 'snap', default: null, 'field-id': 1 },
        {
          name: 'column_sizes',
          type: ['null', { type: 'array', items: { type: 'record', name: 'k117_v118', fields: [{ name: 'key', type: 'int', 'field-id': 117 }, { name: 'value', type: 'long', 'field-id': 118 }] }, logicalType: 'map' }],
          default: null,
          'field-id': 108,
        },
        { name: 'split_offsets', type: { type: 'array', items: 'long', 'element-id': 133 }, 'field-id': 132 },
        { name: 'props', type: { type: 'map', values: 'string', 'key-id': 5, 'value-id': 6 }, 'field-id': 4 },
        { name: 'ts', type: { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': true }, 'field-id': 7 },
        { name: 'dec', type: { type: 'fixed', name: 'fixed_9', size: 4, logicalType: 'decimal', precision: 9, scale: 2 }, 'field-id': 8 },
        { name: 'custom', type: 'int', 'field-id': 9, 'x-note': { any: ['json', 1] } },
      ],
    };
    const s = record(parseAvroSchema(json));
    expect(s.fields.map((f) => f.fieldId)).toStrictEqual([1, 108, 132, 4, 7, 8, 9]);
    expect(s.fields[0]!.doc).toBe('snap');
    expect(s.fields[0]!).toHaveProperty('default', null);
    const arr = (s.fields[1]!.type as AvroUnionSchema).branches[1] as AvroArraySchema;
    expect(arr.logicalType).toBe('map');
    expect(record(arr.items).fields.map((f) => f.fieldId)).toStrictEqual([117, 118]);
    expect(s.fields[2]!.type).toStrictEqual({ type: 'array', items: { type: 'long' }, elementId: 133 });
    expect(s.fields[3]!.type).toStrictEqual({ type: 'map', values: { type: 'string' }, keyId: 5, valueId: 6 });
    expect(s.fields[4]!.type).toStrictEqual({ type: 'long', logicalType: 'timestamp-micros', attrs: { 'adjust-to-utc': true } });
    expect(s.fields[5]!.type).toMatchObject({ type: 'fixed', size: 4, logicalType: 'decimal', attrs: { precision: 9, scale: 2 } });
    expect(s.fields[6]!.attrs).toStrictEqual({ 'x-note': { any: ['json', 1] } });
    // Written back with the same attributes (key order aside).
    expect(JSON.parse(avroSchemaToJson(s))).toStrictEqual(json);
  });

  it('writes namespaces only where they change, and "" for the null namespace inside a namespace', () => {
    const s = parseAvroSchema({
      type: 'record',
      name: 'a.R',
      fields: [
        { name: 'x', type: { type: 'enum', name: 'E', symbols: ['A'] } },
        { name: 'y', type: { type: 'enum', name: 'G', namespace: '', symbols: ['B'] } },
        { name: 'z', type: { type: 'record', name: 'b.S', fields: [{ name: 'e', type: 'a.E' }] } },
      ],
    });
    const out = avroSchemaToJsonValue(s);
    expect(out).toStrictEqual({
      type: 'record',
      name: 'R',
      namespace: 'a',
      fields: [
        { name: 'x', type: { type: 'enum', name: 'E', symbols: ['A'] } },
        { name: 'y', type: { type: 'enum', name: 'G', namespace: '', symbols: ['B'] } },
        { name: 'z', type: { type: 'record', name: 'S', namespace: 'b', fields: [{ name: 'e', type: 'a.E' }] } },
      ],
    });
    expect(avroSchemaToJson(parseAvroSchema(avroSchemaToJson(s)))).toBe(avroSchemaToJson(s));
  });

  it('schemas built in code (no parse) serialise too', () => {
    const s: AvroSchema = {
      type: 'record',
      name: 'r1',
      fields: [
        { name: 'a', type: { type: 'long' }, fieldId: 1 },
        { name: 'b', type: { type: 'union', branches: [{ type: 'null' }, { type: 'string' }] }, default: null, fieldId: 2 },
      ],
    };
    expect(avroSchemaToJson(s)).toBe(
      '{"type":"record","name":"r1","fields":[{"name":"a","type":"long","field-id":1},{"name":"b","type":["null","string"],"default":null,"field-id":2}]}',
    );
  });

  it('validates defaults against their types (first union branch), unless told not to', () => {
    const rec = (type: unknown, dflt: unknown) => ({ type: 'record', name: 'r', fields: [{ name: 'f', type, default: dflt }] });
    expect(() => parseAvroSchema(rec('int', 1))).not.toThrow();
    expect(() => parseAvroSchema(rec(['null', 'int'], null))).not.toThrow();
    expect(() => parseAvroSchema(rec('bytes', '\u00ff'))).not.toThrow();
    expect(() => parseAvroSchema(rec('double', 'NaN'))).not.toThrow();
    expect(() => parseAvroSchema(rec({ type: 'map', values: 'long' }, { a: 1 }))).not.toThrow();
    expect(invalid(rec(['int', 'null'], null))).toMatch(/at r\.f: default null is not valid for type int/);
    expect(invalid(rec('int', 2 ** 31))).toMatch(/default 2147483648 is not valid for type int/);
    expect(invalid(rec('bytes', '\u0100'))).toMatch(/not valid for type bytes/);
    expect(invalid(rec({ type: 'fixed', name: 'F', size: 2 }, 'a'))).toMatch(/fixed F/);
    expect(invalid(rec({ type: 'enum', name: 'E', symbols: ['A'] }, 'B'))).toMatch(/enum E/);
    expect(invalid(rec({ type: 'record', name: 'I', fields: [{ name: 'x', type: 'int' }] }, {}))).toMatch(/lacks field "x"/);
    expect(() => parseAvroSchema(rec('int', 'x'), { validateDefaults: false })).not.toThrow();
  });

  it('rejects what the spec forbids, naming the place', () => {
    expect(invalid('{')).toMatch(/not valid JSON/);
    expect(invalid(42)).toMatch(/expected a type name, object or array, got 42/);
    expect(invalid({ name: 'x' })).toMatch(/missing 'type'/);
    expect(invalid('Missing')).toMatch(/not valid JSON/);
    expect(invalid('"Missing"')).toMatch(/unknown type name "Missing"/);
    expect(invalid({ type: 'record', name: 'r', fields: [{ name: 'a', type: 'Nope' }] })).toMatch(/at r\.a: unknown type name "Nope"/);
    expect(invalid({ type: 'record', name: 'r', fields: [{ name: 'a', type: 'record' }] })).toMatch(/must be written as an object/);
    expect(invalid({ type: 'record', name: '1r', fields: [] })).toMatch(/name "1r" is not a valid Avro name/);
    expect(invalid({ type: 'record', name: 'r', namespace: 'a..b', fields: [] })).toMatch(/namespace "a..b"/);
    expect(invalid({ type: 'record', name: 'r', fields: [{ name: 'a-b', type: 'int' }] })).toMatch(/field name "a-b"/);
    expect(invalid({ type: 'record', name: 'r', fields: [{ name: 'a', type: 'int' }, { name: 'a', type: 'long' }] })).toMatch(/duplicate field name "a"/);
    expect(invalid({ type: 'record', name: 'r' })).toMatch(/without a 'fields' array/);
    expect(invalid({ type: 'record', name: 'r', fields: [{ name: 'a' }] })).toMatch(/at r\.a: field without 'type'/);
    expect(invalid({ type: 'record', name: 'int', fields: [] })).toMatch(/primitive type name "int" cannot be redefined/);
    expect(
      invalid({ type: 'record', name: 'r', fields: [{ name: 'a', type: { type: 'fixed', name: 'F', size: 1 } }, { name: 'b', type: { type: 'fixed', name: 'F', size: 2 } }] }),
    ).toMatch(/type F is defined more than once/);
    expect(invalid(['null', ['int']])).toMatch(/union branch 1 is itself a union/);
    expect(invalid(['int', { type: 'int', logicalType: 'date' }])).toMatch(/more than one branch of type int/);
    expect(invalid([{ type: 'array', items: 'int' }, { type: 'array', items: 'long' }])).toMatch(/more than one branch of type array/);
    expect(invalid({ type: 'enum', name: 'E', symbols: ['A', 'A'] })).toMatch(/duplicate enum symbol "A"/);
    expect(invalid({ type: 'enum', name: 'E', symbols: ['A', 'b-c'] })).toMatch(/enum symbol "b-c"/);
    expect(invalid({ type: 'enum', name: 'E', symbols: ['A'], default: 'B' })).toMatch(/enum default "B"/);
    expect(invalid({ type: 'fixed', name: 'F', size: -1 })).toMatch(/fixed 'size' must be a non-negative integer/);
    expect(invalid({ type: 'fixed', name: 'F' })).toMatch(/fixed 'size'/);
    expect(invalid({ type: 'array' })).toMatch(/array without 'items'/);
    expect(invalid({ type: 'map' })).toMatch(/map without 'values'/);
    expect(invalid({ type: 'record', name: 'r', fields: [{ name: 'a', type: 'int', 'field-id': 'x' }] })).toMatch(/'field-id' must be an integer/);
    expect(invalid({ type: 'array', items: 'int', 'element-id': 1.5 })).toMatch(/'element-id' must be an integer/);
    expect(invalid({ type: 'int', logicalType: 3 })).toMatch(/'logicalType' must be a string/);
    expect(invalid({ type: { type: 'int' } })).toMatch(/'type' must be a string/);
    // Named types must be defined before use (spec "Names").
    expect(invalid({ type: 'record', name: 'r', fields: [{ name: 'a', type: 'F' }, { name: 'b', type: { type: 'fixed', name: 'F', size: 1 } }] })).toMatch(
      /unknown type name "F"/,
    );
  });

  it('two named types with different names may share a union, the same name twice may not', () => {
    const u = parseAvroSchema([{ type: 'fixed', name: 'A', size: 1 }, { type: 'fixed', name: 'B', size: 2 }]) as AvroUnionSchema;
    expect(u.branches.map((b) => b.type)).toStrictEqual(['fixed', 'fixed']);
    expect(invalid([{ type: 'fixed', name: 'A', size: 1 }, 'A'])).toMatch(/more than one branch of type A/);
  });
});

describe('avroDefaultValue', () => {
  it('converts JSON defaults to the values the writer encodes', () => {
    // Long.MAX_VALUE as JSON.parse reads it (rounded to 2^63).
    expect(avroDefaultValue(parseAvroSchema('long'), JSON.parse('9223372036854775807') as number)).toBe(2n ** 63n - 1n);
    expect(avroDefaultValue(parseAvroSchema('long'), -(2 ** 63))).toBe(-(2n ** 63n));
    expect(() => avroDefaultValue(parseAvroSchema('long'), 2 ** 64)).toThrow(InvalidAvroError);
    expect(avroDefaultValue(parseAvroSchema('bytes'), '\u0000\u00ff')).toStrictEqual(new Uint8Array([0, 255]));
    expect(avroDefaultValue(parseAvroSchema({ type: 'map', values: 'int' }), { a: 1 })).toStrictEqual(new Map([['a', 1]]));
    expect(avroDefaultValue(parseAvroSchema(['null', 'int']), null)).toBe(null);
    expect(avroDefaultValue(parseAvroSchema({ type: 'record', name: 'r', fields: [{ name: 'a', type: 'int', default: 3 }, { name: 'b', type: 'string' }] }), { b: 'x' })).toStrictEqual({
      a: 3,
      b: 'x',
    });
  });
});
