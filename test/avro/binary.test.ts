import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BinaryReader,
  BinaryWriter,
  decodeAvroDatum,
  encodeAvroDatum,
  parseAvroSchema,
  type AvroSchema,
  type AvroValue,
} from '../../src/avro/index.js';
import { InvalidAvroError, ValidationError } from '../../src/errors.js';
import { expectInvalidAvro, fromHex, hex } from './helpers.js';

const s = (json: unknown): AvroSchema => parseAvroSchema(json);
const enc = (schema: unknown, v: AvroValue): string => hex(encodeAvroDatum(s(schema), v));

describe('binary encoding: examples from the Avro 1.11 spec', () => {
  it('zig-zag varints (spec table "int and long")', () => {
    const table: [number, string][] = [[0, '00'], [-1, '01'], [1, '02'], [-2, '03'], [2, '04'], [-64, '7f'], [64, '80 01']];
    for (const [v, h] of table) {
      expect(enc('int', v)).toBe(h);
      expect(enc('long', BigInt(v))).toBe(h);
      expect(decodeAvroDatum(s('int'), fromHex(h))).toBe(v);
      expect(decodeAvroDatum(s('long'), fromHex(h))).toBe(BigInt(v));
    }
  });

  it('string "foo", record {a: 27, b: "foo"}, array [3, 27], union ["null","string"]', () => {
    expect(enc('string', 'foo')).toBe('06 66 6f 6f');
    const rec = { type: 'record', name: 'test', fields: [{ name: 'a', type: 'long' }, { name: 'b', type: 'string' }] };
    expect(enc(rec, { a: 27n, b: 'foo' })).toBe('36 06 66 6f 6f');
    expect(decodeAvroDatum(s(rec), fromHex('36 06 66 6f 6f'))).toStrictEqual({ a: 27n, b: 'foo' });
    expect(enc({ type: 'array', items: 'long' }, [3n, 27n])).toBe('04 06 36 00');
    expect(enc(['null', 'string'], null)).toBe('00');
    expect(enc(['null', 'string'], 'a')).toBe('02 02 61');
  });

  it('enum as its index, fixed as raw bytes, boolean as one byte, float/double little-endian', () => {
    expect(enc({ type: 'enum', name: 'Foo', symbols: ['A', 'B', 'C', 'D'] }, 'D')).toBe('06');
    expect(enc({ type: 'fixed', name: 'md5', size: 3 }, new Uint8Array([1, 2, 255]))).toBe('01 02 ff');
    expect(enc('boolean', true)).toBe('01');
    expect(enc('float', 1)).toBe('00 00 80 3f');
    expect(enc('double', -2)).toBe('00 00 00 00 00 00 00 c0');
    expect(enc('null', null)).toBe('');
  });

  it('maps are blocks of string keys and values, then 0', () => {
    expect(enc({ type: 'map', values: 'int' }, new Map([['a', 1]]))).toBe('02 02 61 02 00');
    expect(enc({ type: 'map', values: 'int' }, { a: 1 })).toBe('02 02 61 02 00');
    expect(enc({ type: 'map', values: 'int' }, new Map())).toBe('00');
  });
});

