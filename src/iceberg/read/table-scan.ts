import { isFlatProjection, readParquetRows, type Row } from '../../parquet/index.js';
import { UnsupportedError, ValidationError } from '../../errors.js';
import type { FileScanTask } from '../scan-planner.js';
import { Schema } from '../spec/schema.js';
import type { NestedField } from '../spec/types.js';
import type { Table } from '../table.js';
import { readTaskColumns } from './columnar-task-reads.js';
import { DeleteLoader, isDeletedKey } from './delete-loader.js';
import { tupleKey } from './equality-keys.js';
import { fileMayMatch } from './file-pruning.js';
import { maskDeletedAndFiltered, maskedRows } from './masked-rows.js';
import { evaluate, predicateFieldIds, type Predicate } from './predicate.js';

export interface ScanOptions {
  readonly snapshotId?: bigint;
  /** Top-level column names to return (default: all of the current schema). */
  readonly columns?: readonly string[];
  readonly filter?: Predicate;
  readonly limit?: number;
  readonly batchSize?: number;
}

/**
 * Reads the live rows of a snapshot: plans, skips files whose metadata excludes the filter,
 * reads each data file by field id, and drops rows removed by position deletes (by row
 * position) and equality deletes (by key), applying the sequence-number rules the planner
 * encoded in each task. Yields batches of rows keyed by column name.
 */
export async function* scanTable(table: Table, o: ScanOptions = {}): AsyncIterable<Row[]> {
  const schema = table.schema();
  const output = outputFields(schema, o.columns);
  const tasks = await table.planFiles(o.snapshotId);
  const specs = table.specs();
  const fieldOf = fieldResolver(table);
  const deletes = new DeleteLoader(table.io, fieldOf);
  let remaining = o.limit ?? Number.POSITIVE_INFINITY;
  for (const task of tasks) {
    if (remaining <= 0) return;
    if (o.filter && !fileMayMatch(o.filter, task.file, specs.get(task.file.specId))) continue;
    for await (const rows of readTask(table, task, output, o, deletes, fieldOf)) {
      const out = rows.length > remaining ? rows.slice(0, remaining) : rows;
      remaining -= out.length;
      if (out.length > 0) yield out;
      if (remaining <= 0) return;
    }
  }
}

/** Live row count of a snapshot; reads only files that have deletes (or when filtering). */
export async function countRows(table: Table, o: Pick<ScanOptions, 'snapshotId' | 'filter'> = {}): Promise<bigint> {
  let total = 0n;
  const tasks = await table.planFiles(o.snapshotId);
  const needRead: FileScanTask[] = [];
  for (const t of tasks) {
    if (!o.filter && t.deletes.length === 0) total += t.file.recordCount;
    else needRead.push(t);
  }
  if (needRead.length === 0) return total;
  const fieldOf = fieldResolver(table);
  const deletes = new DeleteLoader(table.io, fieldOf);
  const specs = table.specs();
  for (const t of needRead) {
    if (o.filter && !fileMayMatch(o.filter, t.file, specs.get(t.file.specId))) continue;
    for await (const rows of readTask(table, t, [], { ...o, filter: o.filter }, deletes, fieldOf)) total += BigInt(rows.length);
  }
  return total;
}

/** Finds a field id in the newest schema that has it (dropped columns live in older ones). */
export function fieldResolver(table: Table): (id: number) => NestedField | undefined {
  const schemas = table.metadata.schemas;
  return (id) => {
    for (let i = schemas.length - 1; i >= 0; i--) {
      const f = schemas[i]!.findField(id);
      if (f) return f;
    }
    return undefined;
  };
}

/**
 * Live rows of one planned data file (its deletes applied), for jobs that work file by file
 * (compaction). Share one DeleteLoader across tasks so each delete file is read once.
 */
