import { Schema } from '../../src/iceberg/spec/schema.js';
import type { IcebergType, NestedField } from '../../src/iceberg/spec/types.js';
import type { Row } from '../../src/parquet/index.js';

const f = (id: number, name: string, type: IcebergType, required = false): NestedField => ({ id, name, required, type });
const p = (kind: string): IcebergType => ({ kind } as IcebergType);

/** Every Iceberg type, nested ones included. */
export const WIDE = new Schema(0, [
  f(1, 'id', p('long'), true),
  f(2, 'b', p('boolean')),
  f(3, 'i', p('int')),
  f(4, 'l', p('long')),
  f(5, 'fl', p('float')),
  f(6, 'db', p('double')),
  f(7, 'dec9', { kind: 'decimal', precision: 9, scale: 2 }),
  f(8, 'dec18', { kind: 'decimal', precision: 18, scale: 6 }),
  f(9, 'dec38', { kind: 'decimal', precision: 38, scale: 10 }),
  f(10, 'dt', p('date')),
  f(11, 'tm', p('time')),
  f(12, 'ts', p('timestamp')),
  f(13, 'tstz', p('timestamptz')),
  f(14, 's', p('string')),
  f(15, 'u', p('uuid')),
  f(16, 'fx', { kind: 'fixed', length: 4 }),
  f(17, 'bin', p('binary')),
  f(18, 'st', { kind: 'struct', fields: [f(19, 'a', p('int')), f(20, 'b', p('string'), true)] }),
  f(21, 'ls', { kind: 'list', elementId: 22, elementRequired: false, element: p('long') }),
  f(23, 'mp', { kind: 'map', keyId: 24, key: p('string'), valueId: 25, valueRequired: false, value: { kind: 'decimal', precision: 9, scale: 2 } }),
  f(26, 'nested', {
    kind: 'list', elementId: 27, elementRequired: true,
    element: { kind: 'struct', fields: [f(28, 'x', p('double')), f(29, 'tags', { kind: 'list', elementId: 30, elementRequired: true, element: p('string') })] },
  }),
  f(31, 'mi', { kind: 'map', keyId: 32, key: p('int'), valueId: 33, valueRequired: true, value: { kind: 'struct', fields: [f(34, 'q', p('timestamptz'))] } }),
  f(35, 'tsns', p('timestamp_ns')),
]);

export const I64_MAX = 2n ** 63n - 1n;
export const I64_MIN = -(2n ** 63n);
const D38 = 10n ** 38n - 1n;

export const ROWS: Row[] = [
  {
    id: 1n, b: true, i: 2147483647, l: I64_MAX, fl: NaN, db: Infinity, dec9: 999999999n, dec18: 999999999999999999n, dec38: D38,
    dt: 19723, tm: 86399999999n, ts: 1700000000123456n, tstz: 1700000000654321n, s: 'héllo wörld 😀🎉', u: '123e4567-e89b-12d3-a456-426614174000',
    fx: Uint8Array.of(0, 1, 254, 255), bin: Uint8Array.of(0, 0, 7), st: { a: 5, b: 'x' }, ls: [1n, null, I64_MIN],
    mp: new Map<string, bigint | null>([['k1', 123n], ['', null], ['ключ', -5n]]),
    nested: [{ x: 1.5, tags: ['a', ''] }, { x: null, tags: [] }], mi: new Map([[1, { q: 1n }], [-2, { q: null }]]), tsns: 1700000000123456789n,
  },
  {
    id: 2n, b: false, i: -2147483648, l: I64_MIN, fl: -Infinity, db: NaN, dec9: -999999999n, dec18: -999999999999999999n, dec38: -D38,
    dt: -719162, tm: 0n, ts: -62135596800000000n, tstz: 0n, s: '', u: '00000000-0000-0000-0000-000000000000',
    fx: Uint8Array.of(0, 0, 0, 0), bin: new Uint8Array(0), st: { a: null, b: '' }, ls: [], mp: new Map(), nested: [], mi: new Map(), tsns: -1n,
  },
  {
    id: 3n, b: null, i: null, l: null, fl: null, db: null, dec9: null, dec18: null, dec38: null, dt: null, tm: null, ts: null, tstz: null,
    s: null, u: null, fx: null, bin: null, st: null, ls: null, mp: null, nested: null, mi: null, tsns: null,
  },
  {
    id: 4n, b: true, i: 0, l: 0n, fl: -0, db: -0, dec9: 1n, dec18: -1n, dec38: 12345678901234567890123456789n, dt: 0, tm: 1n, ts: 1n, tstz: -1n,
    s: '\u0000 nul and \u{10FFFF}', u: 'ffffffff-ffff-ffff-ffff-ffffffffffff', fx: Uint8Array.of(255, 255, 255, 255), bin: Uint8Array.of(255),
    st: { a: -1, b: '😀' }, ls: [null], mp: new Map([['a', null]]), nested: [{ x: NaN, tags: ['😀'] }], mi: new Map([[0, { q: I64_MAX }]]), tsns: 0n,
  },
  {
    id: 5n, b: false, i: 1, l: 1n, fl: 3.4028234663852886e38, db: 1.7976931348623157e308, dec9: 12345n, dec18: 1n, dec38: -1n, dt: 2932896, tm: 43200000000n,
    ts: 253402300799999999n, tstz: 253402300799999999n, s: 'x'.repeat(1000), u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', fx: Uint8Array.of(1, 2, 3, 4),
    bin: Uint8Array.from({ length: 300 }, (_, k) => k & 255), st: { a: 2147483647, b: 'z' }, ls: [5n, 6n], mp: new Map([['z', 0n]]),
    nested: [{ x: -0, tags: ['q', 'r', 's'] }], mi: new Map([[7, { q: I64_MIN }]]), tsns: I64_MAX,
  },
];

