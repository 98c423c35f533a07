import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UnsupportedError, ValidationError } from '../../../src/errors.js';
import { hashValue } from '../../../src/iceberg/spec/murmur3.js';
import {
  applyTransform,
  canTransform,
  javaUrlEncode,
  parseTransform,
  partitionPathSegment,
  partitionValueToHumanString,
  transformFunction,
  transformHumanString,
  transformResultType,
  transformToString,
  type Transform,
} from '../../../src/iceberg/spec/transforms.js';
import type { PrimitiveType, PrimitiveTypeName } from '../../../src/iceberg/spec/types.js';
import { decimal, fixed, primitive } from '../../../src/iceberg/spec/types.js';

const t = (k: PrimitiveTypeName): PrimitiveType => primitive(k);
const tr = (s: string): Transform => parseTransform(s);
const micros = (iso: string): bigint => BigInt(Date.parse(iso)) * 1000n;

const ALL_TYPES: PrimitiveType[] = [
  ...(['boolean', 'int', 'long', 'float', 'double', 'date', 'time', 'timestamp', 'timestamptz', 'timestamp_ns',
    'timestamptz_ns', 'string', 'uuid', 'binary'] as const).map(t),
  decimal(9, 2),
  fixed(4),
];

describe('parseTransform / transformToString (existing)', () => {
  it('round-trips', () => {
    for (const s of ['identity', 'bucket[16]', 'truncate[4]', 'year', 'month', 'day', 'hour', 'void', 'zorder']) {
      expect(transformToString(tr(s))).toBe(s);
    }
  });
});

describe('transformResultType', () => {
  it('follows the spec table', () => {
    expect(transformResultType(tr('bucket[8]'), t('string'))).toEqual(t('int'));
    for (const name of ['year', 'month', 'day', 'hour']) {
      expect(transformResultType(tr(name), t('timestamptz'))).toEqual(t('int'));
    }
    expect(transformResultType(tr('identity'), decimal(9, 2))).toEqual(decimal(9, 2));
    expect(transformResultType(tr('truncate[3]'), t('string'))).toEqual(t('string'));
    expect(transformResultType(tr('void'), t('uuid'))).toEqual(t('uuid'));
    expect(transformResultType(tr('zorder'), t('long'))).toEqual(t('string'));
  });
});

describe('canTransform', () => {
  const accepts = (name: string): string[] =>
    ALL_TYPES.filter((ty) => canTransform(tr(name), ty)).map((ty) => ty.kind);

  it('follows the spec source-type column', () => {
    expect(accepts('identity')).toHaveLength(ALL_TYPES.length);
    expect(accepts('void')).toHaveLength(ALL_TYPES.length);
    expect(accepts('bucket[4]').sort()).toEqual(
      ['int', 'long', 'decimal', 'date', 'time', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns',
        'string', 'uuid', 'fixed', 'binary'].sort(),
    );
    expect(accepts('truncate[4]').sort()).toEqual(['binary', 'decimal', 'int', 'long', 'string']);
    for (const name of ['year', 'month', 'day']) {
      expect(accepts(name).sort()).toEqual(['date', 'timestamp', 'timestamp_ns', 'timestamptz', 'timestamptz_ns']);
    }
    expect(accepts('hour').sort()).toEqual(['timestamp', 'timestamp_ns', 'timestamptz', 'timestamptz_ns']);
    expect(accepts('zorder')).toEqual([]);
  });
});