describe('varint limits', () => {
  it('int32 and int64 extremes', () => {
    expect(enc('int', 2 ** 31 - 1)).toBe('fe ff ff ff 0f');
    expect(enc('int', -(2 ** 31))).toBe('ff ff ff ff 0f');
    expect(enc('long', 2n ** 63n - 1n)).toBe('fe ff ff ff ff ff ff ff ff 01');
    expect(enc('long', -(2n ** 63n))).toBe('ff ff ff ff ff ff ff ff ff 01');
    for (const v of [2 ** 31 - 1, -(2 ** 31), 0, -1]) expect(decodeAvroDatum(s('int'), encodeAvroDatum(s('int'), v))).toBe(v);
    for (const v of [2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 52n, -(2n ** 52n)]) {
      expect(decodeAvroDatum(s('long'), encodeAvroDatum(s('long'), v))).toBe(v);
    }
  });

  it('every long round-trips, whether given as bigint or safe-integer number', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => {
        expect(decodeAvroDatum(s('long'), encodeAvroDatum(s('long'), v))).toBe(v);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.maxSafeInteger(), (v) => {
        expect(decodeAvroDatum(s('long'), encodeAvroDatum(s('long'), v))).toBe(BigInt(v));
        expect(encodeAvroDatum(s('long'), v)).toStrictEqual(encodeAvroDatum(s('long'), BigInt(v)));
      }),
      { numRuns: 2000 },
    );
  });

  it('an int varint beyond 32 bits and a long varint beyond 64 bits are errors, not wrapped values', () => {
    expect(expectInvalidAvro(() => decodeAvroDatum(s('int'), fromHex('80 80 80 80 10'))).message).toMatch(/int varint overflows 32 bits/);
    expect(expectInvalidAvro(() => decodeAvroDatum(s('int'), fromHex('ff ff ff ff ff 01'))).message).toMatch(/overflows/);
    // Same bytes through the bounds-checked slow path (fewer than 5 bytes left after the start).
    const r = new BinaryReader(fromHex('00 80 80 80 80 10'), 1);
    expect(() => r.readInt()).toThrow(/overflows 32 bits/);
    expect(expectInvalidAvro(() => decodeAvroDatum(s('long'), fromHex('ff ff ff ff ff ff ff ff ff 02'))).message).toMatch(/overflows 64 bits/);
    expect(expectInvalidAvro(() => decodeAvroDatum(s('long'), fromHex('ff ff ff ff ff ff ff ff ff 81 00'))).message).toMatch(/overflows 64 bits/);
  });

  it('truncated varints, floats, strings and fixed are InvalidAvroErrors with an offset', () => {
    for (const [schema, bytes] of [
      ['int', '80'],
      ['long', 'ff ff'],
      ['long', 'ff ff ff ff ff ff ff ff'],
      ['float', '00 00 80'],
      ['double', '00'],
      ['string', '06 66 6f'],
      ['bytes', '04'],
      [{ type: 'fixed', name: 'f', size: 4 }, '01 02'],
      ['boolean', ''],
    ] as const) {
      const err = expectInvalidAvro(() => decodeAvroDatum(s(schema), fromHex(bytes)));
      expect(err.message).toMatch(/truncated data: .* at offset \d+/);
    }
  });

  it('negative lengths, bad booleans, bad enum and union indexes, invalid UTF-8, trailing bytes', () => {
    expect(expectInvalidAvro(() => decodeAvroDatum(s('string'), fromHex('01'))).message).toMatch(/negative string length -1/);
    expect(expectInvalidAvro(() => decodeAvroDatum(s('boolean'), fromHex('02'))).message).toMatch(/invalid boolean byte 2/);
    const e = { type: 'enum', name: 'E', symbols: ['A', 'B'] };
    expect(expectInvalidAvro(() => decodeAvroDatum(s(e), fromHex('04'))).message).toMatch(/enum E index 2 out of range/);
    expect(expectInvalidAvro(() => decodeAvroDatum(s(['null', 'int']), fromHex('04'))).message).toMatch(/union index 2 out of range/);
    expect(expectInvalidAvro(() => decodeAvroDatum(s(['null', 'int', 'string']), fromHex('01'))).message).toMatch(/union index -1/);
    expect(expectInvalidAvro(() => decodeAvroDatum(s('string'), fromHex('04 c3 28'))).message).toMatch(/not valid UTF-8/);
    expect(expectInvalidAvro(() => decodeAvroDatum(s('int'), fromHex('02 00'))).message).toMatch(/trailing/);
  });
});

