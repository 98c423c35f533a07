import { InvalidMetadataError } from '../../errors.js';

/**
 * JSON that keeps 64-bit integers exact. Iceberg stores snapshot ids and sequence numbers as
 * JSON longs (spec Appendix C), which `JSON.parse` rounds above 2^53. Here integer literals
 * that are not safe integers parse to `bigint`; everything else parses as `JSON.parse` would.
 */
export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

const MAX_DEPTH = 1000;

/** Parses `text`; errors name `source` (a file name) and the line:column of the fault. */
export function parseJson(text: string, source?: string): JsonValue {
  return new Parser(text, source).parseDocument();
}

class Parser {
  private pos = 0;

  constructor(private readonly text: string, private readonly source: string | undefined) {}

  parseDocument(): JsonValue {
    this.skipWhitespace();
    const value = this.parseValue(0);
    this.skipWhitespace();
    if (this.pos < this.text.length) this.fail('unexpected text after the JSON value');
    return value;
  }

  private parseValue(depth: number): JsonValue {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
    const c = this.text.charCodeAt(this.pos);
    switch (c) {
      case 0x7b: // {
        return this.parseObject(depth);
      case 0x5b: // [
        return this.parseArray(depth);
      case 0x22: // "
        return this.parseString();
      case 0x74: // t
        return this.parseLiteral('true', true);
      case 0x66: // f
        return this.parseLiteral('false', false);
      case 0x6e: // n
        return this.parseLiteral('null', null);
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.parseNumber();
        return this.fail(Number.isNaN(c) ? 'unexpected end of input' : `unexpected character ${this.describeChar()}`);
    }
  }

