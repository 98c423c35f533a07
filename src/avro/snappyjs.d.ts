// snappyjs ships no types. Only the Uint8Array forms are declared: that is all we pass.
declare module 'snappyjs' {
  /** Raw Snappy block compression (no framing). */
  export function compress(input: Uint8Array): Uint8Array;
  /** Throws on a corrupt stream, or when the declared length exceeds `maxLength`. */
  export function uncompress(input: Uint8Array, maxLength?: number): Uint8Array;
}
