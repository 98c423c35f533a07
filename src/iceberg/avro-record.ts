import { InvalidAvroError } from '../errors.js';

/**
 * Narrowing accessors over decoded Avro records, so manifest readers stay free of casts and
 * every type mismatch becomes an error naming the file and the field.
 */
export type AvroRecordValue = Readonly<Record<string, unknown>>;

export class RecordReader {
  constructor(
    private readonly source: string,
    private readonly what: string,
  ) {}

  fail(field: string, expected: string, got: unknown): never {
    const shown = typeof got === 'bigint' ? `${got}n` : JSON.stringify(got) ?? String(got);
    throw new InvalidAvroError(`${this.source}: ${this.what}.${field}: expected ${expected}, got ${shown?.slice(0, 80)}`, {
      file: this.source,
      field,
    });
  }

  record(v: unknown, field: string): AvroRecordValue {
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Map)) {
      return v as AvroRecordValue;
    }
    return this.fail(field, 'a record', v);
  }

  int(r: AvroRecordValue, field: string): number {
    const v = r[field];
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    return this.fail(field, 'an int', v);
  }

  optInt(r: AvroRecordValue, field: string): number | undefined {
    return r[field] === null || r[field] === undefined ? undefined : this.int(r, field);
  }

  long(r: AvroRecordValue, field: string): bigint {
    const v = r[field];
    if (typeof v === 'bigint') return v;
    if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
    return this.fail(field, 'a long', v);
  }

  optLong(r: AvroRecordValue, field: string): bigint | undefined {
    return r[field] === null || r[field] === undefined ? undefined : this.long(r, field);
  }

  string(r: AvroRecordValue, field: string): string {
    const v = r[field];
    if (typeof v === 'string') return v;
    return this.fail(field, 'a string', v);
  }

  optString(r: AvroRecordValue, field: string): string | undefined {
    return r[field] === null || r[field] === undefined ? undefined : this.string(r, field);
  }

  bool(r: AvroRecordValue, field: string): boolean {
    const v = r[field];
    if (typeof v === 'boolean') return v;
    return this.fail(field, 'a boolean', v);
  }

  optBool(r: AvroRecordValue, field: string): boolean | undefined {
    return r[field] === null || r[field] === undefined ? undefined : this.bool(r, field);
  }

  optBytes(r: AvroRecordValue, field: string): Uint8Array | undefined {
    const v = r[field];
    if (v === null || v === undefined) return undefined;
    if (v instanceof Uint8Array) return v;
    return this.fail(field, 'bytes', v);
  }

  optArray(r: AvroRecordValue, field: string): readonly unknown[] | undefined {
    const v = r[field];
    if (v === null || v === undefined) return undefined;
    if (Array.isArray(v)) return v;
    return this.fail(field, 'an array', v);
  }

  /** Iceberg writes `map<int, T>` as an array of {key, value} records (Avro appendix). */
  optIntMap<T>(r: AvroRecordValue, field: string, value: (v: unknown) => T): Map<number, T> | undefined {
    const arr = this.optArray(r, field);
    if (!arr) return undefined;
    const out = new Map<number, T>();
    for (const kv of arr) {
      const e = this.record(kv, field);
      out.set(this.int(e, 'key'), value(e['value']));
    }
    return out;
  }
}
