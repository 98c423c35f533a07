import { Command } from 'commander';
import { verifyPlannedFiles } from '../../iceberg/file-verification.js';
import { transformToString } from '../../iceberg/spec/transforms.js';
import { typeToString } from '../../iceberg/spec/types.js';
import type { Table } from '../../iceberg/table.js';
import type { FileScanTask } from '../../iceberg/scan-planner.js';
import { formatJson, formatTable, type Output } from '../output.js';
import { parseSnapshotId, CATALOG_NAME_HELP, CATALOG_URI_HELP, STORAGE_HELP, resolveTable, WAREHOUSE_HELP } from '../resolve-table.js';
import { addRestoreMetadataCommand } from './restore-metadata-command.js';
import { addScanCommands } from './scan-commands.js';

interface CommonOpts {
  readonly warehouse?: string;
  readonly json?: boolean;
  readonly snapshot?: string;
}

/** `icetide table ...`: inspect tables (describe, snapshots, files, plan, scan, count) and restore corrupt metadata. */
export function tableCommands(out: Output, setExit: (code: number) => void): Command {
  const table = new Command('table').description('inspect an Iceberg table (LOC: table dir, metadata JSON, or ns.table with --warehouse)');
  const withLoc = (c: Command) => c.argument('<LOC>', 'table directory, *.metadata.json, or ns.table with --warehouse or --catalog-uri').option('--warehouse <dir>', WAREHOUSE_HELP).option('--catalog-uri <uri>', CATALOG_URI_HELP).option('--catalog-name <name>', CATALOG_NAME_HELP).option('--storage <file>', STORAGE_HELP).option('--json', 'machine-readable JSON output');

  withLoc(table.command('describe').description('schema, partition specs, properties, current snapshot')).action(async (loc: string, o: CommonOpts) => {
    const t = await resolveTable(loc, o);
    out.out(o.json ? formatJson(describe(t)) : describeText(t));
  });

  withLoc(table.command('snapshots').description('every snapshot with its operation and summary')).action(async (loc: string, o: CommonOpts) => {
    const t = await resolveTable(loc, o);
    const snaps = t.snapshots().map((s) => ({
      snapshotId: s.snapshotId,
      parentId: s.parentSnapshotId,
      sequenceNumber: s.sequenceNumber,
      timestamp: new Date(s.timestampMs).toISOString(),
      operation: s.summary.operation,
      current: s.snapshotId === t.metadata.currentSnapshotId,
      summary: s.summary,
    }));
    if (o.json) out.out(formatJson(snaps));
    else
      out.out(formatTable(['snapshot', 'parent', 'seq', 'timestamp', 'operation', 'records', 'current'], snaps.map((s) => [s.snapshotId, s.parentId, s.sequenceNumber, s.timestamp, s.operation, s.summary['total-records'], s.current ? '*' : ''])));
  });

  withLoc(table.command('files').description('live data and delete files of a snapshot')).option('--snapshot <id>', 'snapshot id (default: current)').action(async (loc: string, o: CommonOpts) => {
    const t = await resolveTable(loc, o);
    const entries = (await t.entries(parseSnapshotId(o.snapshot))).filter((e) => e.status !== 'deleted');
    const files = entries.map((e) => ({
      path: e.dataFile.filePath,
      content: e.dataFile.content,
      format: e.dataFile.fileFormat,
      specId: e.dataFile.specId,
      partition: e.dataFile.partition,
      recordCount: e.dataFile.recordCount,
      fileSizeInBytes: e.dataFile.fileSizeInBytes,
      dataSequenceNumber: e.sequenceNumber,
      fileSequenceNumber: e.fileSequenceNumber,
      snapshotId: e.snapshotId,
      ...(e.dataFile.equalityIds ? { equalityIds: e.dataFile.equalityIds } : {}),
    }));
    if (o.json) out.out(formatJson(files));
    else out.out(formatTable(['content', 'records', 'bytes', 'seq', 'partition', 'path'], files.map((f) => [f.content, f.recordCount, f.fileSizeInBytes, f.dataSequenceNumber, formatJson(f.partition).replace(/\s+/g, ''), f.path])));
  });

  withLoc(table.command('plan').description('scan plan: data files and the delete files that apply to each'))
    .option('--snapshot <id>', 'snapshot id (default: current)')
    .option('--verify', 'check that every planned file exists with its recorded size (exit 1 if not)')
    .action(async (loc: string, o: CommonOpts & { verify?: boolean }) => {
      const t = await resolveTable(loc, o);
      const snapshotId = parseSnapshotId(o.snapshot) ?? t.metadata.currentSnapshotId;
      const tasks = await t.planFiles(snapshotId);
      const problems = o.verify ? await verifyPlannedFiles(t.io, tasks) : [];
      const plan = { snapshotId: snapshotId ?? null, dataFiles: tasks.map(planEntry), ...(o.verify ? { problems } : {}) };
      if (o.json) out.out(formatJson(plan));
      else {
        out.out(formatTable(['records', 'seq', 'deletes', 'path'], tasks.map((tk) => [tk.file.recordCount, tk.dataSequenceNumber, tk.deletes.map((d) => `${d.file.content === 'position-deletes' ? 'pos' : 'eq'}:${d.file.filePath.split('/').pop()}`).join(' '), tk.file.filePath])));
        for (const p of problems) out.err(`problem: ${p.path}: ${p.problem}`);
      }
      if (problems.length > 0) setExit(1);
    });
  addScanCommands(table, out);
  addRestoreMetadataCommand(table, out);
  return table;
}

