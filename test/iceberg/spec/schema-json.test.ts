import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidMetadataError } from '../../../src/errors.js';
import { parseJson, stringifyJson } from '../../../src/iceberg/spec/lossless-json.js';
import { Schema } from '../../../src/iceberg/spec/schema.js';
import {
  partitionFieldsFromJson,
  partitionFieldsToJson,
  partitionSpecFromJson,
  partitionSpecToJson,
  schemaFromJson,
  schemaToJson,
  sortOrderFromJson,
  sortOrderToJson,
  typeFromJson,
  typeToJson,
} from '../../../src/iceberg/spec/schema-json.js';
import { typesEqual, type IcebergType, type NestedField, type PrimitiveTypeName } from '../../../src/iceberg/spec/types.js';
import { errorOf as expectError } from '../../support/error-of.js';

const errorOf = (fn: () => unknown) => expectError(fn, InvalidMetadataError);


describe('typeFromJson / typeToJson', () => {
  it.each([
    ['long', { kind: 'long' }],
    ['timestamptz_ns', { kind: 'timestamptz_ns' }],
    ['LONG', { kind: 'long' }],
    ['decimal(9,2)', { kind: 'decimal', precision: 9, scale: 2 }],
    ['decimal(38, 10)', { kind: 'decimal', precision: 38, scale: 10 }],
    ['fixed[16]', { kind: 'fixed', length: 16 }],
  ])('reads %j', (text, type) => {
    expect(typeFromJson(text, 't')).toEqual(type);
  });

  it('writes primitive types in the reference form', () => {
    expect(typeToJson({ kind: 'decimal', precision: 9, scale: 2 })).toBe('decimal(9, 2)');
    expect(typeToJson({ kind: 'fixed', length: 3 })).toBe('fixed[3]');
    expect(typeToJson({ kind: 'uuid' })).toBe('uuid');
  });

  it('reads the spec examples for nested types', () => {
    const json = parseJson(`{
      "type": "struct",
      "fields": [
        {"id": 1, "name": "id", "required": true, "type": "uuid",
         "initial-default": "0db3e2a8-9d1d-42b9-aa7b-74ebe558dceb", "write-default": "ec5911be-b0a7-458c-8438-c9a3e53cffae"},
        {"id": 2, "name": "data", "required": false, "doc": "the data",
         "type": {"type": "list", "element-id": 3, "element-required": true, "element": "string"}},
        {"id": 4, "name": "m", "required": false,
         "type": {"type": "map", "key-id": 5, "key": "string", "value-id": 6, "value-required": false, "value": "double"}}
      ]
    }`);
    const t = typeFromJson(json, 'type');
    expect(t).toEqual({
      kind: 'struct',
      fields: [
        { id: 1, name: 'id', required: true, type: { kind: 'uuid' }, initialDefault: '0db3e2a8-9d1d-42b9-aa7b-74ebe558dceb', writeDefault: 'ec5911be-b0a7-458c-8438-c9a3e53cffae' },
        { id: 2, name: 'data', required: false, doc: 'the data', type: { kind: 'list', elementId: 3, elementRequired: true, element: { kind: 'string' } } },
        { id: 4, name: 'm', required: false, type: { kind: 'map', keyId: 5, key: { kind: 'string' }, valueId: 6, valueRequired: false, value: { kind: 'double' } } },
      ],
    });
    expect(typeToJson(t)).toEqual(json);
  });

  it.each([
    ['variant', 't: type "variant" is not supported'],
    ['geometry(srid:4326)', 't: type "geometry(srid:4326)" is not supported'],
    ['decimal(39, 2)', 't: decimal precision must be 1..38'],
    ['date32', 't: cannot parse type from "date32"'],
    [42, 't: cannot parse type from 42'],
    [{ type: 'set', element: 'int' }, 't: cannot parse type from {"type":"set","element":"int"}'],
  ])('rejects %j naming the path', (json, message) => {
    expect(errorOf(() => typeFromJson(json, 't')).message).toContain(message);
  });
});