describe('arrays and maps in blocks', () => {
  it('reads several blocks, including negative counts followed by a byte size', () => {
    // [-2 items, 2 bytes] 1 2, [1 item] 3, end
    expect(decodeAvroDatum(s({ type: 'array', items: 'int' }), fromHex('03 04 02 04 02 06 00'))).toStrictEqual([1, 2, 3]);
    // map: [-1 entry, 3 bytes] "a" -> 1, end
    expect(decodeAvroDatum(s({ type: 'map', values: 'int' }), fromHex('01 06 02 61 02 00'))).toStrictEqual(new Map([['a', 1]]));
  });

  it('a block count larger than the bytes left fails fast instead of looping', () => {
    const err = expectInvalidAvro(() => decodeAvroDatum(s({ type: 'array', items: 'long' }), fromHex('fe ff ff ff 0f 00')));
    expect(err.message).toMatch(/array block count 2147483647 exceeds/);
    // Zero-width items (null) are capped instead.
    const nulls = expectInvalidAvro(() => decodeAvroDatum(s({ type: 'array', items: 'null' }), fromHex('fe ff ff ff ff ff 0f 00')));
    expect(nulls.message).toMatch(/block count/);
    expect(decodeAvroDatum(s({ type: 'array', items: 'null' }), fromHex('06 00'))).toStrictEqual([null, null, null]);
  });

  it('a negative block byte size is an error', () => {
    expect(expectInvalidAvro(() => decodeAvroDatum(s({ type: 'array', items: 'int' }), fromHex('01 01 02 00'))).message).toMatch(/negative array block size/);
  });
});

describe('strings', () => {
  it('round-trip any Unicode text, short and long (both encoder paths)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (v) => {
        expect(decodeAvroDatum(s('string'), encodeAvroDatum(s('string'), v))).toBe(v);
        expect(encodeAvroDatum(s('string'), v)).toStrictEqual(encodeAvroDatum(s('bytes'), new TextEncoder().encode(v)));
      }),
      { numRuns: 1000 },
    );
    const long = 'é'.repeat(5000) + 'x'.repeat(70000);
    expect(decodeAvroDatum(s('string'), encodeAvroDatum(s('string'), long))).toBe(long);
  });

  it('the writer buffer grows as needed', () => {
    const w = new BinaryWriter(16);
    for (let i = 0; i < 1000; i++) w.writeString(`ünïcödé ${i}`);
    const r = new BinaryReader(w.toBytes());
    for (let i = 0; i < 1000; i++) expect(r.readString()).toBe(`ünïcödé ${i}`);
    expect(r.remaining).toBe(0);
  });
});

