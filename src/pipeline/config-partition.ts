/**
 * Spark-style partition expressions from `tables[].partition-by`: `col`, `identity(col)`,
 * `year|month|day|hour(col)` (Spark's plural `years`... too), `bucket(N, col)`,
 * `truncate(N, col)` (`bucket(col, N)`/`truncate(col, N)` also accepted), `void(col)`.
 */
import { ConfigError } from '../errors.js';
import { canTransform, transformToString, type Transform } from '../iceberg/spec/transforms.js';
import { isPrimitive, typeToString, type IcebergType } from '../iceberg/spec/types.js';

export interface PartitionExpression {
  readonly sourceColumn: string;
  readonly transform: Transform;
}

export const PARTITION_FORMS = 'column, identity(column), year(column), month(column), day(column), hour(column), ' +
  'bucket(N, column), truncate(W, column), void(column)';

const COLUMN = String.raw`(?:[A-Za-z_][A-Za-z0-9_]*|\x60[^\x60]+\x60)`;
const NUMBER = String.raw`\d+`;
const BARE = new RegExp(String.raw`^\s*(${COLUMN})\s*$`);
const UNARY = new RegExp(String.raw`^\s*([A-Za-z]+)\s*\(\s*(${COLUMN})\s*\)\s*$`);
const BINARY = new RegExp(String.raw`^\s*([A-Za-z]+)\s*\(\s*(${COLUMN}|${NUMBER})\s*,\s*(${COLUMN}|${NUMBER})\s*\)\s*$`);

const UNARY_TRANSFORMS: Readonly<Record<string, Transform>> = {
  identity: { kind: 'identity' },
  year: { kind: 'year' },
  years: { kind: 'year' },
  month: { kind: 'month' },
  months: { kind: 'month' },
  day: { kind: 'day' },
  days: { kind: 'day' },
  date: { kind: 'day' },
  hour: { kind: 'hour' },
  hours: { kind: 'hour' },
  void: { kind: 'void' },
};

const MAX_INT = 0x7fff_ffff;

function unquote(column: string): string {
  return column.startsWith('`') ? column.slice(1, -1) : column;
}

/** Syntax only; returns a problem description instead of throwing. */
function parseSyntax(expr: string): PartitionExpression | string {
  const bare = BARE.exec(expr);
  if (bare) return { sourceColumn: unquote(bare[1]!), transform: { kind: 'identity' } };
  const unary = UNARY.exec(expr);
  if (unary) {
    const t = UNARY_TRANSFORMS[unary[1]!.toLowerCase()];
    if (t) return { sourceColumn: unquote(unary[2]!), transform: t };
    return `unknown transform ${JSON.stringify(unary[1])}`;
  }
  const binary = BINARY.exec(expr);
  if (binary) {
    const name = binary[1]!.toLowerCase();
    if (name !== 'bucket' && name !== 'truncate') return `unknown transform ${JSON.stringify(binary[1])}`;
    const [a, b] = [binary[2]!, binary[3]!];
    const aNum = /^\d+$/.test(a);
    const bNum = /^\d+$/.test(b);
    if (aNum === bNum) return `${name} takes a number and a column`;
    const n = Number(aNum ? a : b);
    if (!Number.isSafeInteger(n) || n < 1 || n > MAX_INT) return `${name} needs a positive int, got ${aNum ? a : b}`;
    const sourceColumn = unquote(aNum ? b : a);
    return { sourceColumn, transform: name === 'bucket' ? { kind: 'bucket', n } : { kind: 'truncate', width: n } };
  }
  return 'not a partition expression';
}

/**
 * Checks a parsed expression against the table's columns: the column must exist, be a
 * primitive top-level column, and the transform must apply to its type.
 */
function checkColumn(p: PartitionExpression, columnsByName: ReadonlyMap<string, IcebergType>): string | undefined {
  const type = columnsByName.get(p.sourceColumn);
  if (type === undefined) {
    return `unknown column ${JSON.stringify(p.sourceColumn)} (columns: ${[...columnsByName.keys()].join(', ')})`;
  }
  if (!isPrimitive(type)) return `cannot partition by ${p.sourceColumn}: ${typeToString(type)} is not a primitive type`;
  if (!canTransform(p.transform, type)) {
    return `transform ${transformToString(p.transform)} cannot be applied to ${p.sourceColumn} of type ${typeToString(type)}`;
  }
  return undefined;
}

/**
 * Parses a partition expression; returns a problem string (without the key path) or the
 * result. Used by the config validator to collect problems instead of stopping at the first.
 */
export function tryParsePartitionExpression(
  expr: string,
  columnsByName?: ReadonlyMap<string, IcebergType>,
): PartitionExpression | { readonly problem: string } {
  const parsed = parseSyntax(expr);
  if (typeof parsed === 'string') {
    return { problem: `cannot parse ${JSON.stringify(expr)}: ${parsed}; accepted forms: ${PARTITION_FORMS}` };
  }
  const problem = columnsByName ? checkColumn(parsed, columnsByName) : undefined;
  return problem ? { problem: `${JSON.stringify(expr)}: ${problem}` } : parsed;
}

/**
 * Parses one `partition-by` entry. With `columnsByName` (the table's top-level columns), also
 * checks that the column exists and the transform applies to its type; without it (schema
 * known only after discovery), checks syntax only. Throws ConfigError naming `path`.
 */
export function parsePartitionExpression(
  expr: string,
  columnsByName?: ReadonlyMap<string, IcebergType>,
  path = 'partition-by',
): PartitionExpression {
  const r = tryParsePartitionExpression(expr, columnsByName);
  if ('problem' in r) throw new ConfigError(`${path}: ${r.problem}`, { path, expression: expr });
  return r;
}
