import type { Logger } from '../logging/logger.js';

/**
 * A progress line redrawn in place on a terminal. Log lines and the final output go on lines
 * of their own: the progress line is cleared before a log line and ended before the result.
 */
export class ProgressLine {
  private shown = false;

  constructor(private readonly write: (text: string) => void) {}

  show(text: string): void {
    this.write(`\r\x1b[K${text}`);
    this.shown = true;
  }

  /** Removes the line so that what is written next starts at the left margin. */
  clear(): void {
    if (!this.shown) return;
    this.write('\r\x1b[K');
    this.shown = false;
  }

  /** Keeps the last progress on screen and moves to a new line. */
  end(): void {
    if (!this.shown) return;
    this.write('\n');
    this.shown = false;
  }

  /** `log` with the progress line cleared before each message. */
  above(log: Logger): Logger {
    const cleared = (level: keyof Logger) => (m: string, f?: Record<string, unknown>): void => {
      this.clear();
      log[level](m, f);
    };
    return { info: cleared('info'), warn: cleared('warn'), error: cleared('error') };
  }
}

/** A lag for people: `0.4s`, `12s`, `4m 12s`, `3h 4m`, `2d 3h`. */
export function formatLag(ms: number): string {
  if (ms < 0) return `-${formatLag(-ms)}`;
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)}s`;
  if (s < 60) return `${Math.floor(s)}s`;
  const units: [string, number][] = [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]];
  const i = units.findIndex(([, n]) => s >= n);
  const [bigName, big] = units[i]!;
  const [smallName, small] = units[i + 1]!;
  const whole = Math.floor(s / big);
  const rest = Math.floor((s - whole * big) / small);
  return `${whole}${bigName} ${rest}${smallName}`;
}