  private parseObject(depth: number): JsonObject {
    const obj: JsonObject = {};
    this.pos++; // {
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return obj;
    }
    for (;;) {
      if (this.text.charCodeAt(this.pos) !== 0x22) this.unexpected('a string key');
      const key = this.parseString();
      this.skipWhitespace();
      this.expectChar(0x3a, "':'");
      this.skipWhitespace();
      setOwn(obj, key, this.parseValue(depth + 1));
      this.skipWhitespace();
      if (this.consumeSeparator(0x7d, "',' or '}'")) return obj;
    }
  }

  private parseArray(depth: number): JsonValue[] {
    const arr: JsonValue[] = [];
    this.pos++; // [
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return arr;
    }
    for (;;) {
      arr.push(this.parseValue(depth + 1));
      this.skipWhitespace();
      if (this.consumeSeparator(0x5d, "',' or ']'")) return arr;
    }
  }

  /** After a member: consumes ',' (returns false) or the closing bracket (returns true). */
  private consumeSeparator(close: number, expected: string): boolean {
    const c = this.text.charCodeAt(this.pos);
    if (c === 0x2c) {
      this.pos++;
      this.skipWhitespace();
      return false;
    }
    if (c === close) {
      this.pos++;
      return true;
    }
    return this.unexpected(expected);
  }

  private parseString(): string {
    const text = this.text;
    let pos = this.pos + 1; // opening quote
    let out = '';
    let chunkStart = pos;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x22) break;
      if (Number.isNaN(c)) {
        this.pos = pos;
        this.fail('unterminated string');
      }
      if (c < 0x20) {
        this.pos = pos;
        this.fail('control character in string');
      }
      if (c === 0x5c) {
        out += text.slice(chunkStart, pos);
        this.pos = pos;
        out += this.parseEscape();
        pos = this.pos;
        chunkStart = pos;
        continue;
      }
      pos++;
    }
    out += text.slice(chunkStart, pos);
    this.pos = pos + 1;
    return out;
  }

  /** At a backslash: returns the escaped character and moves past the escape. */
  private parseEscape(): string {
    const c = this.text[this.pos + 1];
    this.pos += 2;
    switch (c) {
      case '"': return '"';
      case '\\': return '\\';
      case '/': return '/';
      case 'b': return '\b';
      case 'f': return '\f';
      case 'n': return '\n';
      case 'r': return '\r';
      case 't': return '\t';
      case 'u': {
        const hex = this.text.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape: expected 4 hex digits');
        this.pos += 4;
        return String.fromCharCode(parseInt(hex, 16));
      }
      default:
        this.pos -= 2;
        return this.fail(c === undefined ? 'unterminated string' : `bad escape \\${c}`);
    }
  }

  /** JSON number grammar (RFC 8259 section 6); integers beyond 2^53 become bigint. */
  private parseNumber(): number | bigint {
    const text = this.text;
    const start = this.pos;
    let pos = start;
    if (text.charCodeAt(pos) === 0x2d) pos++;
    if (text.charCodeAt(pos) === 0x30) pos++;
    else if (isDigit(text.charCodeAt(pos))) while (isDigit(text.charCodeAt(pos))) pos++;
    else this.failAt(pos, 'expected a digit');
    let integral = true;
    if (text.charCodeAt(pos) === 0x2e) {
      integral = false;
      pos = this.digits(pos + 1);
    }
    const e = text.charCodeAt(pos);
    if (e === 0x65 || e === 0x45) {
      integral = false;
      pos++;
      const sign = text.charCodeAt(pos);
      if (sign === 0x2b || sign === 0x2d) pos++;
      pos = this.digits(pos);
    }
    this.pos = pos;
    const literal = text.slice(start, pos);
    const n = Number(literal);
    if (integral && !Number.isSafeInteger(n)) return BigInt(literal);
    if (!Number.isFinite(n)) this.failAt(start, `number out of range: ${literal}`);
    return n;
  }

  /** One or more digits from `pos`; returns the position after them. */
  private digits(pos: number): number {
    if (!isDigit(this.text.charCodeAt(pos))) this.failAt(pos, 'expected a digit');
    while (isDigit(this.text.charCodeAt(pos))) pos++;
    return pos;
  }

  private parseLiteral<T extends JsonValue>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail(`unexpected character ${this.describeChar()}`);
    this.pos += word.length;
    return value;
  }

  private expectChar(code: number, what: string): void {
    if (this.text.charCodeAt(this.pos) !== code) this.unexpected(what);
    this.pos++;
  }

  private skipWhitespace(): void {
    const text = this.text;
    let pos = this.pos;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      pos++;
    }
    this.pos = pos;
  }

  private describeChar(): string {
    const c = this.text[this.pos];
    return c === undefined ? 'end of input' : JSON.stringify(c);
  }

  private unexpected(expected: string): never {
    if (this.pos >= this.text.length) return this.fail(`unexpected end of input, expected ${expected}`);
    return this.fail(`expected ${expected}, found ${this.describeChar()}`);
  }

  private failAt(pos: number, problem: string): never {
    this.pos = pos;
    return this.fail(problem);
  }

  private fail(problem: string): never {
    const { line, column } = lineColumn(this.text, this.pos);
    const where = `${this.source ?? 'JSON'}:${line}:${column}`;
    throw new InvalidMetadataError(`${where}: invalid JSON: ${problem}`, { source: this.source, line, column });
  }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** 1-based line and column (in UTF-16 code units) of offset `pos`. */
function lineColumn(text: string, pos: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(pos, text.length);
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: end - lineStart + 1 };
}

/** Sets an own data property, even for a key like `__proto__` (which `obj[key] =` would not). */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/**
 * Writes `value` as JSON; bigint is written as bare digits. `indent` > 0 pretty-prints like
 * `JSON.stringify(v, null, indent)`. Integral numbers beyond 2^53 are written in exponent form
 * so that they read back as numbers, not bigints.
 */
export function stringifyJson(value: JsonValue, indent = 0): string {
  return write(value, indent > 0 ? ' '.repeat(indent) : '', '\n');
}

/** `lineStart` is a newline plus the current indentation (unused when `unit` is empty). */
function write(value: JsonValue, unit: string, lineStart: string): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return numberToJson(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      if (value === null) return 'null';
      return Array.isArray(value) ? writeArray(value, unit, lineStart) : writeObject(value, unit, lineStart);
  }
}

function numberToJson(n: number): string {
  if (Number.isSafeInteger(n)) return Object.is(n, -0) ? '0' : String(n);
  if (!Number.isFinite(n)) throw new InvalidMetadataError(`cannot write ${n} as JSON`);
  if (Number.isInteger(n)) return n.toExponential();
  return String(n);
}

function writeArray(arr: readonly JsonValue[], unit: string, lineStart: string): string {
  if (arr.length === 0) return '[]';
  const inner = unit ? lineStart + unit : '';
  const childStart = unit ? inner : lineStart;
  let out = '[' + inner + write(arr[0]!, unit, childStart);
  for (let i = 1; i < arr.length; i++) out += ',' + inner + write(arr[i]!, unit, childStart);
  return out + (unit ? lineStart : '') + ']';
}

