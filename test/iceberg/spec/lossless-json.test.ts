import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidMetadataError } from '../../../src/errors.js';
import { parseJson, stringifyJson, type JsonValue } from '../../../src/iceberg/spec/lossless-json.js';
import { errorOf as expectError } from '../../support/error-of.js';

const errorOf = (fn: () => unknown) => expectError(fn, InvalidMetadataError);

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Bigints that JSON.parse would round. */
const unsafeBigint = fc.oneof(
  fc.bigInt({ min: MAX_SAFE + 1n, max: 2n ** 70n }),
  fc.bigInt({ min: -(2n ** 70n), max: -MAX_SAFE - 1n }),
);

/** Doubles that survive a text round trip as numbers (no -0, no unsafe integral values). */
const roundTripDouble = fc
  .double({ noNaN: true, noDefaultInfinity: true })
  .filter((d) => !Object.is(d, -0) && (!Number.isInteger(d) || Number.isSafeInteger(d)));

const jsonString = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('', '"\\/\b\f\n\r\t', '\u0000\u001f', '\u2028\u2029', '😀'));

function jsonArb(withBigints: boolean): fc.Arbitrary<JsonValue> {
  const leaves: fc.Arbitrary<JsonValue>[] = [
    fc.constant(null),
    fc.boolean(),
    fc.maxSafeInteger().filter((n) => !Object.is(n, -0)),
    roundTripDouble,
    jsonString,
  ];
  if (withBigints) leaves.push(unsafeBigint);
  const { value } = fc.letrec<{ value: JsonValue }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      ...leaves,
      fc.array(tie('value'), { maxLength: 5 }),
      fc.dictionary(jsonString, tie('value'), { maxKeys: 5 }),
    ),
  }));
  return value;
}

/** What JSON.parse would give for a value parsed by parseJson (bigints rounded). */
function rounded(v: JsonValue): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(rounded);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rounded(x)]));
  return v;
}


