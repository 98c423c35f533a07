/**
 * A ReadableStream fed by write() calls, used as a streaming HTTP request body. write()
 * resolves only once the body has asked for its chunk (pull), so a slow datanode slows the
 * writer instead of filling memory; it rejects once the consumer has failed.
 */
export class ChunkPipe {
  readonly stream: ReadableStream<Uint8Array>;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  /** Resolves the pending pull: the consumer wants a chunk. */
  private demand: (() => void) | undefined;
  private waiters: Array<() => void> = [];
  private failure: Error | undefined;

  constructor() {
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          this.controller = c;
        },
        pull: () =>
          new Promise<void>((resolve) => {
            this.demand = resolve;
            this.wake();
          }),
        cancel: (reason) => this.fail(reason instanceof Error ? reason : new Error(String(reason))),
      },
      { highWaterMark: 0 },
    );
  }

  async write(chunk: Uint8Array): Promise<void> {
    while (!this.demand) {
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.failure) throw this.failure;
    const d = this.demand;
    this.demand = undefined;
    // a copy: the caller may reuse its buffer once write() resolves, before the socket took it
    this.controller.enqueue(chunk.slice());
    d();
  }

  /** Ends the body. */
  end(): void {
    if (!this.failure) this.controller.close();
  }

  /** Breaks the body off: the request fails, and pending writes reject with `err`. */
  abort(err: Error): void {
    if (this.failure) return;
    this.fail(err);
    this.controller.error(err);
  }

  /** The consumer failed (the upload request was refused or broke): pending writes reject. */
  fail(err: Error): void {
    this.failure ??= err;
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
