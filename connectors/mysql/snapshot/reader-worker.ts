/**
 * A full-load reader on its own thread: one connection, the tasks the main thread hands it
 * (key ranges of one table each, reader-protocol.ts), rows decoded from the packets into
 * columnar pages (text-row-decoder.ts) and sent with their buffers transferred. Reading and
 * decoding here leaves the main thread to the sink and the Parquet encoding.
 *
 * Read views: a worker keeps one consistent view per table while it reads that table's ranges
 * (a new table commits the old view and opens a new one), and every page says which view it
 * comes from.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Connection as CallbackConnection } from 'mysql2';
import type mysql from 'mysql2/promise';
import { connect } from '../connection.js';
import type { BinlogPosition, KeyPart } from '../position.js';
import { transferList } from './page-columns.js';
import { queryRawRows } from './raw-row-query.js';
import { openReadView } from './read-view.js';
import type { ErrorMessage, FromWorker, PageMessage, ReaderInit, ReadTask, ToWorker } from './reader-protocol.js';
import { keyPartFromText, keysetSql, scanSql } from './snapshot-sql.js';
import { TextRowDecoder } from './text-row-decoder.js';

const init = workerData as ReaderInit;
const port = parentPort!;

let credits = init.credits;
let wakeCredit: (() => void) | undefined;
const tasks: ReadTask[] = [];
let wakeTask: (() => void) | undefined;
let stopping = false;

port.on('message', (m: ToWorker) => {
  if (m.type === 'credit') {
    credits++;
    wakeCredit?.();
  } else if (m.type === 'task') {
    tasks.push(m.task);
    wakeTask?.();
  } else {
    stopping = true;
    wakeTask?.();
    wakeCredit?.();
  }
});

function send(m: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(m, transfer);
}

async function nextTask(): Promise<ReadTask | undefined> {
  while (tasks.length === 0 && !stopping) await new Promise<void>((r) => (wakeTask = r));
  wakeTask = undefined;
  return stopping ? undefined : tasks.shift();
}

/** Reads tasks until told to stop; one view per table at a time. */
async function main(): Promise<void> {
  let c: mysql.Connection | undefined;
  try {
    c = await connect(init.connection);
    // A page waiting for credit leaves its query's socket unread; the server must not give up
    // on it meanwhile (net_write_timeout, default 60 s) while the sink catches up.
    await c.query('SET SESSION net_write_timeout = 3600');
    send({ type: 'ready' });
    let viewTable = -1;
    let view: BinlogPosition | undefined;
    for (;;) {
      const task = await nextTask();
      if (!task) break;
      try {
        if (task.table !== viewTable) {
          if (viewTable >= 0) await c.query('COMMIT');
          view = await openReadView(c, init.readView);
          viewTable = task.table;
        }
        await readTask(c, task, view);
      } catch (err) {
        send(errorMessage(err, task.id));
        return;
      }
    }
    if (viewTable >= 0) await c.query('COMMIT').catch(() => undefined);
  } catch (err) {
    send(errorMessage(err));
  } finally {
    await c?.end().catch(() => undefined);
    // The open port would keep this thread alive: closing it lets the worker exit.
    port.close();
  }
}

function errorMessage(err: unknown, task?: number): ErrorMessage {
  const e = err as { name?: string; message?: string; code?: string; errno?: number };
  return { type: 'error', ...(task !== undefined ? { task } : {}), name: e?.name ?? 'Error', message: e?.message ?? String(err), ...(e?.code ? { code: e.code } : {}), ...(e?.errno !== undefined ? { errno: e.errno } : {}) };
}

async function readTask(c: mysql.Connection, task: ReadTask, view: BinlogPosition | undefined): Promise<void> {
  const t = init.tables[task.table]!;
  const decoder = new TextRowDecoder(t.name, t.columns, t.targets, t.keyColumns, init.pageSize);
  const core = (c as unknown as { connection: CallbackConnection }).connection;
  const keyTypes = t.keyColumns.map((k) => t.columns.find((col) => col.name === k)?.dataType ?? '');
  let sent = 0;
  let paused = false;
  let lastKey: KeyPart[] | undefined;
  let pending: Promise<void> | undefined;

  const flush = (last: boolean): void => {
    const page = decoder.finish();
    const msg: PageMessage = { type: 'page', task: task.id, rows: page.rows, columns: page.columns, keys: page.keys, bytes: page.bytes, ...(view ? { view } : {}), last };
    credits--;
    sent++;
    send(msg, transferList([...page.columns, ...page.keys]));
  };
  /** Waits until a page may be sent (the connection is paused meanwhile). */
  const waitCredit = async (): Promise<void> => {
    while (credits <= 0 && !stopping) await new Promise<void>((r) => (wakeCredit = r));
    wakeCredit = undefined;
  };
  const onRow = (buf: Buffer, start: number, end: number): void => {
    decoder.decode(buf, start, end);
    if (!decoder.full) return;
    if (t.keyColumns.length > 0) lastKey = rowKey(decoder.rows - 1);
    if (credits > 0) {
      flush(false);
      return;
    }
    // No credit: hold the socket until the main thread takes a page.
    if (!paused) {
      paused = true;
      core.pause();
      pending = waitCredit().then(() => {
        flush(false);
        paused = false;
        pending = undefined;
        core.resume();
      });
    }
  };
  // The key of a decoded row, from the key columns' raw bytes of the page being filled.
  const rowKey = (row: number): KeyPart[] => decoder.peekKey(row, keyTypes, keyPartFromText);

  if (t.keyColumns.length === 0) {
    let n = 0;
    const skip = task.skipRows ?? 0;
    await queryRawRows(core, scanSql(t), (buf, start, end) => {
      if (++n > skip) onRow(buf, start, end);
    });
  } else {
    let after = task.after;
    for (;;) {
      const q = keysetSql(t, after, task.upTo, init.chunkSize);
      const before = sent * init.pageSize + decoder.rows;
      await queryRawRows(core, core.format(q.sql, q.params), onRow);
      await pending;
      const read = sent * init.pageSize + decoder.rows - before;
      if (read < init.chunkSize) break;
      after = decoder.rows > 0 ? rowKey(decoder.rows - 1) : lastKey!;
    }
  }
  await pending;
  await waitCredit();
  if (stopping) return;
  flush(true);
}

void main();
