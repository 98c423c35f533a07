/**
 * Discovery shared by the changelog sources (file, Kafka): the configured tables, plus those
 * a regex entry matched, each resolved to a SourceTable from its declared columns or the
 * Debezium schema block the source's scan learnt.
 */
import { ConfigError } from '../../src/errors.js';
import type { SourceTable } from '../../src/pipeline/source.js';
import { TableProblem, type TableRegistry } from './table-registry.js';

export interface TableScan {
  /**
   * Reads the source once, adding the names regex entries match to `matched` and teaching
   * the registry the row schemas of `exact` tables without declared columns.
   */
  scan(exact: readonly string[], matched: Set<string>): Promise<void>;
  /** Order of the matched names. */
  readonly compareNames: (a: string, b: string) => number;
  /** Where schema blocks were looked for, for the error of a table without columns (`in topics a, b`). */
  readonly where: string;
}

/** The source tables, exact entries first; scans only when a regex entry or a table without declared columns needs it. */
export async function discoverTables(registry: TableRegistry, s: TableScan): Promise<SourceTable[]> {
  const specs = registry.specs;
  const exact = specs.flatMap((spec) => (typeof spec.name === 'string' ? [spec.name] : []));
  const matched = new Set<string>();
  if (specs.some((spec) => spec.name instanceof RegExp || !registry.hasDeclaredColumns(spec))) await s.scan(exact, matched);
  return [...exact, ...[...matched].sort(s.compareNames)].map((name) => {
    let table: SourceTable | undefined;
    try {
      table = registry.sourceTable(name);
    } catch (err) {
      if (err instanceof TableProblem) throw new ConfigError(err.message, { table: name });
      throw err;
    }
    if (!table) throw new ConfigError(`table ${name}: no columns declared and no Debezium schema block for it ${s.where}; declare its columns`, { table: name });
    return table;
  });
}
