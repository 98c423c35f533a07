import { pino, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';
import type { Logger } from './logger.js';
import { scrubSecrets, scrubString } from './redaction.js';

/**
 * Structured logs (pino): JSON lines by default, pretty-printed on a TTY. Every message and
 * field passes through the secret scrubber first.
 */
export function createLogger(o: { pretty?: boolean; level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const destination = o.destination ?? process.stderr;
  const base: PinoLogger = o.pretty ? pino({ level: o.level ?? 'info' }, pretty({ destination: destination as NodeJS.WritableStream & { fd?: number }, colorize: true, sync: true })) : pino({ level: o.level ?? 'info', base: undefined }, destination);
  const log = (level: 'info' | 'warn' | 'error') => (msg: string, fields?: Record<string, unknown>) => {
    base[level](fields ? (scrubSecrets(stringifyBigints(fields)) as Record<string, unknown>) : {}, scrubString(msg));
  };
  return { info: log('info'), warn: log('warn'), error: log('error') };
}

function stringifyBigints(fields: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(fields, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as Record<string, unknown>;
}
