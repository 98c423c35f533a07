import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import type { IcebergType } from '../../src/iceberg/spec/types.js';
import { parsePartitionExpression } from '../../src/pipeline/config-partition.js';

const columns = new Map<string, IcebergType>([
  ['id', { kind: 'long' }],
  ['created_at', { kind: 'timestamptz' }],
  ['day_col', { kind: 'date' }],
  ['name', { kind: 'string' }],
  ['score', { kind: 'double' }],
  ['tags', { kind: 'list', elementId: 0, elementRequired: false, element: { kind: 'string' } }],
  ['odd name', { kind: 'string' }],
]);

describe('parsePartitionExpression', () => {
  it.each([
    ['region', 'region', { kind: 'identity' }],
    ['identity(region)', 'region', { kind: 'identity' }],
    ['day(created_at)', 'created_at', { kind: 'day' }],
    ['days(created_at)', 'created_at', { kind: 'day' }],
    ['YEAR(created_at)', 'created_at', { kind: 'year' }],
    ['months( created_at )', 'created_at', { kind: 'month' }],
    ['hours(created_at)', 'created_at', { kind: 'hour' }],
    ['bucket(16, id)', 'id', { kind: 'bucket', n: 16 }],
    ['bucket(id, 16)', 'id', { kind: 'bucket', n: 16 }],
    ['truncate(4, name)', 'name', { kind: 'truncate', width: 4 }],
    ['truncate(name,4)', 'name', { kind: 'truncate', width: 4 }],
    ['void(id)', 'id', { kind: 'void' }],
    ['`odd name`', 'odd name', { kind: 'identity' }],
  ])('%s', (expr, sourceColumn, transform) => {
    expect(parsePartitionExpression(expr)).toEqual({ sourceColumn, transform });
  });

  it('checks columns and transform applicability when the columns are known', () => {
    expect(parsePartitionExpression('day(day_col)', columns)).toEqual({ sourceColumn: 'day_col', transform: { kind: 'day' } });
    expect(() => parsePartitionExpression('day(nope)', columns, 'tables[0].partition-by[1]')).toThrow(
      'tables[0].partition-by[1]: "day(nope)": unknown column "nope" (columns: id, created_at, day_col, name, score, tags, odd name)',
    );
    expect(() => parsePartitionExpression('hour(day_col)', columns)).toThrow('transform hour cannot be applied to day_col of type date');
    expect(() => parsePartitionExpression('truncate(2, score)', columns)).toThrow('transform truncate[2] cannot be applied to score of type double');
    expect(() => parsePartitionExpression('tags', columns)).toThrow('cannot partition by tags: list<string> is not a primitive type');
  });

  it.each([
    ['dya(created_at)', 'unknown transform "dya"'],
    ['bucket(id)', 'unknown transform "bucket"'],
    ['bucket(0, id)', 'bucket needs a positive int, got 0'],
    ['bucket(4, 8)', 'bucket takes a number and a column'],
    ['truncate(a, b)', 'truncate takes a number and a column'],
    ['day(a, b)', 'unknown transform "day"'],
    ['a.b', 'not a partition expression'],
    ['', 'not a partition expression'],
    ['day(created_at', 'not a partition expression'],
  ])('rejects %j with the accepted forms', (expr, problem) => {
    let err: unknown;
    try {
      parsePartitionExpression(expr, undefined, 'tables[2].partition-by[0]');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message.startsWith(`tables[2].partition-by[0]: cannot parse ${JSON.stringify(expr)}: ${problem}; accepted forms: column, identity(column)`)).toBe(true);
    expect((err as ConfigError).context.path).toBe('tables[2].partition-by[0]');
  });
});
