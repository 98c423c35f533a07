import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import type { PrimitiveType, PrimitiveTypeName } from '../../../src/iceberg/spec/types.js';
import { decimal, fixed, primitive } from '../../../src/iceberg/spec/types.js';
import {
  compareBytes,
  compareValues,
  deserializeValue,
  javaBigDecimalToString,
  serializeValue,
  valueFromJson,
  valueToJson,
} from '../../../src/iceberg/spec/value-serialization.js';
import type { PrimitiveValue } from '../../../src/iceberg/spec/values.js';

const t = (k: PrimitiveTypeName): PrimitiveType => primitive(k);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const int64 = fc.bigInt({ min: INT64_MIN, max: INT64_MAX });
const DEC38 = 10n ** 38n - 1n;

/** An arbitrary for every primitive type, biased to include the extremes. */
const cases: [PrimitiveType, fc.Arbitrary<PrimitiveValue>][] = [
  [t('boolean'), fc.boolean()],
  [t('int'), fc.oneof(fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }), fc.constantFrom(-0x8000_0000, 0x7fff_ffff, 0))],
  [t('long'), fc.oneof(int64, fc.constantFrom(INT64_MIN, INT64_MAX, 0n, -1n))],
  [t('float'), fc.oneof(fc.float(), fc.constantFrom(NaN, -0, 0, Infinity, -Infinity, 3.4028234663852886e38, 1.401298464324817e-45))],
  [t('double'), fc.oneof(fc.double(), fc.constantFrom(NaN, -0, 0, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE))],
  [t('date'), fc.integer({ min: -100_000_000, max: 100_000_000 })],
  [t('time'), fc.bigInt({ min: 0n, max: 86_400_000_000n - 1n })],
  [t('timestamp'), fc.oneof(int64, fc.constantFrom(INT64_MIN, INT64_MAX))],
  [t('timestamptz'), int64],
  [t('timestamp_ns'), fc.oneof(int64, fc.constantFrom(INT64_MIN, INT64_MAX))],
  [t('timestamptz_ns'), int64],
  [t('string'), fc.string({ unit: 'binary' })],
  [t('uuid'), fc.uuid()],
  [t('binary'), fc.uint8Array({ maxLength: 64 })],
  [fixed(7), fc.uint8Array({ minLength: 7, maxLength: 7 })],
  [decimal(38, 0), fc.oneof(fc.bigInt({ min: -DEC38, max: DEC38 }), fc.constantFrom(-DEC38, DEC38, 0n, -1n))],
  [decimal(38, 38), fc.bigInt({ min: -DEC38, max: DEC38 })],
  [decimal(38, 10), fc.constantFrom(-DEC38, DEC38, 1n, -128n, 127n, 128n, -129n)],
  [decimal(9, 2), fc.bigInt({ min: -999_999_999n, max: 999_999_999n })],
];

function sameValue(a: PrimitiveValue, b: PrimitiveValue): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b);
  if (a instanceof Uint8Array && b instanceof Uint8Array) return compareBytes(a, b) === 0 && a.length === b.length;
  return a === b;
}