describe('schemaFromJson', () => {
  it('names the JSON path of a bad nested type', () => {
    const json = parseJson(`{"type": "struct", "schema-id": 0, "fields": [
      {"id": 1, "name": "a", "required": true, "type": "int"},
      {"id": 2, "name": "b", "required": true, "type": "int"},
      {"id": 3, "name": "c", "required": true, "type": {"fields": []}}]}`);
    const err = errorOf(() => schemaFromJson(json, 'schemas[0]'));
    expect(err.message).toBe('schemas[0].fields[2].type: cannot parse type from {"fields":[]}');
    expect(err.context['field']).toBe('schemas[0].fields[2].type');
  });

  it.each([
    ['{"type":"struct","fields":[{"id":1,"name":"a","type":"int"}]}', 's.fields[0].required: missing required field'],
    ['{"type":"struct","fields":[{"id":"1","name":"a","required":true,"type":"int"}]}', 's.fields[0].id: expected an int, got "1"'],
    ['{"type":"struct","fields":[{"id":1,"name":"a","required":"yes","type":"int"}]}', 's.fields[0].required: expected a boolean, got "yes"'],
    ['{"type":"struct","fields":{}}', 's.fields: expected an array, got {}'],
    ['{"type":"struct","schema-id":1.5,"fields":[]}', 's.schema-id: expected an int, got 1.5'],
    ['{"type":"list","element-id":1,"element-required":true,"element":"int"}', 's: cannot create schema, not a struct type: list<int>'],
    ['{"type":"struct","fields":[{"id":1,"name":"a","required":true,"type":"int"},{"id":1,"name":"b","required":true,"type":"int"}]}', 's: schema 0: field id 1 is used twice (b)'],
    ['{"type":"struct","identifier-field-ids":[7],"fields":[]}', 's: schema 0: identifier field id 7 does not exist'],
    ['{"type":"struct","fields":[{"id":1,"name":"a","required":true,"type":{"type":"list","element-id":2,"element":"int"}}]}', 's.fields[0].type.element-required: missing required field'],
  ])('rejects %s', (text, message) => {
    expect(errorOf(() => schemaFromJson(parseJson(text), 's')).message).toBe(message);
  });

  it('defaults schema-id to 0 (v1) and reads identifier-field-ids', () => {
    const s = schemaFromJson(parseJson('{"type":"struct","identifier-field-ids":[1],"fields":[{"id":1,"name":"a","required":true,"type":"long"}]}'), 'schema');
    expect(s.schemaId).toBe(0);
    expect(s.identifierFieldIds).toEqual([1]);
    expect(schemaToJson(s)).toEqual({
      type: 'struct',
      'schema-id': 0,
      'identifier-field-ids': [1],
      fields: [{ id: 1, name: 'a', required: true, type: 'long' }],
    });
  });

  it('leaves identifier-field-ids out when empty, like the reference writer', () => {
    expect(schemaToJson(new Schema(3, []))).toEqual({ type: 'struct', 'schema-id': 3, fields: [] });
  });
});

