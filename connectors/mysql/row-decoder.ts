/**
 * Turns a decoded row (snapshot or binlog) of one source table into Iceberg values, column by
 * column with the converters of type-mapping.ts. A column the table did not have at discovery
 * (added by a later ALTER TABLE) stops the read with the fix: restart to evolve the target.
 */
import type { IcebergType } from '../../src/iceberg/spec/types.js';
import type { RowValues } from '../../src/sink/change-event.js';
import type { MySqlTable } from './discovery.js';
import { MySqlValueError } from './errors.js';
import { converterFor, type Converter, type RawValue } from './type-mapping.js';

export class RowDecoder {
  private readonly converters: Map<string, Converter>;
  private readonly columns: { readonly name: string; readonly convert: Converter; readonly where: () => string }[];
  /** The row being decoded, for error messages (the `where` functions are made once, not per row). */
  private origin = '';

  constructor(readonly table: MySqlTable, targetTypes: ReadonlyMap<string, IcebergType>) {
    this.converters = new Map(table.mysqlColumns.map((c) => [c.name, converterFor(c, targetTypes.get(c.name)!)]));
    this.columns = [...this.converters].map(([name, convert]) => ({ name, convert, where: () => `${this.origin}: ${this.table.name}.${name}` }));
  }

  decode(raw: Record<string, unknown>, origin: string): RowValues {
    this.origin = origin;
    const out: Record<string, unknown> = {};
    let present = 0;
    for (const c of this.columns) {
      const v = raw[c.name];
      if (v !== undefined || c.name in raw) present++;
      out[c.name] = c.convert(v as RawValue, c.where);
    }
    if (present === this.columns.length && Object.keys(raw).length === present) return out;
    for (const name of Object.keys(raw)) {
      if (!this.converters.has(name)) {
        throw new MySqlValueError(`${origin}: ${this.table.name} has a column ${name} it did not have when the pipeline started (ALTER TABLE): restart the pipeline to add it to the target table`, { table: this.table.name, column: name });
      }
    }
    return out;
  }
}