describe('binary single-value serialisation (Appendix D)', () => {
  it('encodes the documented layouts', () => {
    expect(hex(serializeValue(t('boolean'), true))).toBe('01');
    expect(hex(serializeValue(t('boolean'), false))).toBe('00');
    expect(hex(serializeValue(t('int'), 34))).toBe('22000000');
    expect(hex(serializeValue(t('int'), -1))).toBe('ffffffff');
    expect(hex(serializeValue(t('date'), 17486))).toBe('4e440000');
    expect(hex(serializeValue(t('long'), 34n))).toBe('2200000000000000');
    expect(hex(serializeValue(t('timestamp'), -2n))).toBe('feffffffffffffff');
    expect(hex(serializeValue(t('float'), 1))).toBe('0000803f');
    expect(hex(serializeValue(t('double'), 1))).toBe('000000000000f03f');
    expect(hex(serializeValue(t('string'), 'iceberg'))).toBe(hex(new TextEncoder().encode('iceberg')));
    // Appendix B note 4
    expect(hex(serializeValue(t('uuid'), 'f79c3e09-677c-4bbd-a479-3f349cb785e7'))).toBe('f79c3e09677c4bbda4793f349cb785e7');
    expect(hex(serializeValue(fixed(4), Uint8Array.of(0, 1, 2, 3)))).toBe('00010203');
  });

  it('encodes decimals as minimal two\'s complement big-endian', () => {
    const d = decimal(38, 2);
    expect(hex(serializeValue(d, 1420n))).toBe('058c');
    expect(hex(serializeValue(d, 0n))).toBe('00');
    expect(hex(serializeValue(d, -1n))).toBe('ff');
    expect(hex(serializeValue(d, 127n))).toBe('7f');
    expect(hex(serializeValue(d, 128n))).toBe('0080');
    expect(hex(serializeValue(d, -128n))).toBe('80');
    expect(hex(serializeValue(d, -129n))).toBe('ff7f');
    expect(serializeValue(d, DEC38)).toHaveLength(16);
    expect(serializeValue(d, -DEC38)).toHaveLength(16);
    expect(deserializeValue(d, Uint8Array.of(0x05, 0x8c))).toBe(1420n);
    // non-minimal (padded) input still decodes
    expect(deserializeValue(d, Uint8Array.of(0xff, 0xff, 0xff, 0x80))).toBe(-128n);
  });

  it('round-trips every primitive type (property)', () => {
    for (const [type, arb] of cases) {
      fc.assert(
        fc.property(arb, (v) => {
          const back = deserializeValue(type, serializeValue(type, v));
          expect(sameValue(back, v)).toBe(true);
        }),
        { numRuns: 200 },
      );
    }
  });

  it('rejects wrong lengths with ValidationError naming the type and length', () => {
    const bad: [PrimitiveType, number][] = [
      [t('boolean'), 2], [t('int'), 8], [t('date'), 3], [t('long'), 5], [t('time'), 4], [t('timestamptz'), 4],
      [t('timestamptz_ns'), 7], [t('float'), 8], [t('double'), 5], [t('uuid'), 15], [fixed(4), 5], [decimal(9, 2), 0],
    ];
    for (const [type, n] of bad) {
      const attempt = (): unknown => deserializeValue(type, new Uint8Array(n));
      expect(attempt).toThrow(ValidationError);
      try {
        attempt();
      } catch (e) {
        expect((e as ValidationError).context.length).toBe(n);
        expect((e as Error).message).toContain(String(n));
      }
    }
    expect(() => deserializeValue(fixed(4), new Uint8Array(5))).toThrow(/fixed\[4\]/);
    expect(() => deserializeValue(t('uuid'), new Uint8Array(15))).toThrow(/uuid.*15/);
  });

  it('reads bounds written before a type promotion (spec "Schema Evolution" table)', () => {
    expect(deserializeValue(t('long'), serializeValue(t('int'), -5))).toBe(-5n);
    expect(deserializeValue(t('double'), serializeValue(t('float'), 1.5))).toBe(1.5);
    expect(deserializeValue(t('timestamp'), serializeValue(t('date'), -1))).toBe(-86_400_000_000n);
    expect(deserializeValue(t('timestamp_ns'), serializeValue(t('date'), 1))).toBe(86_400_000_000_000n);
  });

  it('rejects invalid values', () => {
    expect(() => serializeValue(t('int'), 2 ** 31)).toThrow(ValidationError);
    expect(() => serializeValue(t('int'), 1.5)).toThrow(ValidationError);
    expect(() => serializeValue(t('long'), 1n << 63n)).toThrow(ValidationError);
    expect(() => serializeValue(t('long'), 5)).toThrow(ValidationError);
    expect(() => serializeValue(t('float'), 0.1)).toThrow(ValidationError); // not a float32
    expect(() => serializeValue(fixed(4), new Uint8Array(3))).toThrow(ValidationError);
    expect(() => serializeValue(decimal(3, 0), 1000n)).toThrow(ValidationError);
    expect(() => serializeValue(t('uuid'), 'f79c3e09677c4bbda4793f349cb785e7')).toThrow(ValidationError);
    expect(() => deserializeValue(t('string'), Uint8Array.of(0xc3))).toThrow(ValidationError);
  });

  it('decodes any non-zero byte as true and uuids to lowercase', () => {
    expect(deserializeValue(t('boolean'), Uint8Array.of(7))).toBe(true);
    expect(deserializeValue(t('uuid'), serializeValue(t('uuid'), 'F79C3E09-677C-4BBD-A479-3F349CB785E7'))).toBe(
      'f79c3e09-677c-4bbd-a479-3f349cb785e7',
    );
  });
});

