/**
 * COM_BINLOG_DUMP (and MySQL's COM_BINLOG_DUMP_GTID) as a mysql2 command: after the request,
 * every packet the server sends is one binlog event (an OK byte, then the event), handed over as
 * raw bytes. mysql2 does not export its Command base class, so it is loaded from its file (as
 * raw-row-query.ts does); a mysql2 upgrade that moves it fails at load time with a clear message.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { IcetideError } from '../../../src/errors.js';

interface RawPacket {
  readonly buffer: Buffer;
  readonly offset: number;
  readonly end: number;
  isEOF(): boolean;
}

type State = (packet: RawPacket | null, connection: unknown) => State | null;

interface MySql2Command {
  onResult?: (err: Error | null) => void;
}

type CommandCtor = new () => MySql2Command;

/** A packet mysql2's connection can write: it fills in the 4-byte header. */
class OutPacket {
  constructor(readonly buffer: Buffer) {}

  length(): number {
    return this.buffer.length;
  }

  writeHeader(sequenceId: number): void {
    this.buffer.writeUIntLE(this.buffer.length - 4, 0, 3);
    this.buffer[3] = sequenceId;
  }
}

export type DumpRequest =
  | { readonly kind: 'file'; readonly serverId: number; readonly file: string; readonly pos: number }
  | { readonly kind: 'gtid'; readonly serverId: number; readonly gtidSet: Buffer };

const COM_BINLOG_DUMP = 0x12;
const COM_BINLOG_DUMP_GTID = 0x1e;

/** The request packet (payload after the 4 header bytes). */
export function dumpPacket(r: DumpRequest): Buffer {
  if (r.kind === 'file') {
    const name = Buffer.from(r.file, 'utf8');
    const b = Buffer.alloc(4 + 11 + name.length);
    b[4] = COM_BINLOG_DUMP;
    b.writeUInt32LE(r.pos, 5);
    b.writeUInt16LE(0, 9); // flags: block at the end of the binlog
    b.writeUInt32LE(r.serverId, 11);
    name.copy(b, 15);
    return b;
  }
  // flags (2), server id (4), file name length (4, empty), position (8), set length (4), set
  const b = Buffer.alloc(4 + 1 + 2 + 4 + 4 + 8 + 4 + r.gtidSet.length);
  b[4] = COM_BINLOG_DUMP_GTID;
  b.writeUInt32LE(r.serverId, 7);
  b.writeBigUInt64LE(4n, 15);
  b.writeUInt32LE(r.gtidSet.length, 23);
  r.gtidSet.copy(b, 27);
  return b;
}

function loadCommand(): CommandCtor {
  const require = createRequire(import.meta.url);
  const file = path.join(path.dirname(require.resolve('mysql2')), 'lib', 'commands', 'command.js');
  const Command = require(file) as CommandCtor;
  if (typeof Command !== 'function' || typeof (Command.prototype as { execute?: unknown }).execute !== 'function') {
    throw new IcetideError(`mysql2's Command class (${file}) is not the shape icetide's binlog reader expects: pin mysql2 to the version in package-lock.json`);
  }
  return Command;
}

let ctor: (new (request: DumpRequest, onEvent: (buf: Buffer, start: number, end: number) => void, onEnd: (err: Error | null) => void) => MySql2Command) | undefined;

/** The command class (made once, on first use). */
export function binlogDumpCommand(): NonNullable<typeof ctor> {
  if (ctor) return ctor;
  const Command = loadCommand();
  class BinlogDump extends Command {
    constructor(private readonly request: DumpRequest, private readonly onEvent: (buf: Buffer, start: number, end: number) => void, onEnd: (err: Error | null) => void) {
      super();
      // mysql2 calls onResult with the server's error packet (e.g. the position is purged).
      this.onResult = onEnd;
    }

    start: State = (_packet, connection) => {
      (connection as { writePacket(p: OutPacket): void }).writePacket(new OutPacket(dumpPacket(this.request)));
      return this.event;
    };

    event: State = (packet) => {
      if (!packet || packet.isEOF()) {
        this.onResult?.(null);
        return null;
      }
      // The OK byte, then the event.
      this.onEvent(packet.buffer, packet.offset + 1, packet.end);
      return this.event;
    };
  }
  ctor = BinlogDump;
  return ctor;
}
