import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchEvents } from '../../../src/sink/insert-columns.js';
import { createMySqlSource } from '../../../connectors/mysql/index.js';
import { parsePipelineConfig } from '../../../src/pipeline/config-loader.js';
import type { ChangeEvent } from '../../../src/sink/change-event.js';
import { createAllTypesTable, insertAllTypesRows, pipelineYaml } from '../../support/mariadb-fixtures.js';
import { startMariaDb, type MariaDbServer } from '../../support/mariadb-server.js';

let server: MariaDbServer;

beforeAll(async () => {
  server = await startMariaDb();
  await server.query('CREATE DATABASE shop');
  await createAllTypesTable(server, 'shop.types');
  // Rows 1..4 are read by the snapshot and (from the earliest binlog) by the binlog reader.
  await insertAllTypesRows(server, 'shop.types', 0);
});

afterAll(async () => {
  await server?.stop();
});

async function readAll(from: string, extra = ''): Promise<{ events: ChangeEvent[]; phases: string[] }> {
  const config = parsePipelineConfig(pipelineYaml(server, { warehouse: '/tmp/unused', tables: '  - source: shop.types', source: `  from: ${from}\n${extra}` }), 'test.yaml', {});
  const source = createMySqlSource(config);
  await source.discover();
  const events: ChangeEvent[] = [];
  const phases: string[] = [];
  for await (const b of source.read(undefined, { signal: new AbortController().signal, untilDrained: true })) {
    events.push(...batchEvents(b));
    phases.push(b.phase);
  }
  await source.close();
  return { events, phases };
}

describe('mysql type mapping', () => {
  it('maps every column type to its Iceberg type', async () => {
    const config = parsePipelineConfig(pipelineYaml(server, { warehouse: '/tmp/unused', tables: '  - source: shop.types' }), 'test.yaml', {});
    const [t] = await createMySqlSource(config).discover();
    const types = Object.fromEntries(t!.columns.map((c) => [c.name, c.type.kind === 'decimal' ? `decimal(${c.type.precision},${c.type.scale})` : c.type.kind]));
    expect(types).toEqual({
      id: 'int', ti: 'int', tiu: 'int', si: 'int', siu: 'int', mi: 'int', miu: 'int', i: 'int', iu: 'long', bi: 'long', biu: 'decimal(20,0)', bo: 'int',
      dec1: 'decimal(10,2)', dec2: 'decimal(38,10)', dec3: 'string', f: 'float', dbl: 'double',
      dt: 'date', dtt: 'timestamp', dt3: 'timestamp', dt6: 'timestamp', ts: 'timestamptz', ts6: 'timestamptz', tm: 'time', tm6: 'time', yr: 'int',
      c: 'string', vc: 'string', tx: 'string', lt: 'string', b: 'binary', vb: 'binary', bl: 'binary', e: 'string', st: 'string', bt: 'long', bt64: 'long', js: 'string',
    });
    expect(t!.primaryKey).toEqual(['id']);
  });

  it('snapshot rows and binlog rows give identical Iceberg values, type by type', async () => {
    const snap = await readAll('snapshot', '  snapshot:\n    mode: initial-only');
    const bin = await readAll('earliest');
    expect(snap.phases.every((p) => p === 'snapshot')).toBe(true);
    const snapRows = new Map(snap.events.map((e) => [e.after!['id'], e.after!]));
    const binRows = new Map(bin.events.filter((e) => e.table === 'shop.types').map((e) => [e.after!['id'], e.after!]));
    expect([...snapRows.keys()].sort()).toEqual([1, 2, 3, 4]);
    expect([...binRows.keys()].sort()).toEqual([1, 2, 3, 4]);
    for (const id of [1, 2, 3, 4]) {
      const a = snapRows.get(id)!;
      const b = binRows.get(id)!;
      for (const col of Object.keys(a)) expect({ id, col, v: b[col] }).toEqual({ id, col, v: a[col] });
    }
    const r1 = snapRows.get(1)!;
    expect(r1).toMatchObject({
      ti: -128, tiu: 255, si: -32768, siu: 65535, mi: -8388608, miu: 16777215, i: -2147483648, iu: 4294967295n,
      bi: -9223372036854775808n, biu: 18446744073709551615n, bo: 1,
      dec1: -1234567891n, dec2: 12345678901234567890123456780123456789n, dec3: '99999999999999999999999999999999999999999999999999999999999999999',
      f: Math.fround(1 / 3), dbl: -2.25e300,
      dt: 19782, // 2024-02-29
      dtt: BigInt(Date.UTC(1000, 0, 1)) * 1000n,
      dt3: BigInt(Date.UTC(2024, 0, 1, 12, 34, 56, 789)) * 1000n,
      dt6: BigInt(Date.UTC(9999, 11, 31, 23, 59, 59)) * 1000n + 999999n,
      // written at +05:00: 10:00 there is 05:00 UTC
      ts: BigInt(Date.UTC(2024, 5, 1, 5)) * 1000n,
      ts6: BigInt(Date.UTC(2038, 0, 18, 22, 14, 7)) * 1000n + 123456n,
      tm: ((12n * 60n + 34n) * 60n + 56n) * 1_000_000n, tm6: 86_399_000_001n, yr: 2155,
      c: 'ab', vc: 'héllo 😀 wörld', tx: 'text 😀',
      b: new Uint8Array([1, 2, 3, 4]), vb: new Uint8Array([0, 255]), bl: new Uint8Array([0xde, 0xad, 0xbe, 0xef]),
      e: 'b', st: 'x,z', bt: 21n, bt64: -1n, js: '{"a": [1, 2.5, "x"], "b": null}',
    });
    expect((r1['lt'] as string).length).toBe(70000);
    expect(Object.values(snapRows.get(2)!).filter((v) => v !== null)).toEqual([2]);
    const r3 = snapRows.get(3)!;
    expect(r3).toMatchObject({ dt6: null, f: Math.fround(0.1), dbl: 0.1, tm6: 500_000n, dec2: -1n, ts: 1_000_000n, b: new Uint8Array(4) });
    expect(snapRows.get(4)!).toMatchObject({ biu: 9223372036854775808n, f: Math.fround(-3.4e38), dbl: 1.7976931348623157e308, dt: 2932896, vc: '中文 ＆ العربية', js: '{"n": 12345678901234567890}' });
  });

  it('TIME outside 00:00..24:00 is an error naming the fix; declared as string it is kept as text', async () => {
    await server.query('CREATE TABLE shop.times (id INT PRIMARY KEY, t TIME); INSERT INTO shop.times VALUES (1, \'-838:59:59\'), (2, \'100:00:00\')');
    const make = (cols: string) => createMySqlSource(parsePipelineConfig(pipelineYaml(server, { warehouse: '/tmp/unused', tables: `  - source: shop.times\n${cols}`, source: '  snapshot:\n    mode: initial-only' }), 't.yaml', {}));
    const bad = make('');
    await bad.discover();
    const read = async (s: ReturnType<typeof make>) => {
      const out: ChangeEvent[] = [];
      for await (const b of s.read(undefined, { signal: new AbortController().signal, untilDrained: true })) out.push(...batchEvents(b));
      return out;
    };
    await expect(read(bad)).rejects.toThrow(/shop\.times\.t: TIME value outside .*declare this column with type string/);
    const ok = make('    columns:\n      - { name: id, type: int }\n      - { name: t, type: string }');
    await ok.discover();
    expect((await read(ok)).map((e) => e.after!['t'])).toEqual(['-838:59:59', '100:00:00']);
  });
});
