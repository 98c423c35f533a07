/**
 * Small readers for the binlog's wire encodings (MySQL client/server protocol "Basic Data
 * Types": length-encoded integers) and the error for bytes that do not parse.
 */
import { IcetideError } from '../../../src/errors.js';

/** Binlog bytes that do not follow the format (a bug, a foreign server, or a corrupt stream). */
export class BinlogFormatError extends IcetideError {}

/** A length-encoded integer at `pos` and where the next field starts. */
export function readPackedInt(buf: Buffer, pos: number): { value: number; next: number } {
  const b = buf[pos]!;
  if (b < 0xfb) return { value: b, next: pos + 1 };
  if (b === 0xfc) return { value: buf.readUInt16LE(pos + 1), next: pos + 3 };
  if (b === 0xfd) return { value: buf.readUIntLE(pos + 1, 3), next: pos + 4 };
  if (b === 0xfe) return { value: Number(buf.readBigUInt64LE(pos + 1)), next: pos + 9 };
  throw new BinlogFormatError(`unexpected length-encoded integer prefix 0x${b.toString(16)} at byte ${pos}`);
}
