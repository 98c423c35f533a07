/**
 * Finds the literal text of a number inside a JSON line. parseJson keeps integers exact but
 * reads `12345678901234567890.0123456789` as a float; a decimal column needs the digits as
 * written, so the decoder asks for them by path. Only called for non-integral numbers in
 * decimal columns; the line is already known to be valid JSON.
 */
import { parseJson } from '../../src/iceberg/spec/lossless-json.js';

export type JsonPath = readonly (string | number)[];

function skipWs(text: string, pos: number): number {
  for (;;) {
    const c = text.charCodeAt(pos);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return pos;
    pos++;
  }
}

/** Position after the string literal starting at `pos`. */
function skipString(text: string, pos: number): number {
  for (let i = pos + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i + 1;
  }
  return text.length;
}

/** Position after the value starting at `pos`. */
function skipValue(text: string, pos: number): number {
  const c = text.charCodeAt(pos);
  if (c === 0x22) return skipString(text, pos);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let i = pos; i < text.length; i++) {
      const d = text.charCodeAt(i);
      if (d === 0x22) i = skipString(text, i) - 1;
      else if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return text.length;
  }
  let i = pos;
  while (i < text.length && !/[\s,\]}]/.test(text[i]!)) i++;
  return i;
}

/** Start of the member value for `key` in the object at `pos` (the last one, as parseJson keeps). */
function findMember(text: string, pos: number, key: string): number | undefined {
  if (text.charCodeAt(pos) !== 0x7b) return undefined;
  let found: number | undefined;
  let i = skipWs(text, pos + 1);
  while (text.charCodeAt(i) === 0x22) {
    const keyEnd = skipString(text, i);
    const literal = text.slice(i, keyEnd);
    const name = literal.includes('\\') ? (parseJson(literal) as string) : literal.slice(1, -1);
    i = skipWs(text, skipWs(text, keyEnd) + 1); // past ':'
    if (name === key) found = i;
    i = skipWs(text, skipValue(text, i));
    if (text.charCodeAt(i) !== 0x2c) break;
    i = skipWs(text, i + 1);
  }
  return found;
}

function findElement(text: string, pos: number, index: number): number | undefined {
  if (text.charCodeAt(pos) !== 0x5b) return undefined;
  let i = skipWs(text, pos + 1);
  for (let n = 0; i < text.length && text.charCodeAt(i) !== 0x5d; n++) {
    if (n === index) return i;
    i = skipWs(text, skipValue(text, i));
    if (text.charCodeAt(i) !== 0x2c) return undefined;
    i = skipWs(text, i + 1);
  }
  return undefined;
}

/** The literal text of the number at `path` in `text`, or undefined if there is none. */
export function rawNumberAt(text: string, path: JsonPath): string | undefined {
  let pos: number | undefined = skipWs(text, 0);
  for (const seg of path) {
    pos = typeof seg === 'number' ? findElement(text, pos, seg) : findMember(text, pos, seg);
    if (pos === undefined) return undefined;
  }
  const m = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(pos, pos + 4096));
  return m ? m[0] : undefined;
}
