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

/**
 * About how many bytes a decoded row took on the wire: text lengths, binary lengths, 8 per
 * number. An estimate for rate limiting, not an exact protocol count.
 */
export function approxRowBytes(row: Readonly<Record<string, unknown>>): number {
  let n = 0;
  for (const k in row) {
    const v = row[k];
    if (typeof v === 'string') n += v.length;
    else if (v instanceof Uint8Array) n += v.byteLength;
    else if (v === null || v === undefined) n += 1;
    else if (typeof v === 'number' || typeof v === 'bigint' || v instanceof Date) n += 8;
    else n += String(v).length;
  }
  return n;
}