function writeObject(obj: JsonObject, unit: string, lineStart: string): string {
  const keys = Object.keys(obj);
  if (keys.length === 0) return '{}';
  const inner = unit ? lineStart + unit : '';
  const childStart = unit ? inner : lineStart;
  const colon = unit ? ': ' : ':';
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    out += (i === 0 ? inner : ',' + inner) + JSON.stringify(k) + colon + write(obj[k]!, unit, childStart);
  }
  return out + (unit ? lineStart : '') + '}';
}

// ---------------------------------------------------------------------------------------------
// Path-aware readers for the metadata parsers. `path` is the JSON path of the value being read
// (`schemas[0].fields[2].type`); errors are InvalidMetadataError naming it.

/** A reader turns one JSON value at `path` into a typed value or throws. */
export type JsonReader<T> = (value: unknown, path: string) => T;

export function jsonPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent ? `${parent}.${key}` : key;
}

/** Compact JSON for error messages, cut at `max` characters. */
export function describeJson(value: unknown, max = 200): string {
  let s: string;
  try {
    s = isJsonValue(value) ? stringifyJson(value) : String(value);
  } catch {
    s = String(value);
  }
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

export function invalid(path: string, problem: string): InvalidMetadataError {
  return new InvalidMetadataError(path ? `${path}: ${problem}` : problem, { field: path || undefined });
}

function expected(path: string, what: string, value: unknown): never {
  throw invalid(path, `expected ${what}, got ${describeJson(value, 80)}`);
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep check that `value` is made only of JSON values (used before writing field defaults). */
export function isJsonValue(value: unknown): value is JsonValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      if (value === null) return true;
      if (Array.isArray(value)) return value.every(isJsonValue);
      return Object.values(value).every(isJsonValue);
    default:
      return false;
  }
}

export const readObject: JsonReader<JsonObject> = (v, path) => (isJsonObject(v) ? v : expected(path, 'an object', v));

export const readArray: JsonReader<readonly unknown[]> = (v, path) => (Array.isArray(v) ? v : expected(path, 'an array', v));

export const readString: JsonReader<string> = (v, path) => (typeof v === 'string' ? v : expected(path, 'a string', v));

export const readBoolean: JsonReader<boolean> = (v, path) => (typeof v === 'boolean' ? v : expected(path, 'a boolean', v));

/** JSON int: a 32-bit signed integer. */
export const readInt: JsonReader<number> = (v, path) => {
  if (typeof v === 'number' && Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff) return v;
  return expected(path, 'an int', v);
};

/** JSON long as bigint (snapshot ids, sequence numbers, sizes). */
export const readLong: JsonReader<bigint> = (v, path) => {
  if (typeof v === 'bigint' && v >= -(2n ** 63n) && v < 2n ** 63n) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  return expected(path, 'a long', v);
};

/** JSON long that must fit a JS number exactly (millisecond timestamps and ages). */
export const readSafeLong: JsonReader<number> = (v, path) => {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  return expected(path, 'a long within +-2^53', v);
};

export const readStringMap: JsonReader<Record<string, string>> = (v, path) => {
  const obj = readObject(v, path);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(obj)) setOwn(out, k, readString(val, jsonPath(path, k)));
  return out;
};

/** A reader for a JSON list whose items are read by `item` (paths `list[i]`). */
export function listOf<T>(item: JsonReader<T>): JsonReader<T[]> {
  return (v, path) => readArray(v, path).map((x, i) => item(x, jsonPath(path, i)));
}

export function hasField(obj: JsonObject, key: string): boolean {
  return Object.hasOwn(obj, key);
}

/** A required field; missing is an error, `null` is read like any other value. */
export function required<T>(obj: JsonObject, key: string, path: string, read: JsonReader<T>): T {
  const p = jsonPath(path, key);
  if (!Object.hasOwn(obj, key)) throw invalid(p, 'missing required field');
  return read(obj[key], p);
}

/** An optional field; missing or `null` gives undefined. */
export function optional<T>(obj: JsonObject, key: string, path: string, read: JsonReader<T>): T | undefined {
  if (!Object.hasOwn(obj, key)) return undefined;
  const v = obj[key];
  return v === null ? undefined : read(v, jsonPath(path, key));
}
