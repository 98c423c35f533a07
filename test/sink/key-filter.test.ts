import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IcetideError, ValidationError } from '../../src/errors.js';
import { xxh64Into } from '../../src/sink/key-filter-hash.js';
import {
  encodeKey, InvalidKeyFilterError, KeyEncoder, KeyFilter, xxh64,
} from '../../src/sink/key-filter.js';

const utf8 = new TextEncoder();
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Reference decoder for the key encoding: if decode(encode(x)) is canonical(x), encode is injective. */
function decodeKey(b: Uint8Array): unknown[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: unknown[] = [];
  let p = 0;
  while (p < b.length) {
    const tag = b[p++]!;
    switch (tag) {
      case 0: out.push(null); break;
      case 1: out.push(false); break;
      case 2: out.push(true); break;
      case 3: out.push(dv.getBigInt64(p)); p += 8; break;
      case 5: out.push(dv.getFloat64(p)); p += 8; break;
      case 4: case 6: case 7: {
        const n = dv.getUint32(p);
        const body = b.subarray(p + 4, p + 4 + n);
        if (body.length !== n) throw new Error(`component runs past the end at ${p}`);
        p += 4 + n;
        if (tag === 6) out.push(new TextDecoder('utf-8', { fatal: true }).decode(body));
        else if (tag === 7) out.push(Uint8Array.from(body));
        else {
          let v = 0n;
          for (const x of body) v = (v << 8n) | BigInt(x);
          if (n > 0 && body[0]! & 0x80) v -= 1n << BigInt(8 * n);
          expect(v >= -(2n ** 63n) && v < 2n ** 63n, 'int64 values use the fixed-width tag').toBe(false);
          out.push(v);
        }
        break;
      }
      default: throw new Error(`bad tag ${tag} at ${p - 1}`);
    }
  }
  return out;
}

/** What a key component means: equal meanings must encode equally (no false negatives). */
function canonical(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (typeof v === 'string') return new TextDecoder().decode(utf8.encode(v)); // lone surrogates -> U+FFFD
  if (v instanceof Uint8Array) return Uint8Array.from(v);
  return v;
}

const component = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, 2 ** 53, 2 ** 63, -(2 ** 63), 2 ** 64, 1e300, NaN, Infinity, -Infinity, 0.1),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }),
  fc.constantFrom(2n ** 63n - 1n, 2n ** 63n, -(2n ** 63n), -(2n ** 63n) - 1n, 0n, -1n, 255n, -128n, -129n),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 80 }),
  fc.uint8Array({ maxLength: 40 }),
);

describe('xxh64', () => {
  it('matches reference XXH64 (seed 0) vectors on both the short and the 32-byte-stripe paths', () => {
    const text: [string, string][] = [
      ['', 'ef46db3751d8e999'], ['a', 'd24ec4f1a98c6e5b'], ['abc', '44bc2cf5ad770999'],
      ['hello world', '45ab6734b21e6968'], ['The quick brown fox jumps over the lazy dog', '0b242d361fda71bc'],
    ];
    for (const [s, h] of text) expect(xxh64(utf8.encode(s)).toString(16).padStart(16, '0'), s).toBe(h);
    // bytes (i * 7 + 3) & 255, reference values from xxhash-wasm
    const pattern: [number, string][] = [
      [4, '9bb64b7d66ee9fda'], [8, 'dab99d95c6f90092'], [31, 'a2aa5f33cc4a6119'], [32, '23c3c17ef790fd97'],
      [33, '50a7cfc7ba588784'], [64, '0eb64b3ef6eeb01f'], [100, 'a61f8d4c170fe531'], [257, 'b7b604f7e4f822fa'],
    ];
    for (const [len, h] of pattern) {
      const b = Uint8Array.from({ length: len }, (_, i) => (i * 7 + 3) & 255);
      expect(xxh64(b).toString(16).padStart(16, '0'), `length ${len}`).toBe(h);
    }
  });

  it('hashes a sub-range exactly like a copy of it', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), fc.nat(10), fc.nat(10), (body, pre, post) => {
      const buf = new Uint8Array(pre + body.length + post).fill(0xaa);
      buf.set(body, pre);
      const out = new Int32Array(2);
      xxh64Into(out, buf, pre, pre + body.length);
      expect((BigInt(out[0]! >>> 0) << 32n) | BigInt(out[1]! >>> 0)).toBe(xxh64(body));
    }));
  });
});

