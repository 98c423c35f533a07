import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UnsupportedError, ValidationError } from '../../../src/errors.js';
import { hashDouble, hashLong, hashLongNumber, hashString, hashValue, murmur3Hash32 } from '../../../src/iceberg/spec/murmur3.js';
import type { PrimitiveType, PrimitiveTypeName } from '../../../src/iceberg/spec/types.js';
import { decimal, fixed, primitive } from '../../../src/iceberg/spec/types.js';

const t = (k: PrimitiveTypeName): PrimitiveType => primitive(k);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

const micros = (iso: string): bigint => BigInt(Date.parse(iso)) * 1000n;
const TS = micros('2017-11-16T22:31:08Z');

describe('murmur3Hash32', () => {
  it('matches the published murmur3_x86_32 seed-0 vectors (all tail lengths)', () => {
    expect(murmur3Hash32(new Uint8Array(0))).toBe(0);
    expect(murmur3Hash32(utf8('hello'))).toBe(0x248bfa47 | 0);
    expect(murmur3Hash32(utf8('The quick brown fox jumps over the lazy dog'))).toBe(0x2e4ff723 | 0);
  });

  it('hashes a prefix when given a length', () => {
    const buf = Uint8Array.of(0, 1, 2, 3, 99, 99);
    expect(murmur3Hash32(buf, 4)).toBe(murmur3Hash32(Uint8Array.of(0, 1, 2, 3)));
  });
});

// Spec Appendix B, "32-bit Hash Requirements": every test value in the table.
describe('hashValue: Appendix B test vectors', () => {
  it('int and long', () => {
    expect(hashValue(t('int'), 34)).toBe(2017239379);
    expect(hashValue(t('long'), 34n)).toBe(2017239379);
  });

  it('decimal 14.20', () => {
    expect(hashValue(decimal(4, 2), 1420n)).toBe(-500754589);
    // scale is part of the type, not the hash (note 2)
    expect(hashValue(decimal(38, 10), 1420n)).toBe(-500754589);
  });

  it('date 2017-11-16', () => {
    expect(hashValue(t('date'), 17486)).toBe(-653330422);
  });

  it('time 22:31:08', () => {
    expect(hashValue(t('time'), (22n * 3600n + 31n * 60n + 8n) * 1_000_000n)).toBe(-662762989);
  });

  it('timestamp and timestamptz', () => {
    expect(hashValue(t('timestamp'), TS)).toBe(-2047944441);
    expect(hashValue(t('timestamp'), TS + 1n)).toBe(-1207196810);
    expect(hashValue(t('timestamptz'), micros('2017-11-16T14:31:08-08:00'))).toBe(-2047944441);
    expect(hashValue(t('timestamptz'), micros('2017-11-16T14:31:08-08:00') + 1n)).toBe(-1207196810);
  });

  it('timestamp_ns and timestamptz_ns (converted to micros first, note 3)', () => {
    expect(hashValue(t('timestamp_ns'), TS * 1000n)).toBe(-2047944441);
    expect(hashValue(t('timestamp_ns'), TS * 1000n + 1001n)).toBe(-1207196810);
    expect(hashValue(t('timestamptz_ns'), micros('2017-11-16T14:31:08-08:00') * 1000n)).toBe(-2047944441);
    expect(hashValue(t('timestamptz_ns'), micros('2017-11-16T14:31:08-08:00') * 1000n + 1001n)).toBe(-1207196810);
  });

  it('string, uuid, fixed, binary', () => {
    expect(hashValue(t('string'), 'iceberg')).toBe(1210000089);
    expect(hashValue(t('uuid'), 'f79c3e09-677c-4bbd-a479-3f349cb785e7')).toBe(1488055340);
    expect(hashValue(t('uuid'), 'F79C3E09-677C-4BBD-A479-3F349CB785E7')).toBe(1488055340);
    expect(hashValue(fixed(4), Uint8Array.of(0, 1, 2, 3))).toBe(-188683207);
    expect(hashValue(t('binary'), Uint8Array.of(0, 1, 2, 3))).toBe(-188683207);
  });

  it('boolean, float, double (types not valid for bucketing)', () => {
    expect(hashValue(t('boolean'), true)).toBe(1392991556);
    expect(hashValue(t('float'), 1)).toBe(-142385009);
    expect(hashValue(t('float'), 0)).toBe(1669671676);
    expect(hashValue(t('float'), -0)).toBe(1669671676);
    expect(hashValue(t('double'), 1)).toBe(-142385009);
    expect(hashValue(t('double'), 0)).toBe(1669671676);
    expect(hashValue(t('double'), -0)).toBe(1669671676);
  });

  it('int 34 and string "34" differ (spec "Schema Evolution")', () => {
    expect(hashValue(t('string'), '34')).toBe(-427558391);
  });
});

