/** Durations and instants as people write them, for the CLI and for config files alike. */
import { ValidationError } from './errors.js';

/** `500ms`, `30s`, `30m`, `2h`, `5d`. */
export const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `500ms`, `30s`, `30m`, `2h`, `5d` -> milliseconds. */
export function parseDuration(text: string, option: string): number {
  const m = DURATION_RE.exec(text.trim());
  if (!m) throw new ValidationError(`${option} takes a duration like 500ms, 30s, 30m, 2h or 5d; got "${text}"`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

/** An ISO-8601 instant (with Z or an offset) -> ms since epoch. */
export function parseInstant(text: string, option: string): number {
  const ms = Date.parse(text);
  if (!/(Z|[+-]\d\d:?\d\d)$/.test(text.trim()) || Number.isNaN(ms)) {
    throw new ValidationError(`${option} takes an ISO-8601 time with a zone, e.g. 2026-11-23T10:00:00Z; got "${text}"`);
  }
  return ms;
}
