import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { packBatches, PackedBinary, PackedStrings, unpackBatches, type MaskedColumns } from '../../src/parquet/index.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

/** Strings packed into a larger buffer at an offset, as a page-backed column is. */
function packedAt(values: string[], lead: number): PackedStrings {
  const bytes = new Uint8Array(lead + values.reduce((n, v) => n + utf8(v).length, 0));
  const offsets = new Int32Array(values.length + 1);
  offsets[0] = lead;
  values.forEach((v, i) => {
    bytes.set(utf8(v), offsets[i]!);
    offsets[i + 1] = offsets[i]! + utf8(v).length;
  });
  return new PackedStrings(bytes, offsets);
}

function batchA(): MaskedColumns {
  return {
    batch: {
      length: 4,
      columns: {
        i: Int32Array.of(1, -2, 3, 0),
        l: BigInt64Array.of(1n, -(2n ** 62n), 3n, 0n),
        f: Float32Array.of(0.5, NaN, -0, 3),
        d: Float64Array.of(1 / 3, Infinity, 0, 2),
        s: packedAt(['a', 'ü', '', 'long value'], 5),
        bin: new PackedBinary(Uint8Array.of(1, 2, 3, 4), Int32Array.of(0, 1, 1, 3, 4)),
        b: [true, null, false, true],
        big: [10n ** 30n, null, -1n, 0n],
      },
      nulls: { i: undefined, l: undefined, f: undefined, d: Uint8Array.of(0, 0, 1, 0), s: Uint8Array.of(0, 0, 1, 0), bin: undefined, b: Uint8Array.of(0, 1, 0, 0), big: Uint8Array.of(0, 1, 0, 0) },
    },
    mask: Uint8Array.of(1, 0, 1, 1),
    kept: 3,
  };
}

const plain = (m: MaskedColumns) => ({
  length: m.batch.length,
  kept: m.kept,
  mask: [...m.mask],
  columns: Object.fromEntries(Object.entries(m.batch.columns).map(([k, c]) => [k, c instanceof PackedStrings || c instanceof PackedBinary ? { kind: c.constructor.name, values: Array.from({ length: c.length }, (_, i) => c.get(i)) } : { kind: c.constructor.name, values: Array.from(c as ArrayLike<unknown>) }])),
  nulls: Object.fromEntries(Object.entries(m.batch.nulls).map(([k, n]) => [k, n ? [...n] : undefined])),
});

describe('batches packed into one buffer', () => {
  it('every column kind comes back equal: typed arrays, strings at an offset, binaries, booleans with nulls, other values; masks and null masks', () => {
    const second: MaskedColumns = { ...batchA(), mask: Uint8Array.of(1, 1, 1, 1), kept: 4 };
    const packed = packBatches([batchA(), second]);
    // the views' own buffers are not shared with the packed one
    const cloned = structuredClone(packed, { transfer: [packed.buffer] });
    const back = unpackBatches(cloned);
    expect(back.map(plain)).toEqual([batchA(), second].map(plain));
    // booleans travel as bytes, other non-typed columns as values
    expect(cloned.values.map((b) => b.map((v) => v !== null))).toEqual([[false, false, false, false, false, false, false, true], [false, false, false, false, false, false, false, true]]);
    // typed columns are views into the one buffer
    expect((back[1]!.batch.columns['l'] as BigInt64Array).buffer).toBe(cloned.buffer);
  });

  it('a boolean column holding something else travels as values', () => {
    const m: MaskedColumns = { batch: { length: 2, columns: { b: [true, 1] }, nulls: { b: undefined } }, mask: Uint8Array.of(1, 1), kept: 2 };
    const back = unpackBatches(packBatches([m]));
    expect(back[0]!.batch.columns['b']).toEqual([true, 1]);
  });

  it('no batches: an empty list back', () => {
    expect(unpackBatches(packBatches([]))).toEqual([]);
  });

  it('batches with different columns are refused (one layout serves all)', () => {
    const other: MaskedColumns = { batch: { length: 1, columns: { x: Int32Array.of(1) }, nulls: { x: undefined } }, mask: Uint8Array.of(1), kept: 1 };
    expect(() => packBatches([batchA(), other])).toThrow(ValidationError);
  });
});