describe('encodeKey', () => {
  it('keeps tricky composite keys apart', () => {
    const keys: unknown[][] = [
      [], [''], ['', ''], ['', null], ['a', 'bc'], ['ab', 'c'], ['abc'], ['a', 'b', 'c'],
      [1, 'ab'], ['1a', 'b'], ['1', 'ab'], [null], ['null'], ['NULL'], [null, null], [true], [false],
      ['true'], [0], [1], [-1], ['1'], [1.5], [NaN], ['NaN'], [Infinity], [-Infinity], [2 ** 64],
      [2n ** 63n - 1n], [-(2n ** 63n)], [2n ** 63n], [-(2n ** 63n) - 1n],
      [new Uint8Array()], [new Uint8Array([0])], ['\u0000'], [new Uint8Array([0x61])], ['a'],
      ['😀'], ['😀', ''], ['', '😀'], ['\ud83d'], ['e\u0301'], ['\u00e9'],
      [1, 2], [12], ['1', '2'], ['12'], [1n, 'x'], ['x', 1n],
    ];
    const seen = new Map<string, unknown[]>();
    for (const k of keys) {
      const h = hex(encodeKey(k));
      expect(seen.get(h), `${JSON.stringify(k, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))} collides`).toBeUndefined();
      seen.set(h, k);
    }
  });

  it('encodes equal values equally: 1, 1n and 1.0; -0 and 0; null and undefined; every NaN', () => {
    const same = (a: unknown[], b: unknown[]) => expect(hex(encodeKey(a))).toBe(hex(encodeKey(b)));
    same([1], [1n]);
    same([1.0], [1n]);
    same([-0], [0n]);
    same([2 ** 63], [2n ** 63n]);
    same([-(2 ** 63)], [-(2n ** 63n)]);
    same([2 ** 53 + 2], [2n ** 53n + 2n]);
    same([1e300], [BigInt(1e300)]);
    same([null], [undefined]);
    same([NaN], [new Float64Array(new Uint32Array([1, 0x7ff80000]).buffer)[0]!]);
    same(['a\ud800'], ['a\ufffd']); // as TextEncoder, hence as the Parquet data files
    same(['x', new Uint8Array([1, 2])], ['x', Buffer.from([1, 2])]);
  });

  it('decodes back to the canonical value (so the encoding is injective), property', () => {
    fc.assert(fc.property(fc.array(component, { maxLength: 6 }), (values) => {
      expect(decodeKey(encodeKey(values))).toEqual(values.map(canonical));
    }), { numRuns: 2000 });
  });

  it('writes strings as TextEncoder does, short (own loop) and long (encodeInto)', () => {
    const unit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
    fc.assert(fc.property(fc.oneof(fc.string({ unit, maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 })), (s) => {
      const enc = encodeKey([s]);
      expect(hex(enc.subarray(5))).toBe(hex(utf8.encode(s)));
      expect(new DataView(enc.buffer).getUint32(1)).toBe(enc.length - 5);
    }), { numRuns: 1000 });
  });

  it('grows its scratch buffer and reuses it', () => {
    const enc = new KeyEncoder(4);
    const big = 'x'.repeat(100_000);
    const bytes = new Uint8Array(1 << 20).fill(7);
    const a = enc.encode([big, bytes, 'é'.repeat(70)]);
    expect(decodeKey(enc.bytes.subarray(0, a))).toEqual([big, bytes, 'é'.repeat(70)]);
    const n = enc.encode([5n]);
    expect(hex(enc.bytes.subarray(0, n))).toBe(hex(encodeKey([5])));
    const view = encodeKey(['k'], enc);
    expect(view.buffer).toBe(enc.bytes.buffer);
    expect(hex(view)).toBe(hex(encodeKey(['k'])));
  });

  it('rejects values it cannot encode, naming the component', () => {
    for (const bad of [{}, new Date(0), Symbol('s'), () => 1, [1], new Map()]) {
      expect(() => encodeKey(['ok', bad])).toThrow(ValidationError);
      expect(() => encodeKey(['ok', bad])).toThrow(/key component 1/);
    }
  });
});

