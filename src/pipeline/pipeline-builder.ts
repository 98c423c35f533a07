import path from 'node:path';
import { createFileSource } from '../../connectors/file/index.js';
import { createKafkaSource } from '../../connectors/kafka/index.js';
import { createMySqlSource } from '../../connectors/mysql/index.js';
import { openCatalog } from '../catalog/open-catalog.js';
import { openFilesystemCatalog } from '../catalog/filesystem-catalog-storage.js';
import { fileIOFor } from '../io/file-io-registry.js';
import type { Catalog } from '../catalog/catalog.js';
import { ConfigError, UnsupportedError } from '../errors.js';
import { primitive } from '../iceberg/spec/types.js';
import { silentLogger, type Logger } from '../logging/logger.js';
import { TableWriter } from '../sink/table-writer.js';
import { truncateTable } from '../sink/truncate-table.js';
import { matchTable, resolveTableMode, splitSourceName, tableKeyColumns, targetTableName, type PipelineConfig, type TableConfig } from './config.js';
import { PipelineRunner } from './pipeline-runner.js';
import type { Source, SourceColumn, SourceTable } from './source.js';
import { CHANGELOG_COLUMNS, type BindingWriters, type TableBinding } from './table-binding.js';
import { provisionTable } from './table-provisioner.js';

export interface BuiltPipeline {
  readonly runner: PipelineRunner;
  readonly source: Source;
  readonly catalog: Catalog;
  readonly warehouse: string;
  readonly writers: readonly TableWriter[];
}

/** Source db/table columns added to tables that merge several source tables (regex entries). */
const SHARD_COLUMNS: readonly SourceColumn[] = [
  { name: '_source_db', type: primitive('string'), nullable: true },
  { name: '_source_table', type: primitive('string'), nullable: true },
];

export function createSource(config: PipelineConfig, cwd: string, log?: Logger): Source {
  switch (config.source.type) {
    case 'file':
      return createFileSource(config, { cwd });
    case 'mysql':
      return createMySqlSource(config, log ? { log } : {});
    case 'kafka':
      return createKafkaSource(config, { cwd });
    default:
      throw new ConfigError(`source.type: ${(config.source as { type: string }).type} is not implemented yet`, { path: 'source.type' });
  }
}

/**
 * Wires a pipeline: discovers the source tables, creates or evolves each target table
 * ("one-click": tables are created from the source schema on first run), and opens one
 * writer per target (tables merged from several sources share it).
 */
export async function buildPipeline(config: PipelineConfig, o: { cwd?: string; log?: Logger; source?: Source } = {}): Promise<BuiltPipeline> {
  const cwd = o.cwd ?? process.cwd();
  const log = o.log ?? silentLogger;
  const source = o.source ?? createSource(config, cwd, log);
  const warehouse = /^[a-z][a-z0-9+.-]*:/i.test(config.target.warehouse) ? config.target.warehouse : path.resolve(cwd, config.target.warehouse);
  // The filesystem catalog on S3 only with conditional PUTs (probed); a SQL or REST catalog anywhere.
  const catalog: Catalog = config.target.catalog === 'filesystem'
    ? await openFilesystemCatalog(warehouse, config.target.storage)
    : config.target.catalog.type === 'rest'
      ? openCatalog(config.target.catalog, warehouse, { storage: config.target.storage })
      : openCatalog(config.target.catalog, warehouse, { cwd, io: fileIOFor(warehouse, config.target.storage) });
  try {
    const byTarget = new Map<string, { mirror: TableWriter; changelog?: TableWriter }>();
    const bindings: TableBinding[] = [];
    for (const st of await source.discover()) {
      const m = matchTable(config.tables, st.name);
      if (!m) continue;
      const cfg = m.table;
      const merged = cfg.match.kind === 'regex';
      const targetName = targetTableName(config, cfg, st.name);
      let writers = byTarget.get(targetName);
      if (!writers) {
        writers = await openTargets(catalog, config, cfg, st, targetName, merged, log);
        byTarget.set(targetName, writers);
      }
      bindings.push({
        matches: (name) => name === st.name,
        mirror: writers.mirror,
        ...(writers.changelog ? { changelog: writers.changelog } : {}),
        ...(merged ? { constants: shardColumns } : {}),
        // Mid-stream DDL: the same provisioning as at start, on the new columns.
        evolve: (changed) => openTargets(catalog, config, cfg, changed, targetName, merged, log),
        truncate: async () => {
          if (merged) {
            throw new UnsupportedError(`source table ${st.name} was truncated, but it is one of several merged into ${config.target.namespace}.${targetName}: emptying one shard's rows is not replicated. Delete them yourself (e.g. DELETE ... WHERE _source_db/_source_table in Spark), then restart the pipeline from a position after the TRUNCATE (source.from: position FILE:POS with a new pipeline-id)`, { table: st.name });
          }
          if (resolveTableMode(cfg, st.primaryKey) === 'append') {
            log.warn('source table truncated: the append table keeps its rows', { table: st.name, target: targetName });
            return undefined;
          }
          const removed = await truncateTable(await catalog.loadTable({ namespace: config.target.namespace, name: targetName }), st.name);
          log.info('source table truncated: target emptied', { table: st.name, target: targetName, filesRemoved: removed });
          return openTargets(catalog, config, cfg, st, targetName, merged, log);
        },
      });
    }
    if (bindings.length === 0) throw new ConfigError(`no source table of ${source.name} matches the pipeline's tables`, { path: 'tables' });
    const writers = [...byTarget.values()].flatMap((w) => [w.mirror, ...(w.changelog ? [w.changelog] : [])]);
    return { runner: new PipelineRunner(source, bindings), source, catalog, warehouse, writers };
  } catch (err) {
    // a SQL catalog holds connections: a pipeline that failed to start releases them
    await catalog.close?.().catch(() => undefined);
    throw err;
  }
}