export function readTaskRows(table: Table, task: FileScanTask, o: { columns?: readonly string[]; batchSize?: number; deletes?: DeleteLoader } = {}): AsyncIterable<Row[]> {
  const fieldOf = fieldResolver(table);
  return readTask(table, task, outputFields(table.schema(), o.columns), { ...(o.batchSize ? { batchSize: o.batchSize } : {}) }, o.deletes ?? new DeleteLoader(table.io, fieldOf), fieldOf);
}

export { DeleteLoader };

function outputFields(schema: Schema, columns: readonly string[] | undefined): NestedField[] {
  if (!columns) return [...schema.fields];
  return columns.map((c) => {
    const f = schema.fields.find((x) => x.name === c);
    if (!f) throw new ValidationError(`no column ${c} (columns: ${schema.fields.map((x) => x.name).join(', ')})`, { column: c });
    return f;
  });
}

async function* readTask(
  table: Table,
  task: FileScanTask,
  output: readonly NestedField[],
  o: ScanOptions,
  deletes: DeleteLoader,
  fieldOf: (id: number) => NestedField | undefined,
): AsyncIterable<Row[]> {
  if (task.file.fileFormat !== 'PARQUET') throw new UnsupportedError(`data file ${task.file.filePath} is ${task.file.fileFormat}; only Parquet is read`);
  const eqSets = await deletes.equalitySets(task.deletes);
  // Read the output columns plus whatever the filter and the equality deletes need, each
  // under an internal name so an output column and an extra column never collide.
  const extraIds = new Set<number>([...(o.filter ? predicateFieldIds(o.filter) : []), ...eqSets.flatMap((s) => s.fields.map((f) => f.id))]);
  for (const f of output) extraIds.delete(f.id);
  const extras = [...extraIds].map((id) => {
    const f = fieldOf(id);
    if (!f) throw new ValidationError(`field id ${id} is in no schema of ${table.name}`);
    return { ...f, name: `_f${id}`, required: false };
  });
  const projection = new Schema(0, [...output, ...extras]);
  const nameOf = new Map<number, string>([...output.map((f) => [f.id, f.name] as const), ...extras.map((f) => [f.id, f.name] as const)]);
  const batchSize = o.batchSize ?? 10_000;
  if (isFlatProjection(projection)) {
    // Flat projections decode column-wise (typed arrays, no per-value assembly) and make row
    // objects only for the live rows: the fast path for large (compacted) files.
    const names = output.map((f) => f.name);
    for await (const { batch, mask, kept } of readTaskColumns(table, task, projection, deletes)) {
      if (maskDeletedAndFiltered(batch, mask, kept, eqSets, o.filter, (id) => nameOf.get(id)!) === 0) continue;
      yield* maskedRows(batch, mask, names, batchSize);
    }
    return;
  }
  // Row positions as numbers: a file never nears 2^53 rows, and bigint math per row is slow.
  const deleted = new Set([...(await deletes.positionsFor(task.file.filePath, task.deletes))].map(Number));
  // Spec "Column Projection": a column missing from the file that is the source of an
  // identity partition field takes the partition value.
  const constants = new Map<number, unknown>();
  const spec = table.specs().get(task.file.specId);
  spec?.fields.forEach((pf, i) => {
    if (pf.transform.kind === 'identity' && nameOf.has(pf.sourceId)) constants.set(pf.sourceId, task.file.partition[i] ?? null);
  });
  let pos = 0;
  for await (const batch of readParquetRows(table.io, task.file.filePath, projection, { batchSize, constants })) {
    const kept: Row[] = [];
    for (const row of batch) {
      const p = pos++;
      if (deleted.has(p)) continue;
      if (eqSets.some((s) => isDeletedKey(s, tupleKey(s.fields.map((f) => row[nameOf.get(f.id)!]))))) continue;
      if (o.filter && !evaluate(o.filter, (id) => row[nameOf.get(id)!])) continue;
      if (extras.length > 0) for (const e of extras) delete row[e.name];
      kept.push(row);
    }
    yield kept;
  }
}