describe('applyTransform basics', () => {
  it('maps null to null for every applicable transform', () => {
    for (const name of ['identity', 'bucket[4]', 'truncate[4]', 'year', 'month', 'day', 'hour', 'void']) {
      for (const ty of ALL_TYPES) {
        if (canTransform(tr(name), ty)) expect(applyTransform(tr(name), ty, null)).toBeNull();
      }
    }
  });

  it('void always produces null; identity passes through', () => {
    expect(applyTransform(tr('void'), t('int'), 5)).toBeNull();
    expect(applyTransform(tr('identity'), t('string'), 'x')).toBe('x');
  });

  it('throws UnsupportedError naming an unknown transform', () => {
    expect(() => applyTransform(tr('zorder'), t('int'), 1)).toThrow(UnsupportedError);
    expect(() => applyTransform(tr('zorder'), t('int'), 1)).toThrow(/zorder/);
  });

  it('throws ValidationError for a type the transform does not accept, or a bad parameter', () => {
    expect(() => applyTransform(tr('hour'), t('date'), 1)).toThrow(ValidationError);
    expect(() => applyTransform(tr('bucket[4]'), t('double'), 1)).toThrow(ValidationError);
    expect(() => transformFunction({ kind: 'bucket', n: 0 }, t('int'))).toThrow(ValidationError);
    expect(() => transformFunction({ kind: 'truncate', width: -1 }, t('int'))).toThrow(ValidationError);
  });

  it('throws ValidationError for a value of the wrong JS type', () => {
    expect(() => applyTransform(tr('bucket[4]'), t('long'), 5)).toThrow(ValidationError);
    expect(() => applyTransform(tr('day'), t('timestamp'), 5)).toThrow(ValidationError);
    expect(() => applyTransform(tr('truncate[4]'), t('string'), 5)).toThrow(ValidationError);
  });
});

describe('truncate: spec "Truncate Transform Details" examples', () => {
  it('int and long, W=10', () => {
    expect(applyTransform(tr('truncate[10]'), t('int'), 1)).toBe(0);
    expect(applyTransform(tr('truncate[10]'), t('int'), -1)).toBe(-10);
    expect(applyTransform(tr('truncate[10]'), t('long'), 1n)).toBe(0n);
    expect(applyTransform(tr('truncate[10]'), t('long'), -1n)).toBe(-10n);
    expect(applyTransform(tr('truncate[10]'), t('int'), -10)).toBe(-10);
    expect(applyTransform(tr('truncate[10]'), t('int'), -11)).toBe(-20);
  });

  it('decimal W=50, scale 2: 10.65 -> 10.50', () => {
    expect(applyTransform(tr('truncate[50]'), decimal(9, 2), 1065n)).toBe(1050n);
    expect(applyTransform(tr('truncate[50]'), decimal(9, 2), -1065n)).toBe(-1100n);
  });

  it('string L=3: iceberg -> ice, by code points', () => {
    expect(applyTransform(tr('truncate[3]'), t('string'), 'iceberg')).toBe('ice');
    expect(applyTransform(tr('truncate[3]'), t('string'), 'ic')).toBe('ic');
    expect(applyTransform(tr('truncate[3]'), t('string'), '😀😁😂🤣')).toBe('😀😁😂');
    expect(applyTransform(tr('truncate[2]'), t('string'), 'a😀b')).toBe('a😀');
  });

  it('binary L=3', () => {
    expect(applyTransform(tr('truncate[3]'), t('binary'), Uint8Array.of(1, 2, 3, 4, 5))).toEqual(Uint8Array.of(1, 2, 3));
  });

  it('is idempotent and floors (property)', () => {
    const w = fc.integer({ min: 1, max: 1000 });
    fc.assert(
      fc.property(w, fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), (width, v) => {
        const f = transformFunction({ kind: 'truncate', width }, t('int'));
        const r = f(v) as number;
        expect(f(r)).toBe(r);
        expect(r).toBeLessThanOrEqual(v);
        expect(v - r).toBeLessThan(width);
        expect(((r % width) + width) % width).toBe(0);
      }),
    );
    fc.assert(
      fc.property(w, fc.bigInt({ min: -(1n << 62n), max: 1n << 62n }), (width, v) => {
        for (const ty of [t('long'), decimal(38, 4)]) {
          const f = transformFunction({ kind: 'truncate', width }, ty);
          const r = f(v) as bigint;
          expect(f(r)).toBe(r);
          expect(r <= v && v - r < BigInt(width)).toBe(true);
        }
      }),
    );
    fc.assert(
      fc.property(w, fc.string({ unit: 'binary' }), (width, s) => {
        const f = transformFunction({ kind: 'truncate', width }, t('string'));
        const r = f(s) as string;
        expect(f(r)).toBe(r);
        expect(s.startsWith(r)).toBe(true);
        expect([...r].length).toBe(Math.min(width, [...s].length));
      }),
    );
    fc.assert(
      fc.property(w, fc.uint8Array({ maxLength: 2000 }), (width, b) => {
        const f = transformFunction({ kind: 'truncate', width }, t('binary'));
        const r = f(b) as Uint8Array;
        expect(f(r)).toEqual(r);
        expect(r).toEqual(b.subarray(0, width));
      }),
    );
  });
});