function longLE(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, v, true);
  return b;
}

describe('hash helpers agree with hashing the bytes', () => {
  it('hashLong = murmur3 of 8 little-endian bytes, for every int64', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), (v) => {
        expect(hashLong(v)).toBe(murmur3Hash32(longLE(v)));
      }),
      { examples: [[0n], [-1n], [-(1n << 63n)], [(1n << 63n) - 1n], [BigInt(Number.MAX_SAFE_INTEGER) + 1n]] },
    );
  });

  it('int hashes equal long hashes (note 1)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }), (v) => {
        expect(hashValue(t('int'), v)).toBe(hashValue(t('long'), BigInt(v)));
        expect(hashLongNumber(v)).toBe(murmur3Hash32(longLE(BigInt(v))));
      }),
    );
  });

  it('hashDouble hashes doubleToLongBits; NaNs and -0 canonicalised (note 5)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (d) => {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setFloat64(0, d === 0 ? 0 : d, true);
        expect(hashDouble(d)).toBe(murmur3Hash32(b));
      }),
    );
    expect(hashDouble(NaN)).toBe(murmur3Hash32(longLE(0x7ff8000000000000n)));
    expect(hashDouble(-NaN)).toBe(hashDouble(NaN));
  });

  it('float hashes as the float widened to double', () => {
    fc.assert(
      fc.property(fc.float(), (f) => {
        expect(hashValue(t('float'), f)).toBe(hashValue(t('double'), f));
      }),
    );
  });

  it('hashString = murmur3 of UTF-8, including long and non-BMP strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        expect(hashString(s)).toBe(murmur3Hash32(utf8(s)));
      }),
    );
  });

  it('decimal uses the minimal two\'s complement bytes', () => {
    expect(hashValue(decimal(9, 0), 0n)).toBe(murmur3Hash32(Uint8Array.of(0)));
    expect(hashValue(decimal(9, 0), -1n)).toBe(murmur3Hash32(Uint8Array.of(0xff)));
    expect(hashValue(decimal(9, 0), 128n)).toBe(murmur3Hash32(Uint8Array.of(0x00, 0x80)));
    expect(hashValue(decimal(9, 0), -128n)).toBe(murmur3Hash32(Uint8Array.of(0x80)));
    expect(hashValue(decimal(9, 0), -129n)).toBe(murmur3Hash32(Uint8Array.of(0xff, 0x7f)));
  });

  it('timestamp_ns floors to micros for negative values', () => {
    expect(hashValue(t('timestamp_ns'), -1n)).toBe(hashLong(-1n));
    expect(hashValue(t('timestamp_ns'), -1000n)).toBe(hashLong(-1n));
    expect(hashValue(t('timestamp_ns'), -1001n)).toBe(hashLong(-2n));
  });
});

describe('hashValue errors', () => {
  it('rejects values of the wrong JS type', () => {
    expect(() => hashValue(t('long'), 34)).toThrow(ValidationError);
    expect(() => hashValue(t('int'), 34n)).toThrow(ValidationError);
    expect(() => hashValue(t('uuid'), 'not-a-uuid')).toThrow(ValidationError);
  });

  it('has no hash for non-primitive kinds', () => {
    expect(() => hashValue({ kind: 'variant' } as unknown as PrimitiveType, 1)).toThrow(UnsupportedError);
  });
});
