/**
 * Token buckets shared by the snapshot readers: `snapshot.max-rows-per-second` and
 * `snapshot.max-bytes-per-second` (0 = off), so a full load cannot hurt the production server.
 */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: Clock = { now: () => performance.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

export class RateLimiter {
  private tokens: number;
  private last: number;

  /** `perSecond` units per second, at most one second's worth in the bucket (0: no limit). */
  constructor(private readonly perSecond: number, private readonly clock: Clock = realClock) {
    this.tokens = perSecond;
    this.last = clock.now();
  }

  get enabled(): boolean {
    return this.perSecond > 0;
  }

  /** Waits until `n` units may be read (a request larger than the bucket waits for a full one). */
  async take(n: number, signal?: AbortSignal): Promise<void> {
    if (this.perSecond <= 0) return;
    for (;;) {
      const now = this.clock.now();
      this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) / 1000) * this.perSecond);
      this.last = now;
      if (this.tokens >= n || (n > this.perSecond && this.tokens >= this.perSecond)) {
        this.tokens -= n;
        return;
      }
      if (signal?.aborted) return;
      await this.clock.sleep(Math.max(1, ((Math.min(n, this.perSecond) - this.tokens) / this.perSecond) * 1000));
    }
  }
}