describe('bucket', () => {
  it('is (hash & Integer.MAX_VALUE) % N', () => {
    // 34 hashes to 2017239379 (Appendix B); 2017239379 % 16 = 3
    expect(applyTransform(tr('bucket[16]'), t('int'), 34)).toBe(3);
    expect(applyTransform(tr('bucket[16]'), t('long'), 34n)).toBe(3);
    // 14.20 hashes to -500754589; & MAX_VALUE = 1646729059; % 100 = 59
    expect(applyTransform(tr('bucket[100]'), decimal(4, 2), 1420n)).toBe(59);
    // iceberg -> 1210000089 % 1000 = 89
    expect(applyTransform(tr('bucket[1000]'), t('string'), 'iceberg')).toBe(89);
    // 00 01 02 03 -> -188683207; & MAX_VALUE = 1958800441 % 10 = 1
    expect(applyTransform(tr('bucket[10]'), t('binary'), Uint8Array.of(0, 1, 2, 3))).toBe(1);
    expect(applyTransform(tr('bucket[10]'), fixed(4), Uint8Array.of(0, 1, 2, 3))).toBe(1);
    // uuid -> 1488055340 % 7 = 1
    expect(applyTransform(tr('bucket[7]'), t('uuid'), 'f79c3e09-677c-4bbd-a479-3f349cb785e7')).toBe(1488055340 % 7);
  });

  it('timestamp_ns buckets like the same instant in micros', () => {
    const ts = micros('2017-11-16T22:31:08Z');
    expect(applyTransform(tr('bucket[64]'), t('timestamp_ns'), ts * 1000n + 1001n)).toBe(
      applyTransform(tr('bucket[64]'), t('timestamp'), ts + 1n),
    );
  });

  it('results are in [0, N) (property)', () => {
    const n = fc.integer({ min: 1, max: 0x7fff_ffff });
    const cases: [PrimitiveType, fc.Arbitrary<number | bigint | string | Uint8Array>][] = [
      [t('int'), fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff })],
      [t('long'), fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n })],
      [t('timestamptz_ns'), fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n })],
      [decimal(38, 3), fc.bigInt({ min: -(10n ** 38n) + 1n, max: 10n ** 38n - 1n })],
      [t('string'), fc.string({ unit: 'binary' })],
      [t('uuid'), fc.uuid()],
      [t('binary'), fc.uint8Array()],
    ];
    for (const [ty, arb] of cases) {
      fc.assert(
        fc.property(n, arb, (buckets, v) => {
          const r = applyTransform({ kind: 'bucket', n: buckets }, ty, v) as number;
          expect(Number.isInteger(r) && r >= 0 && r < buckets).toBe(true);
          expect(r).toBe((hashValue(ty, v) & 0x7fff_ffff) % buckets);
        }),
        { numRuns: 50 },
      );
    }
  });
});

