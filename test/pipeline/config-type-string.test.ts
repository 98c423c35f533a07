import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import type { IcebergType, PrimitiveTypeName } from '../../src/iceberg/spec/types.js';
import { parseIcebergTypeString } from '../../src/pipeline/config-type-string.js';

const PRIMITIVES: PrimitiveTypeName[] = [
  'boolean', 'int', 'long', 'float', 'double', 'date', 'time', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns', 'string', 'uuid', 'binary',
];

/** The user-facing string form this parser reads. */
function render(t: IcebergType): string {
  switch (t.kind) {
    case 'decimal':
      return `decimal(${t.precision},${t.scale})`;
    case 'fixed':
      return `fixed[${t.length}]`;
    case 'list':
      return `list<${render(t.element)}>`;
    case 'map':
      return `map<${render(t.key)}, ${render(t.value)}>`;
    case 'struct':
      return `struct<${t.fields.map((f) => `${f.name}: ${render(f.type)}${f.required ? ' not null' : ''}`).join(', ')}>`;
    default:
      return t.kind;
  }
}

const primitiveArb: fc.Arbitrary<IcebergType> = fc.oneof(
  fc.constantFrom(...PRIMITIVES).map((kind): IcebergType => ({ kind })),
  fc.integer({ min: 1, max: 38 }).chain((p) => fc.integer({ min: 0, max: p }).map((s): IcebergType => ({ kind: 'decimal', precision: p, scale: s }))),
  fc.integer({ min: 1, max: 64 }).map((length): IcebergType => ({ kind: 'fixed', length })),
);

const typeArb: fc.Arbitrary<IcebergType> = fc.letrec<{ t: IcebergType }>((tie) => ({
  t: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    primitiveArb,
    tie('t').map((element): IcebergType => ({ kind: 'list', elementId: 0, elementRequired: false, element })),
    fc.tuple(primitiveArb, tie('t')).map(([key, value]): IcebergType => ({ kind: 'map', keyId: 0, key, valueId: 0, valueRequired: false, value })),
    fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/), tie('t'), fc.boolean()), { minLength: 1, maxLength: 4, selector: (f) => f[0] })
      .map((fs): IcebergType => ({ kind: 'struct', fields: fs.map(([name, type, required]) => ({ id: 0, name, required, type })) })),
  ),
})).t;

describe('parseIcebergTypeString', () => {
  it('reads every primitive, case-insensitively', () => {
    for (const p of PRIMITIVES) {
      expect(parseIcebergTypeString(p)).toEqual({ kind: p });
      expect(parseIcebergTypeString(` ${p.toUpperCase()} `)).toEqual({ kind: p });
    }
  });

  it('reads parameterised and nested types', () => {
    expect(parseIcebergTypeString('decimal(10,2)')).toEqual({ kind: 'decimal', precision: 10, scale: 2 });
    expect(parseIcebergTypeString('decimal( 38 , 10 )')).toEqual({ kind: 'decimal', precision: 38, scale: 10 });
    expect(parseIcebergTypeString('fixed[16]')).toEqual({ kind: 'fixed', length: 16 });
    expect(parseIcebergTypeString('list<string>')).toEqual({ kind: 'list', elementId: 0, elementRequired: false, element: { kind: 'string' } });
    expect(parseIcebergTypeString('map<string, list<long>>')).toEqual({
      kind: 'map', keyId: 0, key: { kind: 'string' }, valueId: 0, valueRequired: false,
      value: { kind: 'list', elementId: 0, elementRequired: false, element: { kind: 'long' } },
    });
    expect(parseIcebergTypeString('struct<a: int not null, `b c`: struct<d: date>>')).toEqual({
      kind: 'struct',
      fields: [
        { id: 0, name: 'a', required: true, type: { kind: 'int' } },
        { id: 0, name: 'b c', required: false, type: { kind: 'struct', fields: [{ id: 0, name: 'd', required: false, type: { kind: 'date' } }] } },
      ],
    });
  });

  it('round-trips generated types', () => {
    fc.assert(fc.property(typeArb, (t) => {
      expect(parseIcebergTypeString(render(t))).toEqual(t);
    }));
  });

  it.each([
    ['lng', /unknown type "lng"; accepted forms: boolean, int/],
    ['decimal(10)', /at position 11: expected ','/],
    ['decimal(39,2)', /decimal precision must be 1\.\.38, got 39/],
    ['decimal(5,6)', /decimal scale 6 is larger than the precision 5/],
    ['fixed[0]', /fixed length must be at least 1/],
    ['fixed(16)', /expected '\['/],
    ['list<string', /at the end: expected '>'/],
    ['map<string>', /expected ','/],
    ['struct<>', /a struct needs at least one field/],
    ['struct<a: int, a: long>', /duplicate struct field "a"/],
    ['long long', /unexpected "long"/],
    ['', /expected a type name/],
  ])('rejects %j', (s, message) => {
    expect(() => parseIcebergTypeString(s)).toThrow(ConfigError);
    expect(() => parseIcebergTypeString(s)).toThrow(message);
  });
});
