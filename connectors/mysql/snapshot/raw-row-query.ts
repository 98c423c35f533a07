/**
 * A query whose result rows go to a callback as raw packet bytes instead of row objects: the
 * full load decodes them column-wise (text-row-decoder.ts) without mysql2 building a JS object
 * and a string per value.
 *
 * It is mysql2's own Query command (handshake state, field packets, errors, multi-results all
 * as mysql2 handles them) with one state replaced: `row`. mysql2 does not export its commands,
 * so the class is loaded from its file; a mysql2 upgrade that moves or reshapes it fails here
 * at load time with a clear message (and in test/connectors/mysql/raw-row-query.test.ts).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Connection as CallbackConnection } from 'mysql2';
import { IcetideError } from '../../../src/errors.js';

/** The parts of mysql2's packet object a row handler reads. */
interface RawPacket {
  readonly buffer: Buffer;
  /** Start of the payload (after the 4-byte packet header). */
  readonly offset: number;
  readonly end: number;
  isEOF(): boolean;
  eofStatusFlags(): number;
}

type State = (packet: RawPacket, connection: unknown) => State | null;

interface QueryCommand {
  row: State;
  done(): State | null;
  resultsetHeader: State;
}

type QueryCtor = new (options: { sql: string }, callback: (err: Error | null) => void) => QueryCommand;

const SERVER_MORE_RESULTS_EXISTS = 8;

function loadQuery(): QueryCtor {
  const require = createRequire(import.meta.url);
  const file = path.join(path.dirname(require.resolve('mysql2')), 'lib', 'commands', 'query.js');
  const Query = require(file) as QueryCtor;
  const proto = Query?.prototype as Partial<QueryCommand> | undefined;
  if (typeof Query !== 'function' || typeof proto?.row !== 'function' || typeof proto.done !== 'function' || typeof proto.resultsetHeader !== 'function') {
    throw new IcetideError(`mysql2's Query command (${file}) is not the shape icetide's full load expects (row/done/resultsetHeader states): pin mysql2 to the version in package-lock.json`);
  }
  return Query;
}

let ctor: (new (sql: string, onRow: (buf: Buffer, start: number, end: number) => void, onEnd: (err: Error | null) => void) => QueryCommand) | undefined;

function rawRowQueryClass(): NonNullable<typeof ctor> {
  if (ctor) return ctor;
  const Query = loadQuery();
  class RawRowQuery extends Query {
    constructor(sql: string, private readonly onRow: (buf: Buffer, start: number, end: number) => void, onEnd: (err: Error | null) => void) {
      super({ sql }, (err) => onEnd(err));
    }

    // Replaces Query's `row` state: EOF ends the result set, any other packet is a text row.
    override row: State = (packet) => {
      if (packet.isEOF()) {
        if (packet.eofStatusFlags() & SERVER_MORE_RESULTS_EXISTS) return this.resultsetHeader;
        return this.done();
      }
      this.onRow(packet.buffer, packet.offset, packet.end);
      return this.row;
    };
  }
  ctor = RawRowQuery;
  return ctor;
}

/**
 * Runs `sql` (already formatted) on a callback connection; every result row's payload
 * buf[start, end) goes to `onRow` as it arrives. Resolves when the result is complete. The
 * caller may pause/resume the connection between rows (backpressure).
 */
export function queryRawRows(c: CallbackConnection, sql: string, onRow: (buf: Buffer, start: number, end: number) => void): Promise<void> {
  const Ctor = rawRowQueryClass();
  return new Promise<void>((resolve, reject) => {
    const cmd = new Ctor(sql, onRow, (err) => (err ? reject(err) : resolve()));
    (c as unknown as { addCommand(cmd: unknown): void }).addCommand(cmd);
  });
}