describe('year / month / day / hour', () => {
  const ts = micros('2017-11-16T22:31:08Z');

  it('count from 1970 for timestamps', () => {
    for (const ty of [t('timestamp'), t('timestamptz')]) {
      expect(applyTransform(tr('year'), ty, ts)).toBe(47);
      expect(applyTransform(tr('month'), ty, ts)).toBe(47 * 12 + 10);
      expect(applyTransform(tr('day'), ty, ts)).toBe(17486);
      expect(applyTransform(tr('hour'), ty, ts)).toBe(17486 * 24 + 22);
    }
    for (const ty of [t('timestamp_ns'), t('timestamptz_ns')]) {
      expect(applyTransform(tr('year'), ty, ts * 1000n + 999n)).toBe(47);
      expect(applyTransform(tr('month'), ty, ts * 1000n)).toBe(47 * 12 + 10);
      expect(applyTransform(tr('day'), ty, ts * 1000n)).toBe(17486);
      expect(applyTransform(tr('hour'), ty, ts * 1000n)).toBe(17486 * 24 + 22);
    }
  });

  it('count from 1970 for dates', () => {
    expect(applyTransform(tr('year'), t('date'), 17486)).toBe(47);
    expect(applyTransform(tr('month'), t('date'), 17486)).toBe(574);
    expect(applyTransform(tr('day'), t('date'), 17486)).toBe(17486);
  });

  it('floor before 1970', () => {
    expect(applyTransform(tr('hour'), t('timestamp'), -1n)).toBe(-1);
    expect(applyTransform(tr('day'), t('timestamp'), -1n)).toBe(-1);
    expect(applyTransform(tr('month'), t('timestamp'), -1n)).toBe(-1);
    expect(applyTransform(tr('year'), t('timestamp'), -1n)).toBe(-1);
    expect(applyTransform(tr('hour'), t('timestamp'), -3_600_000_000n)).toBe(-1);
    expect(applyTransform(tr('hour'), t('timestamp'), -3_600_000_001n)).toBe(-2);
    expect(applyTransform(tr('day'), t('timestamp'), -86_400_000_000n)).toBe(-1);
    expect(applyTransform(tr('day'), t('timestamp'), -86_400_000_001n)).toBe(-2);
    expect(applyTransform(tr('hour'), t('timestamp_ns'), -1n)).toBe(-1);
    expect(applyTransform(tr('day'), t('timestamptz_ns'), -1n)).toBe(-1);
    expect(applyTransform(tr('month'), t('timestamp'), micros('1969-01-01T00:00:00Z'))).toBe(-12);
    expect(applyTransform(tr('month'), t('timestamp'), micros('1968-12-31T23:59:59Z'))).toBe(-13);
    expect(applyTransform(tr('year'), t('timestamp'), micros('1968-12-31T23:59:59Z'))).toBe(-2);
    expect(applyTransform(tr('year'), t('date'), -1)).toBe(-1);
    expect(applyTransform(tr('month'), t('date'), -1)).toBe(-1);
    expect(applyTransform(tr('year'), t('date'), -365)).toBe(-1);
    expect(applyTransform(tr('year'), t('date'), -366)).toBe(-2);
  });

  it('agree with JS Date over its range, including far from the safe-integer fast path (property)', () => {
    const ms = fc.integer({ min: -8_640_000_000_000_000, max: 8_640_000_000_000_000 });
    fc.assert(
      fc.property(ms, fc.integer({ min: 0, max: 999 }), (m, extra) => {
        const v = BigInt(m) * 1000n + BigInt(extra);
        const d = new Date(m);
        const days = Math.floor(m / 86_400_000);
        const f = (name: string): unknown => applyTransform(tr(name), t('timestamp'), v);
        expect(f('year')).toBe(d.getUTCFullYear() - 1970);
        expect(f('month')).toBe((d.getUTCFullYear() - 1970) * 12 + d.getUTCMonth());
        expect(f('day')).toBe(days);
        // beyond +-245k years the hour ordinal leaves int range and wraps, as Java's (int) cast does
        expect(f('hour')).toBe(Math.floor(m / 3_600_000) | 0);
        expect(applyTransform(tr('year'), t('date'), days)).toBe(d.getUTCFullYear() - 1970);
        expect(applyTransform(tr('month'), t('date'), days)).toBe((d.getUTCFullYear() - 1970) * 12 + d.getUTCMonth());
        expect(applyTransform(tr('day'), t('timestamp_ns'), v * 1000n + 7n)).toBe(days);
      }),
    );
  });
});

describe('transformFunction', () => {
  it('agrees with applyTransform', () => {
    const f = transformFunction(tr('bucket[16]'), t('long'));
    for (const v of [0n, 34n, -1n, 1n << 62n]) expect(f(v)).toBe(applyTransform(tr('bucket[16]'), t('long'), v));
    expect(f(null)).toBeNull();
  });
});