describe('writer value checks', () => {
  const rec = s({
    type: 'record',
    name: 'r',
    fields: [
      { name: 'id', type: 'long' },
      { name: 'tags', type: { type: 'array', items: 'string' }, default: [] },
      { name: 'opt', type: ['null', 'int'], default: null },
      { name: 'inner', type: { type: 'record', name: 'in', fields: [{ name: 'x', type: 'int' }] } },
    ],
  });

  it('missing fields take their default; a missing field without one is named', () => {
    expect(decodeAvroDatum(rec, encodeAvroDatum(rec, { id: 1n, inner: { x: 2 } }))).toStrictEqual({ id: 1n, tags: [], opt: null, inner: { x: 2 } });
    expect(() => encodeAvroDatum(rec, { id: 1n })).toThrow(ValidationError);
    expect(() => encodeAvroDatum(rec, { id: 1n })).toThrow(/missing field inner of record r, which has no default/);
    expect(() => encodeAvroDatum(rec, { id: 1n, inner: {} })).toThrow(/inner: missing field x of record in/);
  });

  it('type mismatches name the path', () => {
    expect(() => encodeAvroDatum(rec, { id: 'x', inner: { x: 1 } })).toThrow(/id: expected long \(bigint or safe integer\), got string "x"/);
    expect(() => encodeAvroDatum(rec, { id: 1n, tags: ['a', 2], inner: { x: 1 } })).toThrow(/tags\[1\]: expected string, got number 2/);
    expect(() => encodeAvroDatum(rec, { id: 1n, opt: 2 ** 40, inner: { x: 1 } })).toThrow(/opt: expected int/);
    expect(() => encodeAvroDatum(rec, { id: 1n, inner: { x: 1.5 } })).toThrow(/inner\.x: expected int/);
    expect(() => encodeAvroDatum(s('long'), 2n ** 63n)).toThrow(/expected long \(64-bit\)/);
    expect(() => encodeAvroDatum(s('long'), 2 ** 53)).toThrow(/expected long/);
    expect(() => encodeAvroDatum(s({ type: 'fixed', name: 'f', size: 2 }), new Uint8Array(3))).toThrow(/fixed f/);
    expect(() => encodeAvroDatum(s({ type: 'enum', name: 'E', symbols: ['A'] }), 'B')).toThrow(/a symbol of enum E/);
  });

  it('unions pick the first branch that accepts the JS value', () => {
    const u = s(['null', 'int', 'long', 'double', 'string', { type: 'enum', name: 'E', symbols: ['X'] }, 'bytes', { type: 'map', values: 'int' }]);
    const branch = (v: AvroValue) => encodeAvroDatum(u, v)[0]! >> 1;
    expect(branch(null)).toBe(0);
    expect(branch(5)).toBe(1);
    expect(branch(2 ** 40)).toBe(2); // not an int32, still a safe integer
    expect(branch(5n)).toBe(2);
    expect(branch(0.5)).toBe(3);
    expect(branch('X')).toBe(4); // string comes first
    expect(branch(new Uint8Array(1))).toBe(6);
    expect(branch(new Map())).toBe(7);
    expect(branch({ a: 1 })).toBe(7);
    expect(() => encodeAvroDatum(u, true)).toThrow(/expected a value for union \[null, int, long, double, string, enum E, bytes, map<int>\], got boolean true/);
    expect(() => encodeAvroDatum(s(['int', 'string']), null)).toThrow(/got null/);
    // Records: the first whose fields without defaults are all present.
    const two = s([
      { type: 'record', name: 'A', fields: [{ name: 'a', type: 'int' }] },
      { type: 'record', name: 'B', fields: [{ name: 'b', type: 'int' }, { name: 'c', type: 'int', default: 0 }] },
    ]);
    expect(decodeAvroDatum(two, encodeAvroDatum(two, { b: 7 }))).toStrictEqual({ b: 7, c: 0 });
    expect(decodeAvroDatum(two, encodeAvroDatum(two, { a: 7 }))).toStrictEqual({ a: 7 });
  });

  it('field names that are Object.prototype members are handled as data', () => {
    const r = s({
      type: 'record',
      name: 'p',
      fields: [
        { name: '__proto__', type: 'int', default: 1 },
        { name: 'constructor', type: 'string', default: 'c' },
        { name: 'toString', type: 'int' },
      ],
    });
    const v = decodeAvroDatum(r, encodeAvroDatum(r, { toString: 3 } as unknown as AvroValue));
    expect(Object.keys(v as object)).toStrictEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(v, '__proto__')?.value).toBe(1);
    expect((v as Record<string, unknown>)['constructor']).toBe('c');
    expect(() => encodeAvroDatum(r, {})).toThrow(/missing field toString/);
  });

  it('an unusable default is reported when it is needed', () => {
    const bad = parseAvroSchema({ type: 'record', name: 'r', fields: [{ name: 'n', type: 'int', default: 'x' }] }, { validateDefaults: false });
    expect(() => encodeAvroDatum(bad, {})).toThrow(/field n is missing and its default is unusable/);
    expect(encodeAvroDatum(bad, { n: 1 })).toStrictEqual(fromHex('02'));
  });

  it('non-finite and negative-zero doubles and floats keep their bits', () => {
    for (const v of [NaN, Infinity, -Infinity, -0, 0, Number.MIN_VALUE, Number.MAX_VALUE]) {
      expect(Object.is(decodeAvroDatum(s('double'), encodeAvroDatum(s('double'), v)), v)).toBe(true);
    }
    for (const v of [NaN, Infinity, -Infinity, -0, Math.fround(1.1)]) {
      expect(Object.is(decodeAvroDatum(s('float'), encodeAvroDatum(s('float'), v)), v)).toBe(true);
    }
  });

  it('bytes decode as plain Uint8Array copies, not views of the input', () => {
    const input = Buffer.from(fromHex('06 01 02 03'));
    const out = decodeAvroDatum(s('bytes'), input) as Uint8Array;
    expect(out.constructor).toBe(Uint8Array);
    input[1] = 9;
    expect([...out]).toStrictEqual([1, 2, 3]);
  });

  it('errors are typed', () => {
    expect(() => decodeAvroDatum(s('int'), new Uint8Array())).toThrow(InvalidAvroError);
  });
});
