/** A token bucket shared by the snapshot readers (`snapshot.max-rows-per-second`; 0 = off). */
export class RateLimiter {
  private tokens: number;
  private last = performance.now();

  constructor(private readonly perSecond: number) {
    this.tokens = perSecond;
  }

  /** Waits until `n` rows may be read. */
  async take(n: number, signal?: AbortSignal): Promise<void> {
    if (this.perSecond <= 0) return;
    for (;;) {
      const now = performance.now();
      this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) / 1000) * this.perSecond);
      this.last = now;
      if (this.tokens >= n || (n > this.perSecond && this.tokens >= this.perSecond)) {
        this.tokens -= n;
        return;
      }
      if (signal?.aborted) return;
      await new Promise((r) => setTimeout(r, Math.max(1, ((n - this.tokens) / this.perSecond) * 1000)));
    }
  }
}
