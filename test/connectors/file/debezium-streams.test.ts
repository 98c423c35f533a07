/**
 * The file source on streams as Debezium writes them. The fixtures are modelled on the
 * Debezium tutorials: fixtures/postgres-inventory.jsonl is the Postgres tutorial's inventory
 * schema (database postgres, schema inventory; Debezium 2.5 with the JSON converter, schema
 * blocks on the first lines, then schemas.enable=false), with a MicroTimestamp column on
 * orders and a Decimal price on products added; postgres-unwrapped.jsonl is the same stream
 * through ExtractNewRecordState (add.fields=op,db,schema,table,lsn,source.ts_ms,
 * delete.handling.mode=rewrite); mysql-inventory.jsonl is the MySQL tutorial on Debezium 1.9
 * (snapshot events with source.ts_ms 0).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import type { ChangeBatch, ChangeEvent } from '../../../src/sink/change-event.js';
import { ChangeLineError, FileChangelogSource, type FileSourceOptions } from '../../../connectors/file/index.js';
import { useTempDir } from '../../support/temp-dir.js';
import { readAll, writeLines } from './helpers.js';

const FIXTURES = path.resolve('test/connectors/file/fixtures');
const PG = path.join(FIXTURES, 'postgres-inventory.jsonl');
const PG_UNWRAPPED = path.join(FIXTURES, 'postgres-unwrapped.jsonl');
const MYSQL = path.join(FIXTURES, 'mysql-inventory.jsonl');
const T0 = 1717405200000;

const pgTables = (keys: Record<string, string> = { customers: 'id', products: 'id', orders: 'id' }): FileSourceOptions['tables'] =>
  Object.entries(keys).map(([t, k]) => ({ name: `postgres.inventory.${t}`, primaryKey: [k] }));

function fixtureLines(file: string): string[] {
  return fs.readFileSync(file, 'utf8').trimEnd().split('\n');
}

const events = (batches: readonly ChangeBatch[]): ChangeEvent[] => batches.flatMap((b) => b.events);
const atLine = (batches: readonly ChangeBatch[], line: number): ChangeEvent =>
  events(batches).find((e) => (e.position as { line: number }).line === line)!;

describe('Debezium Postgres stream (fixtures/postgres-inventory.jsonl)', () => {
  const tempDir = useTempDir();

  it('names tables db.schema.table and takes columns and types from the schema blocks', async () => {
    const src = new FileChangelogSource({ path: PG, tables: pgTables() });
    const tables = await src.discover();
    expect(tables.map((t) => t.name)).toEqual(['postgres.inventory.customers', 'postgres.inventory.products', 'postgres.inventory.orders']);
    const orders = tables[2]!;
    expect(orders.columns.map((c) => [c.name, c.type.kind, c.nullable])).toEqual([
      ['id', 'int', false], ['order_date', 'date', false], ['purchaser', 'int', false], ['quantity', 'int', false], ['product_id', 'int', false], ['created_at', 'timestamp', true],
    ]);
    expect(tables[1]!.columns.find((c) => c.name === 'price')!.type).toEqual({ kind: 'decimal', precision: 10, scale: 2 });
  });

  it('decodes lines without a schema block with the schema learnt for their table', async () => {
    const batches = await readAll(new FileChangelogSource({ path: PG, tables: pgTables() }));
    // line 8 has its schema block; line 14 (schemas.enable=false) has none
    expect(atLine(batches, 8).after).toMatchObject({ order_date: 16816, created_at: 1452938400123456n });
    expect(atLine(batches, 14).after).toEqual({ id: 10004, order_date: 19877, purchaser: 1005, quantity: 3, product_id: 101, created_at: 1717405263654321n });
    expect(new Date(Number(1717405263654321n / 1000n)).toISOString()).toBe('2024-06-03T09:01:03.654Z'); // read as micros (as ms it would be a date 54,000 years on)
    // base64 Decimal without a schema block: 0x2102 = 8450 -> 84.50
    expect(atLine(batches, 15).after).toMatchObject({ id: 102, weight: 8.2, price: 8450n });
    expect(Number.isNaN(atLine(batches, 16).after!.weight)).toBe(true);
  });

  it('a schema-less line decodes exactly as the same line with its schema block', async () => {
    const lines = fixtureLines(PG);
    const bare = JSON.parse(lines[13]!) as Record<string, unknown>;
    const wrapped = { schema: (JSON.parse(lines[7]!) as { schema: unknown }).schema, payload: bare };
    const dir = tempDir();
    const read = async (lines2: string[]) => readAll(new FileChangelogSource({ path: writeLines(dir, 'x.jsonl', lines2), tables: pgTables({ orders: 'id' }) }));
    const viaLearnt = atLine(await read([lines[7]!, lines[13]!]), 2);
    const viaOwn = atLine(await read([lines[7]!, JSON.stringify(wrapped)]), 2);
    expect(viaLearnt.after).toEqual(viaOwn.after);
  });

  it('a resumed read decodes schema-less lines with the schemas discovery learnt', async () => {
    const src = new FileChangelogSource({ path: PG, tables: pgTables() });
    await src.discover();
    const batches = await readAll(src, { file: 'postgres-inventory.jsonl', line: 13 });
    expect(atLine(batches, 14).after!.created_at).toBe(1717405263654321n);
    expect(atLine(batches, 15).after!.price).toBe(8450n);
  });

  it('maps deletes with default-filled before-images, tombstones and truncates', async () => {
    const batches = await readAll(new FileChangelogSource({ path: PG, tables: pgTables() }));
    const del = atLine(batches, 17);
    expect([del.op, del.table, del.before]).toEqual(['delete', 'postgres.inventory.customers', { id: 1004, first_name: '', last_name: '', email: '' }]);
    expect(events(batches).some((e) => (e.position as { line: number }).line === 18)).toBe(false); // tombstone
    const truncate = batches.filter((b) => b.truncated);
    expect(truncate).toEqual([{ events: [], position: { file: 'postgres-inventory.jsonl', line: 20 }, phase: 'incremental', watermarkMs: T0 + 68000, truncated: [{ table: 'postgres.inventory.orders', sourceTsMs: T0 + 68000 }] }]);
    // the events before the truncate are handed on before it, the ones after it after
    const at = batches.indexOf(truncate[0]!);
    expect(batches[at - 1]!.events.at(-1)!.position).toEqual({ file: 'postgres-inventory.jsonl', line: 19 });
    expect(batches[at + 1]!.events[0]!.position).toEqual({ file: 'postgres-inventory.jsonl', line: 21 });
    expect(batches.map((b) => b.phase).slice(0, 2)).toEqual(['snapshot', 'incremental']);
  });

  it('keeps tables of two schemas apart: s1.t and s2.t are two source tables', async () => {
    const lines = fixtureLines(PG).slice(0, 4);
    const crm = lines.map((l) => l.replace('"schema":"inventory"', '"schema":"crm"').replace(/"id":100(\d)/g, '"id":200$1'));
    const file = writeLines(tempDir(), 'two-schemas.jsonl', [...lines, ...crm]);
    const src = new FileChangelogSource({ path: file, tables: [{ name: /^postgres\.[a-z]+\.customers$/, primaryKey: ['id'] }] });
    expect((await src.discover()).map((t) => t.name)).toEqual(['postgres.crm.customers', 'postgres.inventory.customers']);
    const all = events(await readAll(src));
    const ids = (table: string) => all.filter((e) => e.table === table).map((e) => e.after!.id);
    expect(ids('postgres.inventory.customers')).toEqual([1001, 1002, 1003, 1004]);
    expect(ids('postgres.crm.customers')).toEqual([2001, 2002, 2003, 2004]);
  });

  it('a config naming db.table for a Postgres stream fails loudly with the db.schema.table form, even with dead-letter', async () => {
    const dir = tempDir();
    const declared = [{ name: 'postgres.customers', primaryKey: ['id'], columns: [{ name: 'id', type: { kind: 'int' as const }, nullable: false }] }];
    // declared columns: no discovery scan, the read finds it
    const read = readAll(new FileChangelogSource({ path: PG, tables: declared, onError: { mode: 'dead-letter', path: path.join(dir, 'dead.jsonl') } }));
    await expect(read).rejects.toThrow(ConfigError);
    await expect(readAll(new FileChangelogSource({ path: PG, tables: declared }))).rejects.toThrow(
      'postgres-inventory.jsonl:1: table postgres.inventory.customers is configured as postgres.customers: events that carry source.schema (Postgres, SQL Server) name tables db.schema.table; write tables[].source: postgres.inventory.customers (or a regex matching it)',
    );
    expect(fs.existsSync(path.join(dir, 'dead.jsonl'))).toBe(false);
    // learnt columns: discovery finds it first
    const learnt = new FileChangelogSource({ path: PG, tables: [{ name: 'postgres.orders', primaryKey: ['id'] }] });
    await expect(learnt.discover()).rejects.toThrow(/postgres-inventory\.jsonl:8: table postgres\.inventory\.orders is configured as postgres\.orders/);
    // a regex written for db.table names is caught too
    const regex = new FileChangelogSource({ path: PG, tables: [{ name: /^postgres\.(customers|orders)$/, primaryKey: ['id'] }] });
    await expect(regex.discover()).rejects.toThrow(/configured as postgres\.customers/);
  });
});

describe('ExtractNewRecordState records (fixtures/postgres-unwrapped.jsonl, envelope: unwrapped)', () => {
  const tempDir = useTempDir();
  const unwrapped = (file = PG_UNWRAPPED, extra: Partial<FileSourceOptions> = {}) =>
    new FileChangelogSource({ path: file, envelope: 'unwrapped', tables: pgTables({ customers: 'id', orders: 'id' }), ...extra });

  it('reads op, table, source time and rewritten deletes; the __ fields are not columns', async () => {
    const src = unwrapped();
    const tables = await src.discover();
    expect(tables[0]!.columns.map((c) => c.name)).toEqual(['id', 'first_name', 'last_name', 'email']);
    const batches = await readAll(src);
    expect(events(batches).map((e) => [e.op, e.table, e.sourceTsMs])).toEqual([
      ['insert', 'postgres.inventory.customers', T0],
      ['insert', 'postgres.inventory.customers', T0],
      ['insert', 'postgres.inventory.orders', T0],
      ['insert', 'postgres.inventory.customers', T0 + 60000],
      ['update', 'postgres.inventory.customers', T0 + 61000],
      ['insert', 'postgres.inventory.orders', T0 + 63654],
      ['delete', 'postgres.inventory.customers', T0 + 66000],
    ]);
    expect(batches[0]!.phase).toBe('snapshot');
    expect(atLine(batches, 5).after).toEqual({ id: 1001, first_name: 'Sally', last_name: 'Thomas', email: 'sally.t@example.com' });
    const del = atLine(batches, 7);
    expect([del.before, del.after]).toEqual([{ id: 1002, first_name: 'George', last_name: 'Bailey', email: 'gbailey@foobar.com' }, undefined]);
    // schema-less order line decoded with the learnt MicroTimestamp/Date schema
    expect(atLine(batches, 6).after).toEqual({ id: 10004, order_date: 19877, purchaser: 1005, quantity: 3, product_id: 101, created_at: 1717405263654321n });
  });

  it('a record without __op is the row as it now is (an insert)', async () => {
    const line = '{"id":1001,"first_name":"S","last_name":"T","email":"e","__db":"postgres","__schema":"inventory","__table":"customers","__source_ts_ms":5}';
    const file = writeLines(tempDir(), 'x.jsonl', [line]);
    const src = unwrapped(file, { tables: [{ name: 'postgres.inventory.customers', primaryKey: ['id'], columns: [{ name: 'id', type: { kind: 'int' }, nullable: false }, { name: 'first_name', type: { kind: 'string' }, nullable: true }, { name: 'last_name', type: { kind: 'string' }, nullable: true }, { name: 'email', type: { kind: 'string' }, nullable: true }] }] });
    expect(events(await readAll(src)).map((e) => [e.op, e.sourceTsMs, e.after])).toEqual([['insert', 5, { id: 1001, first_name: 'S', last_name: 'T', email: 'e' }]]);
  });

  it.each([
    ['an envelope read as unwrapped', fixtureLines(PG)[10]!, 'the line looks like a Debezium change event envelope (op, before/after, source), not an ExtractNewRecordState record; set source.envelope: debezium'],
    ['no table', '{"id":1,"__op":"c","__source_ts_ms":1}', "missing __table and __db (or __schema): set the SMT's add.fields=op,table,db,source.ts_ms (Postgres: also schema) so each record names its table"],
    ['Postgres without __schema', '{"id":1,"__op":"c","__db":"postgres","__table":"customers","__lsn":5,"__source_ts_ms":1}', "a Postgres record (it has __lsn) without __schema: add schema to the SMT's add.fields, since Postgres tables are named db.schema.table"],
    ['no source time', '{"id":1,"__op":"c","__db":"postgres","__schema":"inventory","__table":"customers"}', "missing __source_ts_ms: add source.ts_ms to the SMT's add.fields (the source commit time, for the watermark)"],
    ['an unknown __op', '{"id":1,"__op":"x","__db":"postgres","__schema":"inventory","__table":"customers","__source_ts_ms":1}', 'unknown __op "x" (expected c, u, d, r or t)'],
  ])('%s is an error saying what to set', async (_name, line, problem) => {
    const file = writeLines(tempDir(), 'x.jsonl', [line]);
    const src = unwrapped(file, { tables: [{ name: 'postgres.inventory.customers', primaryKey: ['id'], columns: [{ name: 'id', type: { kind: 'int' }, nullable: false }] }] });
    const err = await readAll(src).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChangeLineError);
    expect((err as Error).message).toBe(`x.jsonl:1: ${problem}`);
  });

  it('an unwrapped record read as a Debezium envelope names envelope: unwrapped', async () => {
    const err = await readAll(new FileChangelogSource({ path: PG_UNWRAPPED, tables: pgTables() })).catch((e: unknown) => e);
    expect((err as Error).message).toBe('postgres-unwrapped.jsonl:1: missing "op": the line looks like an unwrapped ExtractNewRecordState record (it has __op, __db, __schema); set source.envelope: unwrapped');
  });
});

describe('Debezium MySQL stream (fixtures/mysql-inventory.jsonl, Debezium 1.9)', () => {
  const tables = [{ name: 'inventory.customers', primaryKey: ['id'] }, { name: 'inventory.orders', primaryKey: ['order_number'] }];

  it('snapshot events with source.ts_ms 0 take the envelope ts_ms; truncates map to TRUNCATE', async () => {
    const batches = await readAll(new FileChangelogSource({ path: MYSQL, tables }));
    expect(events(batches).map((e) => [e.table, e.op, e.sourceTsMs])).toEqual([
      ['inventory.customers', 'insert', T0 + 1],
      ['inventory.customers', 'insert', T0 + 2],
      ['inventory.customers', 'insert', T0 + 3],
      ['inventory.orders', 'insert', T0 + 4],
      ['inventory.orders', 'insert', T0 + 5],
      ['inventory.customers', 'insert', T0 + 60000],
      ['inventory.customers', 'update', T0 + 61000],
      ['inventory.customers', 'delete', T0 + 62000],
      ['inventory.orders', 'insert', T0 + 64000],
    ]);
    expect(batches[0]!.watermarkMs).toBe(T0 + 5);
    expect(batches.filter((b) => b.truncated).map((b) => [b.position, b.truncated])).toEqual([[{ file: 'mysql-inventory.jsonl', line: 9 }, [{ table: 'inventory.orders', sourceTsMs: T0 + 63000 }]]]);
    expect(atLine(batches, 4).after).toEqual({ order_number: 10001, order_date: 16816, purchaser: 1001, quantity: 1, product_id: 102 });
  });
});
