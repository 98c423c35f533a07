/**
 * MySQL GTID sets (`uuid:1-5:7,uuid2:1-3`) in the binary form COM_BINLOG_DUMP_GTID sends
 * (MySQL `Gtid_set::encode`): the number of source ids (8 bytes LE), then per id its 16 uuid
 * bytes, the number of intervals (8) and each interval as start and end-exclusive (8 + 8).
 */
import { MySqlSetupError } from '../errors.js';

export function encodeGtidSet(set: string): Buffer {
  const sids = set.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const parts: Buffer[] = [u64(sids.length)];
  for (const sid of sids) {
    const [uuid, ...ranges] = sid.split(':');
    const hex = (uuid ?? '').replace(/-/g, '');
    if (!/^[0-9a-fA-F]{32}$/.test(hex) || ranges.length === 0) throw new MySqlSetupError(`GTID set entry "${sid}" is not uuid:interval[:interval...]`);
    parts.push(Buffer.from(hex, 'hex'), u64(ranges.length));
    for (const r of ranges) {
      const m = /^(\d+)(?:-(\d+))?$/.exec(r);
      if (!m) throw new MySqlSetupError(`GTID interval "${r}" in "${sid}" is not N or N-M`);
      parts.push(u64(BigInt(m[1]!)), u64(BigInt(m[2] ?? m[1]!) + 1n));
    }
  }
  return Buffer.concat(parts);
}

function u64(v: number | bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(v));
  return b;
}