describe('partitionValueToHumanString (PartitionSpec.partitionToPath form)', () => {
  const h = (name: string, ty: PrimitiveType, v: Parameters<typeof partitionValueToHumanString>[2]): string =>
    partitionValueToHumanString(tr(name), transformResultType(tr(name), ty), v);
  const ts = micros('2026-01-01T10:00:00Z');

  it('temporal transforms', () => {
    expect(h('identity', t('date'), 20454)).toBe('2026-01-01');
    expect(h('day', t('timestamp'), applyTransform(tr('day'), t('timestamp'), ts))).toBe('2026-01-01');
    expect(h('hour', t('timestamp'), applyTransform(tr('hour'), t('timestamp'), ts))).toBe('2026-01-01-10');
    expect(h('month', t('timestamp'), applyTransform(tr('month'), t('timestamp'), ts))).toBe('2026-01');
    expect(h('year', t('timestamp'), applyTransform(tr('year'), t('timestamp'), ts))).toBe('2026');
    expect(h('day', t('date'), -1)).toBe('1969-12-31');
    expect(h('hour', t('timestamp'), -1)).toBe('1969-12-31-23');
    expect(h('month', t('date'), -1)).toBe('1969-12');
    expect(h('year', t('date'), -1)).toBe('1969');
    expect(h('year', t('date'), -2000)).toBe('-030'); // String.format("%04d", -30)
  });

  it('timestamp identities as Java ISO_LOCAL_DATE_TIME, URL-encoded', () => {
    expect(h('identity', t('timestamp'), ts)).toBe('2026-01-01T10%3A00%3A00');
    expect(h('identity', t('timestamp'), ts + 1n)).toBe('2026-01-01T10%3A00%3A00.000001');
    expect(h('identity', t('timestamp'), ts + 120_000n)).toBe('2026-01-01T10%3A00%3A00.12');
    expect(h('identity', t('timestamptz'), ts)).toBe('2026-01-01T10%3A00%3A00%2B00%3A00');
    expect(h('identity', t('timestamp_ns'), ts * 1000n + 1n)).toBe('2026-01-01T10%3A00%3A00.000000001');
    expect(h('identity', t('timestamp'), -1n)).toBe('1969-12-31T23%3A59%3A59.999999');
    expect(transformHumanString(tr('identity'), t('timestamptz'), ts)).toBe('2026-01-01T10:00:00+00:00');
  });

  it('time as LocalTime.toString', () => {
    expect(transformHumanString(tr('identity'), t('time'), 81_060_000_000n)).toBe('22:31');
    expect(transformHumanString(tr('identity'), t('time'), 81_068_000_000n)).toBe('22:31:08');
    expect(transformHumanString(tr('identity'), t('time'), 81_068_100_000n)).toBe('22:31:08.100');
    expect(transformHumanString(tr('identity'), t('time'), 81_068_000_001n)).toBe('22:31:08.000001');
  });

  it('null, numbers, decimals, strings, binary, uuid', () => {
    expect(h('identity', t('string'), null)).toBe('null');
    expect(h('bucket[16]', t('string'), 3)).toBe('3');
    expect(h('identity', t('long'), -5n)).toBe('-5');
    expect(h('identity', t('boolean'), true)).toBe('true');
    expect(h('identity', t('double'), 1e10)).toBe('1.0E10');
    expect(h('identity', t('double'), 2)).toBe('2.0');
    expect(h('identity', t('float'), Math.fround(0.1))).toBe('0.1');
    expect(h('identity', decimal(9, 2), 1050n)).toBe('10.50');
    expect(h('truncate[50]', decimal(9, 2), -5n)).toBe('-0.05');
    expect(h('identity', t('string'), 'a b/c=d é+')).toBe('a+b%2Fc%3Dd+%C3%A9%2B');
    expect(h('truncate[3]', t('string'), '*._-~')).toBe('*._-%7E');
    expect(h('identity', t('binary'), Uint8Array.of(0, 1, 2, 3))).toBe('AAECAw%3D%3D');
    expect(h('identity', t('uuid'), 'f79c3e09-677c-4bbd-a479-3f349cb785e7')).toBe('f79c3e09-677c-4bbd-a479-3f349cb785e7');
  });

  it('javaUrlEncode handles supplementary and lone surrogates like URLEncoder', () => {
    expect(javaUrlEncode('😀')).toBe('%F0%9F%98%80');
    expect(javaUrlEncode('\ud800x')).toBe('%3Fx');
  });

  it('partitionPathSegment encodes name and value', () => {
    expect(partitionPathSegment('ts hour', tr('hour'), t('int'), 0)).toBe('ts+hour=1970-01-01-00');
  });
});