/** Distinct deterministic keys: `prefix` keeps present and absent sets apart. */
const strKey = (prefix: string, i: number) => encodeKey([`${prefix}-${i}`]);

function measuredFpp(f: KeyFilter, probes: number): number {
  let hits = 0;
  for (let i = 0; i < probes; i++) if (f.mightContainValues([`absent-${i}`])) hits++;
  return hits / probes;
}

describe('KeyFilter', () => {
  it('validates its options', () => {
    expect(() => new KeyFilter({ expectedKeys: 0, fpp: 0.01 })).toThrow(ValidationError);
    expect(() => new KeyFilter({ expectedKeys: 1.5, fpp: 0.01 })).toThrow(/expectedKeys/);
    expect(() => new KeyFilter({ expectedKeys: 10, fpp: 0 })).toThrow(/fpp/);
    expect(() => new KeyFilter({ expectedKeys: 10, fpp: 1 })).toThrow(/fpp/);
    expect(() => new KeyFilter({ expectedKeys: 10, fpp: NaN })).toThrow(/fpp/);
    expect(() => new KeyFilter({ expectedKeys: 10, fpp: 0.1, growth: 1.5 })).toThrow(/growth/);
    expect(new KeyFilter({ expectedKeys: 10, fpp: 0.1 }).options).toEqual({ expectedKeys: 10, fpp: 0.1, growth: 4 });
  });

  it('add() reports whether the key might have been present', () => {
    const f = new KeyFilter({ expectedKeys: 1000, fpp: 0.001 });
    expect(f.add(strKey('k', 1))).toBe(false);
    expect(f.add(strKey('k', 1))).toBe(true);
    expect(f.addValues(['k-1'])).toBe(true);
    expect(f.mightContain(strKey('k', 1))).toBe(true);
    expect(f.size).toBe(1);
    const buf = new Uint8Array(64);
    const k = strKey('k', 2);
    buf.set(k, 10);
    expect(f.add(buf, 10, 10 + k.length)).toBe(false);
    expect(f.mightContainValues(['k-2'])).toBe(true);
    expect(f.size).toBe(2);
  });

  it('never gives a false negative: random keys, growth to 20x, serialize/deserialize, more adds (property)', () => {
    fc.assert(fc.property(
      fc.uniqueArray(fc.uint8Array({ maxLength: 40 }), { maxLength: 800, selector: hex }),
      fc.integer({ min: 1, max: 40 }),
      fc.constantFrom(0.5, 0.1, 0.01, 1e-6),
      fc.constantFrom(2, 4, 16),
      fc.nat(100),
      (keys, expectedKeys, fpp, growth, splitPct) => {
        const f = new KeyFilter({ expectedKeys, fpp, growth });
        const split = Math.floor((keys.length * splitPct) / 100);
        for (let i = 0; i < split; i++) f.add(keys[i]!);
        for (let i = 0; i < split; i++) expect(f.mightContain(keys[i]!)).toBe(true);
        const restored = KeyFilter.deserialize(f.serialize());
        for (let i = 0; i < split; i++) expect(restored.mightContain(keys[i]!)).toBe(true);
        for (let i = split; i < keys.length; i++) restored.add(keys[i]!);
        for (const k of keys) expect(restored.mightContain(k)).toBe(true);
        const again = KeyFilter.deserialize(restored.serialize());
        for (const k of keys) expect(again.mightContain(k)).toBe(true);
        for (const k of keys) expect(again.add(k)).toBe(true);
      },
    ), { numRuns: 150 });
  });

  it('addLongs sets exactly the bits addValues sets for each one-long key (property)', () => {
    fc.assert(fc.property(fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { maxLength: 400 }), fc.nat(20), (vs, cut) => {
      const longs = BigInt64Array.from(vs);
      const a = new KeyFilter({ expectedKeys: 20, fpp: 0.01 });
      const b = new KeyFilter({ expectedKeys: 20, fpp: 0.01 });
      const from = Math.min(cut, vs.length);
      a.addLongs(longs, from);
      for (const v of vs.slice(from)) b.addValues([v]);
      expect(Buffer.from(a.serialize()).equals(Buffer.from(b.serialize()))).toBe(true);
      for (const v of vs.slice(from)) expect(a.mightContainValues([v])).toBe(true);
    }), { numRuns: 100 });
  });

  it('never gives a false negative on composite value keys (property)', () => {
    fc.assert(fc.property(fc.array(fc.array(component, { minLength: 1, maxLength: 3 }), { maxLength: 300 }), (rows) => {
      const f = new KeyFilter({ expectedKeys: 15, fpp: 0.05 });
      for (const r of rows) f.addValues(r);
      const g = KeyFilter.deserialize(f.serialize());
      for (const r of rows) {
        expect(g.mightContainValues(r)).toBe(true);
        expect(g.mightContainValues(r.map((v) => (typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : v)))).toBe(true);
      }
    }), { numRuns: 100 });
  });

  it('has no false negatives at 20x growth on 200k keys, before and after a round trip', () => {
    const f = new KeyFilter({ expectedKeys: 10_000, fpp: 0.01 });
    const n = 200_000;
    for (let i = 0; i < n; i++) f.addValues([BigInt(i), 'tenant']);
    const g = KeyFilter.deserialize(f.serialize(), 'roundtrip');
    let misses = 0;
    for (let i = 0; i < n; i++) if (!f.mightContainValues([i, 'tenant']) || !g.mightContainValues([BigInt(i), 'tenant'])) misses++;
    expect(misses).toBe(0);
    expect(f.filterCount).toBeGreaterThan(1);
    expect(g.filterCount).toBe(f.filterCount);
    expect(g.size).toBe(f.size);
    expect(g.byteSize).toBe(f.byteSize);
  });

  it('measures its configured FPP at the expected count (200k keys, fpp 0.01)', () => {
    const f = new KeyFilter({ expectedKeys: 200_000, fpp: 0.01 });
    for (let i = 0; i < 200_000; i++) f.addValues([`present-${i}`]);
    const fpp = measuredFpp(f, 400_000);
    expect(fpp).toBeLessThan(0.015);
    expect(fpp).toBeGreaterThan(0.01 / 1.5); // not oversized either
    expect(Math.abs(f.estimatedFpp - fpp)).toBeLessThan(0.002);
    expect(f.filterCount).toBe(1);
    expect((f.byteSize * 8) / 200_000).toBeLessThan(11);
  });

  it('keeps the FPP bounded after growth to 4x and 16x', () => {
    for (const growth of [2, 4]) {
      const f = new KeyFilter({ expectedKeys: 20_000, fpp: 0.01, growth });
      let added = 0;
      for (const mult of [4, 16]) {
        for (; added < 20_000 * mult; added++) f.addValues([`present-${added}`]);
        const fpp = measuredFpp(f, 200_000);
        expect(fpp, `growth ${growth}, ${mult}x`).toBeLessThan(0.02 * 1.1); // sum of p/2^i < 2p
      }
    }
  });
});

