/**
 * Parses the Iceberg type strings users write in `columns[].type`: primitives, `decimal(P,S)`,
 * `fixed[L]`, `list<T>`, `map<K,V>`, `struct<a: T, b: T not null>`. Nested field ids are
 * placeholders (0): ids are assigned when the table is created.
 */
import { ConfigError } from '../errors.js';
import type { IcebergType, NestedField, PrimitiveTypeName } from '../iceberg/spec/types.js';

const PRIMITIVES: ReadonlySet<string> = new Set<PrimitiveTypeName>([
  'boolean', 'int', 'long', 'float', 'double', 'date', 'time', 'timestamp', 'timestamptz',
  'timestamp_ns', 'timestamptz_ns', 'string', 'uuid', 'binary',
]);

/** The accepted forms, for error messages. */
export const TYPE_STRING_FORMS =
  'boolean, int, long, float, double, date, time, timestamp, timestamptz, timestamp_ns, timestamptz_ns, ' +
  'string, uuid, binary, decimal(P,S), fixed[L], list<T>, map<K,V>, struct<name: T, ...> (struct fields may end in "not null")';

/** Iceberg's maximum decimal precision (spec: precision must be 38 or less). */
const MAX_DECIMAL_PRECISION = 38;

class TypeParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parse(): IcebergType {
    const t = this.type();
    this.ws();
    if (this.pos < this.text.length) this.fail(`unexpected ${JSON.stringify(this.text.slice(this.pos))}`);
    return t;
  }

  private type(): IcebergType {
    this.ws();
    const word = this.word();
    if (!word) this.fail('expected a type name');
    const name = word.toLowerCase();
    switch (name) {
      case 'decimal': {
        this.expect('(');
        const precision = this.int();
        this.expect(',');
        const scale = this.int();
        this.expect(')');
        if (precision < 1 || precision > MAX_DECIMAL_PRECISION) this.fail(`decimal precision must be 1..${MAX_DECIMAL_PRECISION}, got ${precision}`, false);
        if (scale > precision) this.fail(`decimal scale ${scale} is larger than the precision ${precision}`, false);
        return { kind: 'decimal', precision, scale };
      }
      case 'fixed': {
        this.expect('[');
        const length = this.int();
        this.expect(']');
        if (length < 1) this.fail('fixed length must be at least 1', false);
        return { kind: 'fixed', length };
      }
      case 'list': {
        this.expect('<');
        const element = this.type();
        this.expect('>');
        return { kind: 'list', elementId: 0, elementRequired: false, element };
      }
      case 'map': {
        this.expect('<');
        const key = this.type();
        this.expect(',');
        const value = this.type();
        this.expect('>');
        return { kind: 'map', keyId: 0, key, valueId: 0, valueRequired: false, value };
      }
      case 'struct':
        return this.struct();
      default:
        if (PRIMITIVES.has(name)) return { kind: name as PrimitiveTypeName };
        return this.fail(`unknown type ${JSON.stringify(word)}`);
    }
  }

  private struct(): IcebergType {
    this.expect('<');
    const fields: NestedField[] = [];
    const names = new Set<string>();
    this.ws();
    if (this.peek() === '>') this.fail('a struct needs at least one field');
    for (;;) {
      this.ws();
      const name = this.fieldName();
      if (names.has(name)) this.fail(`duplicate struct field ${JSON.stringify(name)}`, false);
      names.add(name);
      this.expect(':');
      const type = this.type();
      const required = this.notNull();
      fields.push({ id: 0, name, required, type });
      this.ws();
      if (this.peek() === ',') {
        this.pos++;
        continue;
      }
      this.expect('>');
      return { kind: 'struct', fields };
    }
  }

  /** Optional `not null` after a struct field's type. */
  private notNull(): boolean {
    const m = /^\s+not\s+null\b/i.exec(this.text.slice(this.pos));
    if (!m) return false;
    this.pos += m[0].length;
    return true;
  }

  private fieldName(): string {
    if (this.peek() === '`') {
      const end = this.text.indexOf('`', this.pos + 1);
      if (end < 0) this.fail('unterminated `quoted` field name');
      const name = this.text.slice(this.pos + 1, end);
      if (!name) this.fail('empty field name');
      this.pos = end + 1;
      return name;
    }
    const w = this.word();
    if (!w) this.fail('expected a field name');
    return w;
  }

  private word(): string {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos));
    if (!m) return '';
    this.pos += m[0].length;
    return m[0];
  }

  private int(): number {
    this.ws();
    const m = /^\d+/.exec(this.text.slice(this.pos));
    if (!m) this.fail('expected a number');
    this.pos += m[0].length;
    return Number(m[0]);
  }

  private expect(c: string): void {
    this.ws();
    if (this.peek() !== c) this.fail(`expected '${c}'`);
    this.pos++;
  }

  private peek(): string | undefined {
    return this.text[this.pos];
  }

  private ws(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  /** Syntax errors list the accepted forms; range errors (precision, length) do not need them. */
  private fail(problem: string, showForms = true): never {
    const at = this.pos >= this.text.length ? 'at the end' : `at position ${this.pos + 1}`;
    const forms = showForms ? `; accepted forms: ${TYPE_STRING_FORMS}` : '';
    throw new ConfigError(`cannot parse type ${JSON.stringify(this.text)} ${at}: ${problem}${forms}`, {
      type: this.text,
      position: this.pos + 1,
    });
  }
}

/**
 * Parses an Iceberg type string (case-insensitive names). List elements, map values and
 * struct fields are optional unless a struct field ends in `not null`; all nested ids are 0.
 * Throws ConfigError naming the position and the accepted forms.
 */
export function parseIcebergTypeString(s: string): IcebergType {
  return new TypeParser(s).parse();
}
