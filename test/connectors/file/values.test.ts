import { describe, expect, it } from 'vitest';
import type { IcebergType } from '../../../src/iceberg/spec/types.js';
import type { SourceColumn } from '../../../src/pipeline/source.js';
import type { ChangeEvent } from '../../../src/sink/change-event.js';
import { ChangeLineError, FileChangelogSource } from '../../../connectors/file/index.js';
import { rawNumberAt } from '../../../connectors/file/raw-number.js';
import { useTempDir } from '../../support/temp-dir.js';
import { readAll, writeLines } from './helpers.js';

const list = (element: IcebergType, elementRequired = false): IcebergType => ({ kind: 'list', elementId: 0, elementRequired, element });

const COLUMNS: SourceColumn[] = [
  { name: 'id', type: { kind: 'long' }, nullable: false },
  { name: 'b', type: { kind: 'boolean' }, nullable: true },
  { name: 'i', type: { kind: 'int' }, nullable: true },
  { name: 'l', type: { kind: 'long' }, nullable: true },
  { name: 'f', type: { kind: 'float' }, nullable: true },
  { name: 'd', type: { kind: 'double' }, nullable: true },
  { name: 'dec', type: { kind: 'decimal', precision: 38, scale: 10 }, nullable: true },
  { name: 'dt', type: { kind: 'date' }, nullable: true },
  { name: 'tm', type: { kind: 'time' }, nullable: true },
  { name: 'ts', type: { kind: 'timestamp' }, nullable: true },
  { name: 'tstz', type: { kind: 'timestamptz' }, nullable: true },
  { name: 'tsns', type: { kind: 'timestamp_ns' }, nullable: true },
  { name: 's', type: { kind: 'string' }, nullable: true },
  { name: 'u', type: { kind: 'uuid' }, nullable: true },
  { name: 'bin', type: { kind: 'binary' }, nullable: true },
  { name: 'fx', type: { kind: 'fixed', length: 4 }, nullable: true },
  { name: 'lst', type: list({ kind: 'long' }), nullable: true },
  { name: 'mp', type: { kind: 'map', keyId: 0, key: { kind: 'string' }, valueId: 0, valueRequired: false, value: { kind: 'decimal', precision: 5, scale: 2 } }, nullable: true },
  { name: 'im', type: { kind: 'map', keyId: 0, key: { kind: 'int' }, valueId: 0, valueRequired: true, value: { kind: 'string' } }, nullable: true },
  {
    name: 'st',
    type: { kind: 'struct', fields: [{ id: 0, name: 'a', required: true, type: { kind: 'int' } }, { id: 0, name: 'b', required: false, type: list({ kind: 'string' }) }] },
    nullable: true,
  },
];

const TABLE = { name: 't.all', columns: COLUMNS, primaryKey: ['id'] };

/** A change line with `after` given as raw JSON text (so number literals stay exactly as written). */
function line(afterJson: string, op = 'c'): string {
  return `{"before":null,"after":${afterJson},"source":{"db":"t","table":"all","ts_ms":1700000000000},"op":"${op}"}`;
}

const micros = (iso: string, extraMicros = 0): bigint => BigInt(Date.parse(iso)) * 1000n + BigInt(extraMicros);

