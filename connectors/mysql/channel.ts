/** A bounded async queue between a producer (a reader) and the consumer (the batch loop). */
export class Channel<T> {
  private readonly items: T[] = [];
  private closed = false;
  private error: unknown;
  private wakeConsumer: (() => void) | undefined;
  private wakeProducer: (() => void) | undefined;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.items.length;
  }

  /** Waits while the queue is full (the producer's backpressure). */
  async push(item: T): Promise<void> {
    while (this.items.length >= this.capacity && !this.closed) await new Promise<void>((r) => (this.wakeProducer = r));
    if (this.closed) return;
    this.items.push(item);
    this.wakeConsumer?.();
  }

  /** Adds without waiting (event callbacks that cannot wait; the caller pauses its source). */
  pushNow(item: T): void {
    if (this.closed) return;
    this.items.push(item);
    this.wakeConsumer?.();
  }

  close(error?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.error = error;
    this.wakeConsumer?.();
    this.wakeProducer?.();
  }

  /** The next item; undefined when closed and drained; throws the producer's error. */
  async next(timeoutMs?: number): Promise<{ item: T } | 'timeout' | undefined> {
    for (;;) {
      if (this.items.length > 0) {
        const item = this.items.shift()!;
        this.wakeProducer?.();
        return { item };
      }
      if (this.closed) {
        if (this.error !== undefined) throw this.error;
        return undefined;
      }
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await new Promise<boolean>((r) => {
        this.wakeConsumer = () => r(false);
        if (timeoutMs !== undefined) timer = setTimeout(() => r(true), timeoutMs);
      });
      if (timer) clearTimeout(timer);
      this.wakeConsumer = undefined;
      if (timedOut && this.items.length === 0 && !this.closed) return 'timeout';
    }
  }
}