describe('KeyFilter serialization', () => {
  function sample(keys = 300, expectedKeys = 100): KeyFilter {
    const f = new KeyFilter({ expectedKeys, fpp: 0.01, growth: 2 });
    for (let i = 0; i < keys; i++) f.addValues([i]);
    return f;
  }

  function loadError(bytes: Uint8Array): InvalidKeyFilterError {
    try {
      KeyFilter.deserialize(bytes, 'warehouse/t/key-filter.bin');
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidKeyFilterError);
      return e as InvalidKeyFilterError;
    }
    throw new Error('expected deserialize to throw');
  }

  it('round-trips byte for byte, with parameters and counts, and keeps growing afterwards', () => {
    const f = sample();
    const bytes = f.serialize();
    const g = KeyFilter.deserialize(bytes);
    expect(hex(g.serialize())).toBe(hex(bytes));
    expect(g.options).toEqual(f.options);
    expect([g.size, g.byteSize, g.filterCount, g.estimatedFpp]).toEqual([f.size, f.byteSize, f.filterCount, f.estimatedFpp]);
    for (let i = 300; i < 2000; i++) g.addValues([i]);
    expect(g.filterCount).toBeGreaterThan(f.filterCount);
    for (let i = 0; i < 2000; i++) expect(g.mightContainValues([i])).toBe(true);
  });

  it('loads from an unaligned view into a larger buffer', () => {
    const bytes = sample().serialize();
    const host = new Uint8Array(bytes.length + 3);
    host.set(bytes, 1);
    const g = KeyFilter.deserialize(host.subarray(1, 1 + bytes.length));
    for (let i = 0; i < 300; i++) expect(g.mightContainValues([i])).toBe(true);
  });

  it('names truncation, with the source', () => {
    const bytes = sample().serialize();
    const headerEnd = 44 + 32 * new DataView(bytes.buffer).getUint32(8, true) + 4;
    for (const len of [0, 3, 20, 47, 50, headerEnd - 1, headerEnd, headerEnd + 10, bytes.length - 1]) {
      const e = loadError(bytes.subarray(0, len));
      expect(e.message, `length ${len}`).toMatch(/^warehouse\/t\/key-filter\.bin: truncated (header|body)/);
      expect(e.context).toMatchObject({ reason: 'truncated', source: 'warehouse/t/key-filter.bin' });
      expect(e).toBeInstanceOf(IcetideError);
      expect(e.retriable).toBe(false);
    }
  });

  it('names a wrong magic, version, key encoding, checksum and trailing bytes', () => {
    const bytes = sample().serialize();
    const patched = (i: number, v: number) => { const b = bytes.slice(); b[i] = v; return b; };
    expect(loadError(utf8.encode('PAR1 this is not a key filter at all, but long enough')).message).toMatch(/not a key filter: magic/);
    expect(loadError(patched(4, 9)).message).toMatch(/unsupported format version 9/);
    expect(loadError(patched(5, 2)).message).toMatch(/unsupported hash id 2/);
    expect(loadError(patched(6, 2)).message).toMatch(/key encoding version 2 differs/);
    expect(loadError(patched(8, 0)).message).toMatch(/filter count 0/);
    expect(loadError(patched(20, bytes[20]! ^ 1)).message).toMatch(/header checksum mismatch/);
    expect(loadError(patched(bytes.length - 50, bytes[bytes.length - 50]! ^ 0x10)).message).toMatch(/body checksum mismatch/);
    expect(loadError(patched(bytes.length - 1, bytes[bytes.length - 1]! ^ 1)).message).toMatch(/body checksum mismatch/);
    const long = new Uint8Array(bytes.length + 5);
    long.set(bytes);
    expect(loadError(long).message).toMatch(/5 unexpected bytes after the filter/);
  });

  it('rejects every single corrupted byte', () => {
    const bytes = sample(40, 30).serialize();
    for (let i = 0; i < bytes.length; i++) {
      for (const x of [0x01, 0x80, 0xff]) {
        const b = bytes.slice();
        b[i] = b[i]! ^ x;
        expect(() => KeyFilter.deserialize(b), `byte ${i} ^ ${x}`).toThrow(InvalidKeyFilterError);
      }
    }
  });

  it('rejects well-checksummed but impossible parameters', () => {
    const bytes = sample().serialize();
    const dv = new DataView(bytes.buffer);
    dv.setFloat64(20, 2, true); // fpp 2
    const n = dv.getUint32(8, true);
    const headerLen = 44 + 32 * n;
    dv.setUint32(headerLen, crc32Of(bytes.subarray(0, headerLen)), true);
    const e = loadError(bytes);
    expect(e.message).toMatch(/bad parameter: key filter fpp must be in \(0, 1\), got 2/);
    expect(e.context.reason).toBe('parameter');
  });
});

function crc32Of(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of data) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}