function planEntry(t: FileScanTask) {
  return {
    path: t.file.filePath,
    recordCount: t.file.recordCount,
    fileSizeInBytes: t.file.fileSizeInBytes,
    specId: t.file.specId,
    dataSequenceNumber: t.dataSequenceNumber,
    deletes: t.deletes.map((d) => ({
      path: d.file.filePath,
      content: d.file.content === 'position-deletes' ? 'position' : 'equality',
      recordCount: d.file.recordCount,
      dataSequenceNumber: d.dataSequenceNumber,
      ...(d.file.equalityIds ? { equalityIds: d.file.equalityIds } : {}),
    })),
  };
}

function describe(t: Table) {
  const md = t.metadata;
  const snap = t.currentSnapshot();
  return {
    name: t.name,
    location: md.location,
    metadataLocation: t.metadataLocation,
    formatVersion: md.formatVersion,
    tableUuid: md.tableUuid,
    lastSequenceNumber: md.lastSequenceNumber,
    schema: { schemaId: t.schema().schemaId, identifierFieldIds: t.schema().identifierFieldIds, fields: t.schema().fields.map((f) => ({ id: f.id, name: f.name, required: f.required, type: typeToString(f.type) })) },
    partitionSpecs: md.partitionSpecs.map((s) => ({ specId: s.specId, default: s.specId === md.defaultSpecId, fields: s.fields.map((f) => ({ name: f.name, sourceId: f.sourceId, fieldId: f.fieldId, transform: transformToString(f.transform) })) })),
    sortOrders: md.sortOrders.map((o) => ({ orderId: o.orderId, fields: o.fields.map((f) => ({ sourceId: f.sourceId, transform: transformToString(f.transform), direction: f.direction, nullOrder: f.nullOrder })) })),
    properties: md.properties,
    currentSnapshot: snap ? { snapshotId: snap.snapshotId, sequenceNumber: snap.sequenceNumber, timestamp: new Date(snap.timestampMs).toISOString(), summary: snap.summary } : null,
    snapshotCount: md.snapshots.length,
  };
}

function describeText(t: Table): string {
  const d = describe(t);
  const lines = [
    `table        ${d.name}`,
    `location     ${d.location}`,
    `metadata     ${d.metadataLocation ?? ''}`,
    `format       v${d.formatVersion}   uuid ${d.tableUuid}`,
    `snapshots    ${d.snapshotCount}   current ${d.currentSnapshot ? `${d.currentSnapshot.snapshotId} (${d.currentSnapshot.summary.operation}, ${d.currentSnapshot.timestamp})` : 'none'}`,
    '',
    'schema',
    formatTable(['id', 'name', 'type', 'required'], d.schema.fields.map((f) => [f.id, f.name, f.type, f.required ? 'yes' : 'no'])),
    '',
    'partition specs',
    ...d.partitionSpecs.map((s) => `  ${s.specId}${s.default ? ' (default)' : ''}: ${s.fields.map((f) => `${f.name}=${f.transform}(${f.sourceId})`).join(', ') || 'unpartitioned'}`),
    '',
    'properties',
    ...Object.entries(d.properties).map(([k, v]) => `  ${k}=${v}`),
  ];
  return lines.join('\n');
}