describe('partition specs', () => {
  it('reads and writes the spec object form', () => {
    const json = parseJson('{"spec-id": 1, "fields": [{"source-id": 4, "field-id": 1000, "name": "ts_day", "transform": "day"}, {"source-id": 1, "field-id": 1001, "name": "id_bucket", "transform": "bucket[16]"}]}');
    const spec = partitionSpecFromJson(json, 'partition-specs[0]');
    expect(spec).toEqual({
      specId: 1,
      fields: [
        { sourceId: 4, fieldId: 1000, name: 'ts_day', transform: { kind: 'day' } },
        { sourceId: 1, fieldId: 1001, name: 'id_bucket', transform: { kind: 'bucket', n: 16 } },
      ],
    });
    expect(partitionSpecFromJson(partitionSpecToJson(spec), 'x')).toEqual(spec);
  });

  it('assigns field ids 1000, 1001, ... when v1 fields omit them', () => {
    const spec = partitionFieldsFromJson(parseJson('[{"name":"a","transform":"identity","source-id":1},{"name":"b","transform":"truncate[4]","source-id":2}]'), 0, 'partition-spec');
    expect(spec.fields.map((f) => f.fieldId)).toEqual([1000, 1001]);
    expect(partitionFieldsToJson(spec)).toEqual([
      { name: 'a', transform: 'identity', 'source-id': 1, 'field-id': 1000 },
      { name: 'b', transform: 'truncate[4]', 'source-id': 2, 'field-id': 1001 },
    ]);
  });

  it('rejects a spec where only some fields have ids', () => {
    const json = parseJson('[{"name":"a","transform":"identity","source-id":1,"field-id":1000},{"name":"b","transform":"identity","source-id":2}]');
    expect(errorOf(() => partitionFieldsFromJson(json, 0, 'partition-spec')).message).toBe(
      'partition-spec: cannot parse spec with missing field ids: 1 missing of 2 fields',
    );
  });

  it('reads a single-element v3 source-ids and rejects multi-argument transforms', () => {
    const one = partitionSpecFromJson(parseJson('{"spec-id":0,"fields":[{"source-ids":[3],"field-id":1000,"name":"a","transform":"identity"}]}'), 'p');
    expect(one.fields[0]!.sourceId).toBe(3);
    const two = parseJson('{"spec-id":0,"fields":[{"source-ids":[3,4],"field-id":1000,"name":"a","transform":"zorder"}]}');
    expect(errorOf(() => partitionSpecFromJson(two, 'p')).message).toContain('p.fields[0].source-ids: multi-argument transforms are not supported');
  });

  it('keeps unknown transforms verbatim', () => {
    const spec = partitionSpecFromJson(parseJson('{"spec-id":0,"fields":[{"source-id":1,"field-id":1000,"name":"a","transform":"geohash[5]"}]}'), 'p');
    expect(partitionSpecToJson(spec)).toEqual({ 'spec-id': 0, fields: [{ name: 'a', transform: 'geohash[5]', 'source-id': 1, 'field-id': 1000 }] });
  });

  it('names missing fields', () => {
    expect(errorOf(() => partitionSpecFromJson(parseJson('{"spec-id":0,"fields":[{"source-id":1,"field-id":1000}]}'), 'partition-specs[2]')).message)
      .toBe('partition-specs[2].fields[0].name: missing required field');
    expect(errorOf(() => partitionSpecFromJson(parseJson('{"fields":[]}'), 'partition-specs[0]')).message).toBe('partition-specs[0].spec-id: missing required field');
  });
});

describe('sort orders', () => {
  it('reads and writes the spec example', () => {
    const json = parseJson(`{"order-id": 3, "fields": [
      {"transform": "identity", "source-id": 2, "direction": "asc", "null-order": "nulls-first"},
      {"transform": "bucket[4]", "source-id": 3, "direction": "DESC", "null-order": "nulls-last"}]}`);
    const order = sortOrderFromJson(json, 'sort-orders[0]');
    expect(order).toEqual({
      orderId: 3,
      fields: [
        { sourceId: 2, transform: { kind: 'identity' }, direction: 'asc', nullOrder: 'nulls-first' },
        { sourceId: 3, transform: { kind: 'bucket', n: 4 }, direction: 'desc', nullOrder: 'nulls-last' },
      ],
    });
    expect(sortOrderFromJson(sortOrderToJson(order), 'x')).toEqual(order);
  });

  it.each([
    ['{"order-id":1,"fields":[]}', 'o.order-id: unsorted order must have id 0, got 1'],
    ['{"order-id":0,"fields":[{"transform":"identity","source-id":1,"direction":"asc","null-order":"nulls-first"}]}', 'o.order-id: sort order id 0 is reserved'],
    ['{"order-id":1,"fields":[{"transform":"identity","source-id":1,"direction":"up","null-order":"nulls-first"}]}', 'o.fields[0].direction: expected "asc" or "desc", got "up"'],
    ['{"order-id":1,"fields":[{"transform":"identity","source-id":1,"direction":"asc","null-order":"first"}]}', 'o.fields[0].null-order: expected "nulls-first" or "nulls-last", got "first"'],
  ])('rejects %s', (text, message) => {
    expect(errorOf(() => sortOrderFromJson(parseJson(text), 'o')).message).toContain(message);
  });
});

// --- Random schemas ---------------------------------------------------------------------------

