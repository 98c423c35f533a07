/**
 * The reference decoder of the tests: a mysql2 row object of one source table into Iceberg
 * values, column by
 * column with the converters of type-mapping.ts. A column the table did not have at discovery
 * (added by a later ALTER TABLE) stops the read with the fix: restart to evolve the target.
 */
import type { IcebergType } from '../../src/iceberg/spec/types.js';
import type { RowValues } from '../../src/sink/change-event.js';
import type { MySqlTable } from '../../connectors/mysql/discovery.js';
import { MySqlValueError } from '../../connectors/mysql/errors.js';
import { converterFor, type Converter } from '../../connectors/mysql/type-mapping.js';

type RowBuilder = (raw: Record<string, unknown>, convert: readonly Converter[], where: readonly (() => string)[]) => Record<string, unknown>;

/**
 * One function per table that reads every column and builds the output as a single object
 * literal: every row gets the same hidden class and each property access is monomorphic,
 * which a loop over column names (dynamic keys) cannot give. Names are embedded as JSON
 * string literals, so any column name is safe.
 */
function compileRowBuilder(names: readonly string[]): RowBuilder {
  const props = names.map((n, i) => `${JSON.stringify(n)}: c[${i}](r[${JSON.stringify(n)}], w[${i}])`).join(',\n');
  return new Function('r', 'c', 'w', `return {\n${props}\n};`) as RowBuilder;
}

/** Whether every column is in the row (decoders give null, never undefined, for NULL). */
function compilePresence(names: readonly string[]): (raw: Record<string, unknown>) => boolean {
  const body = names.length === 0 ? 'true' : names.map((n) => `r[${JSON.stringify(n)}] !== undefined`).join(' && ');
  return new Function('r', `return ${body};`) as (raw: Record<string, unknown>) => boolean;
}

export class RowDecoder {
  private readonly names: readonly string[];
  private readonly nameSet: ReadonlySet<string>;
  private readonly converters: readonly Converter[];
  private readonly wheres: readonly (() => string)[];
  private readonly build: RowBuilder;
  private readonly allPresent: (raw: Record<string, unknown>) => boolean;
  /** The row being decoded, for error messages (the `where` functions are made once, not per row). */
  private origin = '';

  constructor(readonly table: MySqlTable, targetTypes: ReadonlyMap<string, IcebergType>) {
    this.names = table.mysqlColumns.map((c) => c.name);
    this.nameSet = new Set(this.names);
    this.converters = table.mysqlColumns.map((c) => converterFor(c, targetTypes.get(c.name)!));
    this.wheres = this.names.map((name) => () => `${this.origin}: ${this.table.name}.${name}`);
    this.build = compileRowBuilder(this.names);
    this.allPresent = compilePresence(this.names);
  }

  decode(raw: Record<string, unknown>, origin: string): RowValues {
    this.origin = origin;
    const out = this.build(raw, this.converters, this.wheres);
    // Both decoders hand over exactly the table's columns (an explicit select list; the
    // binlog's table map): all of them present and no more keys means nothing has changed.
    let keys = 0;
    for (const _k in raw) keys++;
    if (keys !== this.names.length || !this.allPresent(raw)) this.checkColumns(raw, origin);
    return out;
  }

  /** A column unknown at discovery is an error; a missing one reads as null (as before). */
  private checkColumns(raw: Record<string, unknown>, origin: string): void {
    for (const name of Object.keys(raw)) {
      if (!this.nameSet.has(name)) {
        throw new MySqlValueError(`${origin}: ${this.table.name} has a column ${name} it did not have when the pipeline started (ALTER TABLE): restart the pipeline to add it to the target table`, { table: this.table.name, column: name });
      }
    }
  }
}
