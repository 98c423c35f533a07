import path from 'node:path';
import type { FileIO } from '../io/file-io.js';
import { LocalFileIO } from '../io/local-file-io.js';
import { localPathOf } from '../io/location.js';
import { Table } from '../iceberg/table.js';
import { FilesystemTableOperations, StaticTableOperations } from './filesystem-table-operations.js';

/**
 * Opens a table without a catalog: from its directory (the newest metadata file there,
 * committable when it uses the Hadoop layout) or from one `*.metadata.json` file (read-only,
 * exactly that version).
 */
export async function openTable(location: string, io: FileIO = new LocalFileIO()): Promise<Table> {
  const trimmed = location.replace(/\/+$/, '');
  if (trimmed.endsWith('.metadata.json')) {
    const metadataDir = path.posix.dirname(trimmed);
    const tableDir = path.posix.basename(metadataDir) === 'metadata' ? path.posix.dirname(metadataDir) : metadataDir;
    const ops = new StaticTableOperations(io, trimmed, tableDir, path.basename(tableDir));
    return new Table(ops, await ops.refresh());
  }
  const ops = new FilesystemTableOperations(io, trimmed, path.basename(localPathOf(trimmed)));
  return new Table(ops, await ops.refresh());
}
