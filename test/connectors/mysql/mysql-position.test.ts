import { describe, expect, it } from 'vitest';
import { compareMySqlPositions, toMySqlPosition } from '../../../connectors/mysql/index.js';
import { binlogPosition, snapshotPosition } from '../../../connectors/mysql/position.js';
import { parseJson, stringifyJson } from '../../../src/iceberg/spec/lossless-json.js';
import { parsePipelineConfig } from '../../../src/pipeline/config-loader.js';
import type { SourcePosition } from '../../../src/sink/change-event.js';

const cmp = (a: SourcePosition, b: SourcePosition) => compareMySqlPositions(toMySqlPosition(a), toMySqlPosition(b));
const p0 = { file: 'binlog.000009', pos: 500 };

describe('mysql positions', () => {
  it('are totally ordered: binlog by file sequence then offset; a snapshot sorts at its P0, before the binlog there', () => {
    const ordered = [
      binlogPosition({ file: 'binlog.000009', pos: 4 }),
      snapshotPosition({ snapshot: p0, table: 0, key: [1n] }),
      snapshotPosition({ snapshot: p0, table: 0, key: [2n] }),
      snapshotPosition({ snapshot: p0, table: 0, key: [10n] }),
      snapshotPosition({ snapshot: p0, table: 1, key: ['a', '9.50'] }),
      snapshotPosition({ snapshot: p0, table: 1, key: ['a', '10.25'] }),
      snapshotPosition({ snapshot: p0, table: 1, key: ['b', '-1'] }),
      snapshotPosition({ snapshot: p0, table: 2, key: [], row: 3 }),
      snapshotPosition({ snapshot: p0, table: 2, key: [], row: 40 }),
      binlogPosition(p0),
      binlogPosition({ file: 'binlog.000009', pos: 501, gtid: '0-1-7' }),
      binlogPosition({ file: 'binlog.000010', pos: 4 }),
      binlogPosition({ file: 'binlog.000100', pos: 4 }),
      binlogPosition({ file: 'binlog.1000000', pos: 4 }),
    ];
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) expect(Math.sign(cmp(ordered[i]!, ordered[j]!))).toBe(Math.sign(i - j));
    }
  });

  it('survive the JSON round trip of a snapshot summary (big keys exact, text keys stay text)', () => {
    const p = snapshotPosition({ snapshot: { ...p0, gtid: '0-1-5' }, table: 3, key: [18446744073709551615n, '00042'] });
    const back = parseJson(stringifyJson(p));
    expect(cmp(back, p)).toBe(0);
    expect(toMySqlPosition(back!)).toEqual({ kind: 'snapshot', at: { snapshot: { ...p0, gtid: '0-1-5' }, table: 3, key: [18446744073709551615n, '00042'] } });
    expect(() => toMySqlPosition({ file: 'x.jsonl', line: 3 })).toThrow(/not a mysql source position/);
  });
});

describe('mysql source config', () => {
  const yaml = (source: string) => `pipeline-id: p\nsource:\n  type: mysql\n  user: u\n${source}\ntables:\n  - source: a.b\ntarget:\n  warehouse: w\n  namespace: n\n`;

  it('reads every key with defaults', () => {
    const c = parsePipelineConfig(yaml('  password: ${PW}\n  from: position mysql-bin.000003:1234\n  snapshot:\n    parallelism: 4'), 'c.yaml', { PW: 'x' });
    expect(c.source).toEqual({
      type: 'mysql', path: 'mysql://u@127.0.0.1:3306', host: '127.0.0.1', port: 3306, user: 'u', password: 'x',
      from: { kind: 'position', file: 'mysql-bin.000003', pos: 1234 }, heartbeatIntervalMs: 1000, batchMaxEvents: 10000,
      reconnect: { maxAttempts: 10, initialDelayMs: 500, maxDelayMs: 30000 },
      snapshot: { mode: 'initial', chunkSize: 50000, parallelism: 4, maxRowsPerSecond: 0, maxBytesPerSecond: 0, readView: 'auto' },
    });
    expect(parsePipelineConfig(yaml('  from: timestamp 2026-01-01T00:00:00Z'), 'c.yaml', {}).source).toMatchObject({ from: { kind: 'timestamp', ms: Date.UTC(2026, 0, 1) } });
    expect(parsePipelineConfig(yaml('  from: gtid 0-1-100,1-2-5'), 'c.yaml', {}).source).toMatchObject({ from: { kind: 'gtid', gtidSet: '0-1-100,1-2-5' } });
  });

  it('rejects a bad from and unknown keys', () => {
    expect(() => parsePipelineConfig(yaml('  from: yesterday'), 'c.yaml', {})).toThrow(/source\.from: expected snapshot, earliest, latest/);
    expect(() => parsePipelineConfig(yaml('  snapshot:\n    chunk: 5'), 'c.yaml', {})).toThrow(/unknown key/);
  });
});