/** A type tree without ids; ids are assigned depth-first afterwards so they are unique. */
type Shape =
  | { readonly t: 'prim'; readonly type: IcebergType }
  | { readonly t: 'struct'; readonly fields: readonly { name: string; required: boolean; doc?: string; shape: Shape }[] }
  | { readonly t: 'list'; readonly elementRequired: boolean; readonly element: Shape }
  | { readonly t: 'map'; readonly valueRequired: boolean; readonly key: Shape; readonly value: Shape };

const PRIMS: PrimitiveTypeName[] = ['boolean', 'int', 'long', 'float', 'double', 'date', 'time', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns', 'string', 'uuid', 'binary'];

const primShape: fc.Arbitrary<Shape> = fc.oneof(
  fc.constantFrom(...PRIMS).map((kind): Shape => ({ t: 'prim', type: { kind } })),
  fc.integer({ min: 1, max: 38 }).chain((p) => fc.integer({ min: 0, max: p }).map((s): Shape => ({ t: 'prim', type: { kind: 'decimal', precision: p, scale: s } }))),
  fc.integer({ min: 1, max: 1024 }).map((length): Shape => ({ t: 'prim', type: { kind: 'fixed', length } })),
);

const fieldName = fc.string({ minLength: 1, maxLength: 8, unit: 'binary' });

const { shape: shapeArb, struct: structArb } = fc.letrec<{ shape: Shape; struct: Shape; list: Shape; map: Shape }>((tie) => ({
  shape: fc.oneof({ depthSize: 'small', withCrossShrink: true }, primShape, tie('struct'), tie('list'), tie('map')),
  struct: fc
    .uniqueArray(
      fc.record({ name: fieldName, required: fc.boolean(), doc: fc.option(fc.string(), { nil: undefined }), shape: tie('shape') }),
      { selector: (f) => f.name, maxLength: 4 },
    )
    .map((fields): Shape => ({ t: 'struct', fields })),
  list: fc.record({ elementRequired: fc.boolean(), element: tie('shape') }).map((r): Shape => ({ t: 'list', ...r })),
  map: fc.record({ valueRequired: fc.boolean(), key: tie('shape'), value: tie('shape') }).map((r): Shape => ({ t: 'map', ...r })),
}));

function build(shape: Shape, next: () => number): IcebergType {
  switch (shape.t) {
    case 'prim':
      return shape.type;
    case 'struct':
      return {
        kind: 'struct',
        fields: shape.fields.map((f): NestedField => {
          const id = next();
          const field: NestedField = { id, name: f.name, required: f.required, type: build(f.shape, next) };
          return f.doc === undefined ? field : { ...field, doc: f.doc };
        }),
      };
    case 'list': {
      const elementId = next();
      return { kind: 'list', elementId, elementRequired: shape.elementRequired, element: build(shape.element, next) };
    }
    case 'map': {
      const keyId = next();
      const valueId = next();
      return { kind: 'map', keyId, key: build(shape.key, next), valueId, valueRequired: shape.valueRequired, value: build(shape.value, next) };
    }
  }
}

const schemaArb = fc.tuple(structArb, fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 100 })).map(([shape, schemaId, firstId]) => {
  let id = firstId;
  const struct = build(shape, () => id++);
  if (struct.kind !== 'struct') throw new Error('unreachable');
  const topIds = struct.fields.filter((f) => f.type.kind !== 'struct' && f.type.kind !== 'list' && f.type.kind !== 'map' && f.required).map((f) => f.id);
  return new Schema(schemaId, struct.fields, topIds.slice(0, 2));
});

describe('random schemas', () => {
  it('survive schemaToJson -> text -> schemaFromJson unchanged', () => {
    fc.assert(
      fc.property(schemaArb, (schema) => {
        const text = stringifyJson(schemaToJson(schema), 2);
        const back = schemaFromJson(parseJson(text), 'schema');
        expect(back).toEqual(schema);
        expect(typesEqual(back.asStruct(), schema.asStruct())).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('types survive typeToJson -> typeFromJson', () => {
    fc.assert(
      fc.property(shapeArb, (shape) => {
        let id = 1;
        const type = build(shape, () => id++);
        expect(typeFromJson(parseJson(stringifyJson(typeToJson(type))), 'type')).toEqual(type);
      }),
    );
  });
});
