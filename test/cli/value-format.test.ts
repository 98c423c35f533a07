import { describe, expect, it } from 'vitest';
import { toJsonCell } from '../../src/cli/value-format.js';
import { stringifyJson } from '../../src/iceberg/spec/lossless-json.js';

describe('jsonl values (toJsonCell)', () => {
  it('NaN and the infinities of float and double columns are the strings DuckDB and Spark write', () => {
    for (const kind of ['float', 'double'] as const) {
      expect([NaN, Infinity, -Infinity, 1.5, -0].map((v) => toJsonCell({ kind }, v))).toEqual(['NaN', 'Infinity', '-Infinity', 1.5, -0]);
    }
    const row = { x: toJsonCell({ kind: 'double' }, NaN), xs: toJsonCell({ kind: 'list', elementId: 2, elementRequired: false, element: { kind: 'double' } }, [1, -Infinity, null]) };
    expect(stringifyJson(row)).toBe('{"x":"NaN","xs":[1,"-Infinity",null]}');
  });
});