async function openTargets(catalog: Catalog, config: PipelineConfig, cfg: TableConfig, st: SourceTable, targetName: string, merged: boolean, log: Logger): Promise<BindingWriters> {
  const mode = resolveTableMode(cfg, st.primaryKey);
  // Shards of one merged table reuse keys: a row is identified by its key within its shard.
  const keyColumns = merged && cfg.keyColumns === undefined && st.primaryKey.length > 0 ? [...st.primaryKey, ...SHARD_COLUMNS.map((c) => c.name)] : tableKeyColumns(cfg, st.primaryKey);
  if (mode === 'upsert' && keyColumns.length === 0) {
    throw new ConfigError(`source table ${st.name} has no primary key: upsert mode needs key-columns (or set mode: append)`, { sourceTable: st.name });
  }
  const columns = merged ? [...st.columns, ...SHARD_COLUMNS] : st.columns;
  const keyFilter = config.keyFilter.enabled
    ? { expectedKeys: config.keyFilter.expectedKeys, fpp: config.keyFilter.fpp, checkpointEveryCommits: config.keyFilter.checkpointEveryCommits, checkpointIntervalMs: config.keyFilter.checkpointIntervalMs }
    : false;
  const mirrorTable = await provisionTable(
    catalog,
    { id: { namespace: config.target.namespace, name: targetName }, columns, keyColumns: mode === 'upsert' ? keyColumns : [], partitionBy: cfg.partitionBy.map((p) => ({ column: p.sourceColumn, transform: p.transform })), formatVersion: cfg.formatVersion, properties: cfg.properties },
    log,
  );
  const keyIndex = config.keyIndex.enabled ? { checkpointEveryCommits: config.keyIndex.checkpointEveryCommits, checkpointIntervalMs: config.keyIndex.checkpointIntervalMs } : false;
  const mirror = await TableWriter.open(mirrorTable, { pipelineId: config.pipelineId, mode, changelogMode: cfg.changelogMode, keyFilter, keyIndex, log });
  if (!cfg.changelogTable) return { mirror };
  const changelogColumns: SourceColumn[] = [
    { name: CHANGELOG_COLUMNS.op, type: primitive('string'), nullable: false },
    { name: CHANGELOG_COLUMNS.sourceTs, type: primitive('timestamptz'), nullable: false },
    { name: CHANGELOG_COLUMNS.position, type: primitive('string'), nullable: false },
    ...columns.map((c) => ({ ...c, nullable: true })),
  ];
  const changelogTable = await provisionTable(catalog, { id: { namespace: config.target.namespace, name: cfg.changelogTable }, columns: changelogColumns, keyColumns: [], partitionBy: [], formatVersion: 2, properties: cfg.properties }, log);
  const changelog = await TableWriter.open(changelogTable, { pipelineId: config.pipelineId, mode: 'append', changelogMode: 'error', keyFilter: false, log });
  return { mirror, changelog };
}

function shardColumns(sourceTable: string): Readonly<Record<string, unknown>> {
  const { db, table } = splitSourceName(sourceTable);
  return { _source_db: db, _source_table: table };
}