describe('compareValues', () => {
  const sign = (n: number): number => Math.sign(n);

  it('orders strings by code point = UTF-8 bytes, not UTF-16 units', () => {
    expect(compareValues(t('string'), '\uffff', '😀')).toBe(-1); // JS '<' says the opposite
    expect('\uffff' < '😀').toBe(false);
    expect(compareValues(t('string'), 'a', 'ab')).toBe(-1);
    expect(compareValues(t('string'), 'b', 'ab')).toBe(1);
    expect(compareValues(t('string'), 'é', 'é')).toBe(0);
    const enc = new TextEncoder();
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        const expected = sign(Buffer.compare(enc.encode(a), enc.encode(b)));
        expect(compareValues(t('string'), a, b)).toBe(expected);
        expect(sign(compareBytes(serializeValue(t('string'), a), serializeValue(t('string'), b)))).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('orders binary and fixed unsigned-lexicographically', () => {
    expect(compareValues(t('binary'), Uint8Array.of(0x7f), Uint8Array.of(0x80))).toBe(-1);
    expect(compareValues(t('binary'), Uint8Array.of(1), Uint8Array.of(1, 0))).toBe(-1);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }), (a, b) => {
        expect(compareValues(t('binary'), a, b)).toBe(sign(Buffer.compare(a, b)));
      }),
    );
  });

  it('orders uuids by their serialized bytes', () => {
    expect(compareValues(t('uuid'), '7fffffff-ffff-ffff-0000-000000000000', '80000000-0000-0000-0000-000000000000')).toBe(-1);
    fc.assert(
      fc.property(fc.uuid(), fc.uuid(), (a, b) => {
        const bytes = sign(compareBytes(serializeValue(t('uuid'), a), serializeValue(t('uuid'), b)));
        expect(compareValues(t('uuid'), a, b)).toBe(bytes);
        expect(compareValues(t('uuid'), a.toUpperCase(), b)).toBe(bytes);
      }),
    );
  });

  it('orders floats like Java Float.compare: -0 < 0, NaN last and equal to NaN', () => {
    const f = t('double');
    expect(compareValues(f, -0, 0)).toBe(-1);
    expect(compareValues(f, 0, -0)).toBe(1);
    expect(compareValues(f, NaN, Infinity)).toBe(1);
    expect(compareValues(f, -Infinity, NaN)).toBe(-1);
    expect(compareValues(f, NaN, NaN)).toBe(0);
    const sorted = [NaN, 1, -Infinity, 0, -0, Infinity, -1].sort((a, b) => compareValues(t('float'), a, b));
    expect(sorted).toEqual([-Infinity, -1, -0, 0, 1, Infinity, NaN]);
  });

  it('orders numbers, temporal values and decimals numerically', () => {
    expect(compareValues(t('int'), -1, 1)).toBe(-1);
    expect(compareValues(t('long'), INT64_MAX, INT64_MIN)).toBe(1);
    expect(compareValues(t('timestamp'), 5n, 5n)).toBe(0);
    expect(compareValues(decimal(38, 2), -DEC38, DEC38)).toBe(-1);
    expect(compareValues(t('boolean'), false, true)).toBe(-1);
  });
});