describe('parseJson', () => {
  it('keeps integers beyond 2^53 exact as bigint and safe integers as numbers', () => {
    const v = parseJson('{"big": 9007199254740993, "neg": -9223372036854775808, "safe": 9007199254740991, "small": -5}');
    expect(v).toEqual({ big: 9007199254740993n, neg: -9223372036854775808n, safe: 9007199254740991, small: -5 });
    expect(parseJson('3055729675574597004')).toBe(3055729675574597004n);
  });

  it('reads fractions and exponents as numbers, like JSON.parse', () => {
    expect(parseJson('[1.5, -0.25, 1e3, 2E-2, 1.0, 12345678901234567890.0, 0]')).toEqual([1.5, -0.25, 1000, 0.02, 1, Number('12345678901234567890'), 0]);
  });

  it('decodes escapes, including surrogate pairs and lone surrogates', () => {
    expect(parseJson('"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t"')).toBe('a"b\\c/d\b\f\n\r\t');
    expect(parseJson('"\\u00e9\\uD83D\\uDE00\\ud800"')).toBe('é😀\ud800');
    expect(parseJson('"héllo 😀"')).toBe('héllo 😀');
  });

  it('keeps a "__proto__" key as an own property', () => {
    const v = parseJson('{"__proto__": {"x": 1}, "a": 2}') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
  });

  it('takes the last of duplicate keys, like JSON.parse', () => {
    expect(parseJson('{"a": 1, "a": 2}')).toEqual({ a: 2 });
  });

  it.each([
    ['{"a": [1, 2', 'f.json:1:12: invalid JSON: unexpected end of input'],
    ['{"a": 1,\n  "b": }', 'f.json:2:8: invalid JSON: unexpected character "}"'],
    ['{"a" 1}', "f.json:1:6: invalid JSON: expected ':'"],
    ['[1 2]', "f.json:1:4: invalid JSON: expected ',' or ']'"],
    ['{"a": 1,}', 'f.json:1:9: invalid JSON: expected a string key'],
    ['"abc', 'f.json:1:5: invalid JSON: unterminated string'],
    ['"a\\x"', 'f.json:1:3: invalid JSON: bad escape \\x'],
    ['"\\u12g4"', 'f.json:1:4: invalid JSON: bad \\u escape'],
    ['"a\nb"', 'f.json:1:3: invalid JSON: control character in string'],
    ['01', 'f.json:1:2: invalid JSON: unexpected text after the JSON value'],
    ['-', 'f.json:1:2: invalid JSON: expected a digit'],
    ['1.', 'f.json:1:3: invalid JSON: expected a digit'],
    ['1e', 'f.json:1:3: invalid JSON: expected a digit'],
    ['1e400', 'f.json:1:1: invalid JSON: number out of range'],
    ['tru', 'f.json:1:1: invalid JSON: unexpected character "t"'],
    ['NaN', 'f.json:1:1: invalid JSON: unexpected character "N"'],
    ['', 'f.json:1:1: invalid JSON: unexpected end of input'],
    ['{} {}', 'f.json:1:4: invalid JSON: unexpected text after the JSON value'],
  ])('rejects %j with source and line:column', (text, message) => {
    const err = errorOf(() => parseJson(text, 'f.json'));
    expect(err.message).toContain(message);
    expect(err.context['source']).toBe('f.json');
  });

  it('names "JSON" when no source is given', () => {
    expect(errorOf(() => parseJson('[')).message).toBe('JSON:1:2: invalid JSON: unexpected end of input');
  });

  it('rejects nesting deeper than the limit instead of overflowing the stack', () => {
    expect(errorOf(() => parseJson('['.repeat(5000))).message).toContain('nesting deeper than');
  });

  it('agrees with JSON.parse on random documents (bigints aside)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 4 }), (v, indent) => {
        const text = JSON.stringify(v, null, indent);
        expect(rounded(parseJson(text))).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it('decodes any string written with every code unit as a \\u escape', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const escaped = [...Array(s.length).keys()].map((i) => `\\u${s.charCodeAt(i).toString(16).padStart(4, '0')}`).join('');
        expect(parseJson(`"${escaped}"`)).toBe(s);
      }),
    );
  });
});

describe('stringifyJson', () => {
  it('writes bigints as bare digits', () => {
    expect(stringifyJson({ id: 9223372036854775807n, n: [1n, -2n] })).toBe('{"id":9223372036854775807,"n":[1,-2]}');
  });

  it('pretty-prints like JSON.stringify(v, null, indent)', () => {
    const v: JsonValue = { a: [1, { b: [] }, {}], c: 'x', d: null, e: [[true]] };
    expect(stringifyJson(v, 2)).toBe(JSON.stringify(v, null, 2));
    expect(stringifyJson(v)).toBe(JSON.stringify(v));
    fc.assert(
      fc.property(jsonArb(false), fc.integer({ min: 0, max: 4 }), (value, indent) => {
        expect(stringifyJson(value, indent)).toBe(JSON.stringify(value, null, indent));
      }),
    );
  });

  it('writes unsafe integral numbers so they read back as numbers', () => {
    expect(parseJson(stringifyJson(2 ** 60))).toBe(2 ** 60);
    expect(parseJson(stringifyJson(-1e300))).toBe(-1e300);
  });

  it('refuses non-finite numbers', () => {
    expect(() => stringifyJson(Number.NaN)).toThrow(InvalidMetadataError);
    expect(() => stringifyJson([Infinity])).toThrow(/cannot write Infinity/);
  });

  it('round-trips random JSON with bigints beyond 2^53, unicode and nested arrays', () => {
    fc.assert(
      fc.property(jsonArb(true), fc.integer({ min: 0, max: 3 }), (value, indent) => {
        expect(parseJson(stringifyJson(value, indent))).toEqual(value);
      }),
      { numRuns: 300 },
    );
  });
});
