/**
 * The full load's reader workers (reader-worker.ts) seen from the main thread: tasks are
 * pulled in handover order and handed to the least busy worker (at most two each: the one it
 * reads and the next), and their pages come back in task order, however the workers race.
 * Memory stays bounded: a worker sends at most `credits` pages ahead of the consumer.
 */
import { Worker } from 'node:worker_threads';
import { IcetideError } from '../../../src/errors.js';
import { workerScript } from '../../../src/concurrency/worker-script.js';
import { explainConnectError, MySqlConnectionLostError, MySqlSetupError, MySqlValueError } from '../errors.js';
import type { ErrorMessage, FromWorker, PageMessage, ReaderInit, ReadTask, ToWorker } from './reader-protocol.js';

/** Pages a worker may have sent and the consumer not yet taken. */
const CREDITS = 2;
/** Tasks a worker holds: the one it reads and the next. */
const TASKS_PER_WORKER = 2;

interface TaskState {
  readonly task: ReadTask;
  readonly worker: WorkerState;
  readonly pages: PageMessage[];
  done: boolean;
}

interface WorkerState {
  readonly worker: Worker;
  outstanding: number;
}

/** Rebuilds a worker's error on this thread, with the class the connector's callers expect. */
function rebuild(m: ErrorMessage, where: string): Error {
  const context = { ...(m.code ? { code: m.code } : {}) };
  if (m.name === 'MySqlValueError') return new MySqlValueError(m.message, context);
  if (m.name === 'MySqlSetupError') return new MySqlSetupError(m.message, context);
  if (m.code === 'ECONNREFUSED' || m.code === 'ER_ACCESS_DENIED_ERROR' || m.code === 'ENOTFOUND') {
    return explainConnectError(Object.assign(new Error(m.message), { code: m.code, errno: m.errno }), where);
  }
  if (m.code === 'PROTOCOL_CONNECTION_LOST' || m.code === 'ECONNRESET' || m.code === 'EPIPE') {
    return new MySqlConnectionLostError(`full load: ${m.message}`, context);
  }
  return Object.assign(new IcetideError(`full load: ${m.message}`, context), { code: m.code, errno: m.errno });
}

export class ReaderPool {
  private readonly workers: WorkerState[] = [];
  /** Tasks handed out and not yet handed over, in handover order. */
  private readonly queue: TaskState[] = [];
  private readonly byId = new Map<number, TaskState>();
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private closed = false;

  private constructor(private readonly where: string) {}

  /** Starts `parallelism` workers, each with its own connection (resolves once all are connected). */
  static async start(init: Omit<ReaderInit, 'credits'>, parallelism: number, where: string): Promise<ReaderPool> {
    const pool = new ReaderPool(where);
    const ready: Promise<void>[] = [];
    for (let i = 0; i < parallelism; i++) {
      const worker = new Worker(workerScript(import.meta.url, 'reader-worker'), { eval: true, workerData: { ...init, credits: CREDITS } satisfies ReaderInit });
      const state: WorkerState = { worker, outstanding: 0 };
      pool.workers.push(state);
      ready.push(new Promise<void>((resolve, reject) => {
        worker.on('message', (m: FromWorker) => {
          if (m.type === 'ready') resolve();
          else if (m.type === 'error') {
            const err = rebuild(m, where);
            reject(err);
            pool.fail(err);
          } else pool.onPage(state, m);
        });
        worker.on('error', (err) => {
          reject(err);
          pool.fail(err);
        });
        worker.on('exit', (code) => {
          const err = new IcetideError(`full load: a reader worker exited with code ${code}`);
          reject(err);
          if (!pool.closed) pool.fail(err);
        });
      }));
    }
    try {
      await Promise.all(ready);
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.wake?.();
  }

  private onPage(w: WorkerState, m: PageMessage): void {
    const t = this.byId.get(m.task);
    if (!t) return;
    t.pages.push(m);
    if (m.last) {
      t.done = true;
      w.outstanding--;
    }
    this.wake?.();
  }

  private post(w: WorkerState, m: ToWorker): void {
    w.worker.postMessage(m);
  }

  /** Hands tasks to workers with room, in the order they come. Returns false when none are left. */
  private async assign(tasks: AsyncIterator<ReadTask>): Promise<boolean> {
    for (;;) {
      const w = this.workers.reduce((a, b) => (b.outstanding < a.outstanding ? b : a));
      if (w.outstanding >= TASKS_PER_WORKER) return true;
      const next = await tasks.next();
      if (next.done) return false;
      w.outstanding++;
      const t: TaskState = { task: next.value, worker: w, pages: [], done: false };
      this.queue.push(t);
      this.byId.set(t.task.id, t);
      this.post(w, { type: 'task', task: next.value });
    }
  }

  private async waitChange(): Promise<void> {
    if (this.failure) throw this.failure;
    await new Promise<void>((r) => (this.wake = r));
    this.wake = undefined;
    if (this.failure) throw this.failure;
  }

  /**
   * The pages of `tasks`, task after task in the order they come, each task's in key order.
   * A task's last page has `last` set (it may hold no rows).
   */
  async *pages(tasks: AsyncIterator<ReadTask>, signal: AbortSignal): AsyncGenerator<{ readonly task: ReadTask; readonly page: PageMessage }> {
    let more = true;
    for (;;) {
      if (more) more = await this.assign(tasks);
      const t = this.queue[0];
      if (!t) {
        if (!more) return;
        if (this.failure) throw this.failure;
        continue;
      }
      for (;;) {
        if (this.failure) throw this.failure;
        const page = t.pages.shift();
        if (!page) {
          await this.waitChange();
          continue;
        }
        this.post(t.worker, { type: 'credit' });
        yield { task: t.task, page };
        if (signal.aborted) return;
        if (page.last) break;
        // A worker that finished a task has room for the next.
        if (more && this.workers.some((w) => w.outstanding < TASKS_PER_WORKER)) more = await this.assign(tasks);
      }
      this.queue.shift();
      this.byId.delete(t.task.id);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.workers) w.worker.postMessage({ type: 'stop' } satisfies ToWorker);
    await Promise.all(this.workers.map(async (w) => {
      const exited = new Promise<void>((r) => w.worker.once('exit', () => r()));
      const timer = setTimeout(() => void w.worker.terminate(), 5_000);
      await exited;
      clearTimeout(timer);
    }));
  }
}

export { CREDITS as READER_CREDITS };