describe('file source: JSON values -> Iceberg values', () => {
  const tempDir = useTempDir();

  async function decode(...afters: string[]): Promise<ChangeEvent[]> {
    const file = writeLines(tempDir(), 'changes.jsonl', afters.map((a) => line(a)));
    const batches = await readAll(new FileChangelogSource({ path: file, tables: [TABLE] }));
    return batches.flatMap((b) => b.events);
  }

  async function decodeError(after: string): Promise<ChangeLineError> {
    const file = writeLines(tempDir(), 'changes.jsonl', [line('{"id":1}'), line(after)]);
    try {
      await readAll(new FileChangelogSource({ path: file, tables: [TABLE] }));
    } catch (err) {
      expect(err).toBeInstanceOf(ChangeLineError);
      return err as ChangeLineError;
    }
    throw new Error('expected a ChangeLineError');
  }

  it('round-trips every column type exactly', async () => {
    const [e] = await decode(`{
      "id": 9223372036854775807, "b": true, "i": -2147483648, "l": 9007199254740993,
      "f": 0.1, "d": 1.7976931348623157e308,
      "dec": 1234567890123456789012345678.0123456789,
      "dt": "2024-02-29", "tm": "23:59:59.999999",
      "ts": "2024-06-03T09:00:00.123456", "tstz": "2024-06-03T11:00:00.654321+02:00", "tsns": "2024-06-03 09:00:00.123456789",
      "s": "emoji 🍵, é, \\"quoted\\", \\u00e9 and a\\nnewline",
      "u": "F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6",
      "bin": "AAEC/w==", "fx": "3q2+7w==",
      "lst": [1, 9007199254740993, null],
      "mp": {"a": "1.50", "b": 2.25, "c": null, "constructor": "0"},
      "im": [[1, "one"], [-2, "minus two"]],
      "st": {"a": 7, "b": ["x", null]}
    }`.replace(/\n\s*/g, ' '));
    const after = e!.after!;
    expect(after.id).toBe(9223372036854775807n);
    expect(after.b).toBe(true);
    expect(after.i).toBe(-2147483648);
    expect(after.l).toBe(9007199254740993n); // beyond 2^53, exact
    expect(after.f).toBe(Math.fround(0.1));
    expect(after.d).toBe(1.7976931348623157e308);
    expect(after.dec).toBe(12345678901234567890123456780123456789n); // the literal's digits, unscaled at scale 10
    expect(after.dt).toBe(Date.UTC(2024, 1, 29) / 86_400_000);
    expect(after.tm).toBe(86_399_999_999n);
    expect(after.ts).toBe(micros('2024-06-03T09:00:00Z', 123_456));
    expect(after.tstz).toBe(micros('2024-06-03T09:00:00Z', 654_321)); // offset converted to UTC
    expect(after.tsns).toBe(micros('2024-06-03T09:00:00Z') * 1000n + 123_456_789n);
    expect(after.s).toBe('emoji 🍵, é, "quoted", é and a\nnewline');
    expect(after.u).toBe('f81d4fae-7dec-11d0-a765-00a0c91e6bf6');
    expect(after.bin).toEqual(Uint8Array.of(0, 1, 2, 255));
    expect(after.fx).toEqual(Uint8Array.of(0xde, 0xad, 0xbe, 0xef));
    expect(after.lst).toEqual([1n, 9007199254740993n, null]);
    expect(after.mp).toEqual(new Map<string, bigint | null>([['a', 150n], ['b', 225n], ['c', null], ['constructor', 0n]]));
    expect(after.im).toEqual(new Map([[1, 'one'], [-2, 'minus two']]));
    expect(after.st).toEqual({ a: 7, b: ['x', null] });
  });

  it('nulls and missing columns are null; the row has every column', async () => {
    const [e] = await decode('{"id":1,"b":null,"st":null}');
    expect(Object.keys(e!.after!)).toEqual(COLUMNS.map((c) => c.name));
    for (const c of COLUMNS.slice(1)) expect(e!.after![c.name]).toBeNull();
  });

  it('alternative encodings: numeric strings, integer dates/times/timestamps (ms), special floats', async () => {
    const [e] = await decode(
      '{"id":"-42","i":"17","l":"-9223372036854775808","f":"NaN","d":"-Infinity","dec":"-0.0000000001","dt":19782,"tm":1000,' +
        '"ts":1717405200123,"tstz":"2024-06-03T09:00:00Z","tsns":1717405200123,"b":0}',
    );
    const a = e!.after!;
    expect(a.id).toBe(-42n);
    expect(a.i).toBe(17);
    expect(a.l).toBe(-9223372036854775808n);
    expect(a.f).toBeNaN(); // JSON has no NaN token: "NaN" / "Infinity" / "-Infinity" strings are the way in
    expect(a.d).toBe(-Infinity);
    expect(a.dec).toBe(-1n);
    expect(a.dt).toBe(19782);
    expect(a.tm).toBe(1_000_000n); // ms since midnight -> micros
    expect(a.ts).toBe(1_717_405_200_123_000n); // epoch ms -> micros
    expect(a.tstz).toBe(micros('2024-06-03T09:00:00Z'));
    expect(a.tsns).toBe(1_717_405_200_123_000_000n);
    expect(a.b).toBe(false);
  });

  it('booleans as text (Canal writes every value as a string, tinyint(1) as "1")', async () => {
    const got = await Promise.all(['"1"', '"0"', '"true"', '"false"'].map(async (b) => (await decode(`{"id":1,"b":${b}}`))[0]!.after!.b));
    expect(got).toEqual([true, false, true, false]);
  });

  it('timestamps with more than 6 fraction digits are truncated to micros; no offset on timestamptz means UTC', async () => {
    const [e] = await decode('{"id":1,"ts":"1969-12-31T23:59:59.9999999","tstz":"2024-06-03T09:00:00"}');
    expect(e!.after!.ts).toBe(-1n); // toward the earlier instant
    expect(e!.after!.tstz).toBe(micros('2024-06-03T09:00:00Z'));
  });

  it.each([
    ['{"id":1,"i":"abc"}', 'column i: value "abc" is not an int'],
    ['{"id":1,"i":2147483648}', 'column i: value 2147483648 is out of range for int'],
    ['{"id":1,"i":1.5}', 'column i: value 1.5 is not an int'],
    ['{"id":1,"l":9223372036854775808}', 'column l: value 9223372036854775808 is out of range for long'],
    ['{"id":1,"b":"yes"}', 'column b: value "yes" is not a boolean'],
    ['{"id":1,"f":1e39}', 'column f: value 1e+39 is out of range for float'],
    ['{"id":1,"dec":0.12345678901}', 'column dec: value 0.12345678901 is not a valid decimal(38, 10): "0.12345678901" has more than 10 fraction digits'],
    ['{"id":1,"mp":{"a":1234.5}}', 'column mp.a: value 1234.5 is not a valid decimal(5, 2): unscaled value 123450 has more than 5 digits'],
    ['{"id":1,"dt":"2023-02-29"}', 'column dt: value "2023-02-29" is not a valid date: not a valid date: "2023-02-29"'],
    ['{"id":1,"ts":"yesterday"}', 'column ts: value "yesterday" is not a timestamp (ISO-8601)'],
    ['{"id":1,"ts":"2024-06-03T09:00:00+02:00"}', 'column ts: value "2024-06-03T09:00:00+02:00" has a UTC offset, which a timestamp column cannot keep (declare it timestamptz)'],
    ['{"id":1,"tm":86400000}', 'column tm: value 86400000 is out of range for time (ms since midnight)'],
    ['{"id":1,"s":42}', 'column s: value 42 is not a string'],
    ['{"id":1,"u":"not-a-uuid"}', 'column u: value "not-a-uuid" is not a valid uuid: not a valid value: "not-a-uuid"'],
    ['{"id":1,"bin":"%%%"}', 'column bin: value "%%%" is not binary (base64)'],
    ['{"id":1,"fx":"AAEC"}', 'column fx: value "AAEC" has 3 bytes, fixed[4] needs 4'],
    ['{"id":1,"lst":[1,"x"]}', 'column lst[1]: value "x" is not a long'],
    ['{"id":1,"lst":{}}', 'column lst: value an object is not an array (list)'],
    ['{"id":1,"im":{"x":"y"}}', 'column im.x: value "x" is not an int'],
    ['{"id":1,"im":{"1":null}}', 'column im.1: null is not allowed (the map value is required)'],
    ['{"id":1,"st":{"b":[]}}', 'column st.a: null is not allowed (field a is required)'],
    ['{"id":1,"st":{"a":1,"zz":2}}', 'column st.zz: unknown struct field (fields: a, b)'],
    ['{"id":1,"nope":2}', 'after: unknown column "nope" for table t.all (columns: id, b, i, l, f, d, dec, dt, tm, ts, tstz, tsns, s, u, bin, fx, lst, mp, im, st)'],
  ])('%s -> %s', async (after, problem) => {
    const err = await decodeError(after);
    expect(err.message).toBe(`changes.jsonl:2: ${problem}`);
    expect(err.context).toMatchObject({ file: 'changes.jsonl', line: 2 });
  });
});

describe('rawNumberAt', () => {
  it('finds the literal text by path, as parseJson reads it (last duplicate key wins)', () => {
    const text = '{"a": {"x": [1, {"y": 12345678901234567890.123}], "k\\"q": 2.50}, "a": {"x": [0, {"y": -1.0e-3}]}}';
    expect(rawNumberAt(text, ['a', 'x', 1, 'y'])).toBe('-1.0e-3');
    expect(rawNumberAt('{"a": {"k\\"q": 2.50}}', ['a', 'k"q'])).toBe('2.50');
    expect(rawNumberAt('{"a": "1.5"}', ['a'])).toBeUndefined();
    expect(rawNumberAt('{"a": [1]}', ['a', 3])).toBeUndefined();
  });
});
