import path from 'node:path';
import fs from 'node:fs';

/** ../shared/iceberg-fixtures beside the repo (tests run from the repo root). */
export const FIXTURES = path.resolve(process.cwd(), '../shared/iceberg-fixtures');

export function fixtureTables(): string[] {
  return fs.readdirSync(FIXTURES).filter((n) => fs.existsSync(path.join(FIXTURES, n, 'table'))).sort();
}

/** Fixture tables that have data files (`<name>/table/data`). */
export function fixtureTablesWithData(): string[] {
  return fixtureTables().filter((t) => fs.existsSync(path.join(FIXTURES, t, 'table', 'data')));
}

/** Every .parquet file below `dir`. */
export function parquetFilesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? parquetFilesUnder(path.join(dir, e.name)) : e.name.endsWith('.parquet') ? [path.join(dir, e.name)] : []);
}

export function readOracle(name: string): OraclePlan {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, name, 'expected', 'oracle-plan.json'), 'utf8')) as OraclePlan;
}

export interface OracleFile {
  path: string;
  recordCount: number;
  fileSizeInBytes: number;
  exists: boolean;
  dataSequenceNumber: number;
  content: string;
  equalityFieldIds?: number[];
  deletes: OracleFile[];
}

export interface OracleTotals {
  manifests: number;
  liveDataFiles: number;
  liveDataRecords: number;
  liveDeleteFiles: number;
  livePositionDeleteFiles: number;
  liveDeletionVectors: number;
  liveEqualityDeleteFiles: number;
  livePositionDeleteRecords: number;
  liveEqualityDeleteRecords: number;
  plannedDataFiles: number;
  plannedDataRecords: number;
  plannedDistinctDeleteFiles: number;
  plannedPositionDeleteRecords: number;
  plannedEqualityDeleteRecords: number;
}

export interface OraclePlan {
  formatVersion: number;
  lastSequenceNumber: number;
  snapshot: { snapshotId: number; scan: { dataFiles: OracleFile[] } } | null;
  history: { snapshotId: number; totals?: OracleTotals; error?: string; ok: boolean }[];
  ok: boolean;
}
