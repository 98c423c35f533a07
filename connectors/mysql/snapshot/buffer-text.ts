/**
 * Text of a byte range without Buffer#toString's argument handling: Node's Buffer.prototype
 * latin1Slice/utf8Slice (present in every Node version, not in @types/node) are what toString
 * calls; the full load's decoder calls them once per text value.
 */
interface SliceMethods {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

export function latin1(buf: Buffer, start: number, end: number): string {
  return (buf as unknown as SliceMethods).latin1Slice(start, end);
}

export function utf8(buf: Buffer, start: number, end: number): string {
  return (buf as unknown as SliceMethods).utf8Slice(start, end);
}