describe('JSON single-value serialisation (Appendix D)', () => {
  it('produces the spec examples', () => {
    expect(valueToJson(t('boolean'), true)).toBe(true);
    expect(valueToJson(t('int'), 34)).toBe(34);
    expect(valueToJson(t('long'), 34n)).toBe(34n);
    expect(valueToJson(t('float'), 1)).toBe(1);
    expect(valueToJson(t('float'), Math.fround(0.1))).toBe(0.1);
    expect(valueToJson(t('double'), 1)).toBe(1);
    expect(valueToJson(decimal(4, 2), 1420n)).toBe('14.20');
    expect(valueToJson(decimal(1, -20), 2n)).toBe('2E+20');
    expect(valueToJson(t('date'), 17486)).toBe('2017-11-16');
    expect(valueToJson(t('time'), 81_068_123_456n)).toBe('22:31:08.123456');
    const ts = BigInt(Date.parse('2017-11-16T22:31:08Z')) * 1000n;
    expect(valueToJson(t('timestamp'), ts + 123_456n)).toBe('2017-11-16T22:31:08.123456');
    expect(valueToJson(t('timestamptz'), ts + 123_456n)).toBe('2017-11-16T22:31:08.123456+00:00');
    expect(valueToJson(t('timestamp_ns'), ts * 1000n + 123_456_789n)).toBe('2017-11-16T22:31:08.123456789');
    expect(valueToJson(t('timestamptz_ns'), ts * 1000n + 123_456_789n)).toBe('2017-11-16T22:31:08.123456789+00:00');
    expect(valueToJson(t('string'), 'iceberg')).toBe('iceberg');
    expect(valueToJson(t('uuid'), 'F79C3E09-677C-4BBD-A479-3F349CB785E7')).toBe('f79c3e09-677c-4bbd-a479-3f349cb785e7');
    expect(valueToJson(fixed(4), Uint8Array.of(0, 1, 2, 0xff))).toBe('000102ff');
    expect(valueToJson(t('binary'), Uint8Array.of(0, 1, 2, 0xff))).toBe('000102ff');
  });

  it('parses the spec examples', () => {
    expect(valueFromJson(t('long'), 34)).toBe(34n);
    expect(valueFromJson(t('long'), 9007199254740993n)).toBe(9007199254740993n);
    expect(valueFromJson(t('int'), 34n)).toBe(34);
    expect(valueFromJson(decimal(4, 2), '14.20')).toBe(1420n);
    expect(valueFromJson(decimal(4, 2), '14.2')).toBe(1420n);
    expect(valueFromJson(decimal(1, -20), '2E+20')).toBe(2n);
    expect(valueFromJson(t('date'), '2017-11-16')).toBe(17486);
    expect(valueFromJson(t('time'), '22:31:08.123456')).toBe(81_068_123_456n);
    expect(valueFromJson(t('time'), '22:31')).toBe(81_060_000_000n);
    expect(valueFromJson(t('timestamptz'), '2017-11-16T22:31:08.123456Z')).toBe(
      valueFromJson(t('timestamptz'), '2017-11-16T22:31:08.123456+00:00'),
    );
    expect(valueFromJson(t('binary'), '000102FF')).toEqual(Uint8Array.of(0, 1, 2, 0xff));
  });

  it('handles pre-1970 and far-out timestamps', () => {
    expect(valueToJson(t('timestamp'), -1n)).toBe('1969-12-31T23:59:59.999999');
    expect(valueToJson(t('timestamp_ns'), -1n)).toBe('1969-12-31T23:59:59.999999999');
    expect(valueToJson(t('date'), -719529)).toBe('-0001-12-31');
    expect(valueToJson(t('date'), 2_932_897)).toBe('+10000-01-01');
    expect(valueFromJson(t('timestamp'), '1969-12-31T23:59:59.9999999')).toBe(-1n);
  });

  it('rejects malformed input with ValidationError', () => {
    const bad: [PrimitiveType, unknown][] = [
      [t('boolean'), 'true'],
      [t('int'), 2 ** 31],
      [t('int'), 1.5],
      [t('long'), 1.5],
      [t('long'), '34'],
      [decimal(4, 2), 14.2],
      [decimal(4, 2), '14.205'],
      [decimal(4, 2), '140.20'],
      [decimal(4, 2), 'abc'],
      [t('date'), '2017-02-30'],
      [t('date'), '2017-13-01'],
      [t('time'), '24:00:00'],
      [t('timestamp'), '2017-11-16T22:31:08+00:00'],
      [t('timestamptz'), '2017-11-16T22:31:08'],
      [t('timestamptz'), '2017-11-16T22:31:08-08:00'],
      [t('uuid'), 'nope'],
      [fixed(4), '000102'],
      [t('binary'), '0g'],
    ];
    for (const [type, json] of bad) expect(() => valueFromJson(type, json), `${JSON.stringify(String(json))}`).toThrow(ValidationError);
  });

  it('round-trips every primitive type (property)', () => {
    for (const [type, arb] of cases) {
      fc.assert(
        fc.property(arb, (v) => {
          const back = valueFromJson(type, valueToJson(type, v));
          expect(sameValue(back, v)).toBe(true);
        }),
        { numRuns: 200 },
      );
    }
  });
});

describe('javaBigDecimalToString', () => {
  it('matches BigDecimal.toString', () => {
    expect(javaBigDecimalToString(1420n, 2)).toBe('14.20');
    expect(javaBigDecimalToString(-5n, 2)).toBe('-0.05');
    expect(javaBigDecimalToString(1n, 7)).toBe('1E-7');
    expect(javaBigDecimalToString(123n, -20)).toBe('1.23E+22');
    expect(javaBigDecimalToString(0n, 2)).toBe('0.00');
  });
});
