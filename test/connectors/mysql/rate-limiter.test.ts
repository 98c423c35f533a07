import { describe, expect, it } from 'vitest';
import { RateLimiter, type Clock } from '../../../connectors/mysql/rate-limiter.js';

/** A clock whose sleeps advance simulated time only. */
function fakeClock(): Clock & { t: number } {
  const c = { t: 0, now: () => c.t, sleep: async (ms: number) => void (c.t += ms) };
  return c;
}

describe('snapshot rate limits', () => {
  it('hands out at most one second of units up front, then perSecond per second', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(1000, clock);
    for (let i = 0; i < 50; i++) await limiter.take(100); // 5000 rows
    // 1000 from the full bucket, 4000 more at 1000/s.
    expect(clock.t).toBeGreaterThanOrEqual(3990);
    expect(clock.t).toBeLessThan(4100);
  });

  it('a page larger than the bucket goes when the bucket is full and is paid off before the next; 0 means no limit', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(100, clock);
    await limiter.take(500);
    expect(clock.t).toBe(0);
    await limiter.take(500);
    // The first page's 400 over the bucket, then a full bucket again: 5 s, i.e. 100/s on average.
    expect(clock.t).toBeGreaterThanOrEqual(4990);
    expect(clock.t).toBeLessThan(5100);
    const off = new RateLimiter(0, clock);
    const before = clock.t;
    await off.take(1e9);
    expect(clock.t).toBe(before);
    expect(off.enabled).toBe(false);
  });
});
