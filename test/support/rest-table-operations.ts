/**
 * Test-only: TableOperations whose refresh and commit go through a REST catalog server with
 * plain fetch, so the core's own AppendFiles + commit loop (real manifests, real Parquet)
 * can drive the server as an engine would. A commit sends the snapshots added since `base`
 * (add-snapshot + set-snapshot-ref main) guarded by assert-ref-snapshot-id on main; a 409 is a
 * lost race (CommitRaceError), so the core's loop reloads and retries. Not a Catalog client.
 */
import { CommitRaceError } from '../../src/errors.js';
import type { FileIO } from '../../src/io/file-io.js';
import { joinLocation } from '../../src/io/location.js';
import { parseJson, readObject, stringifyJson, type JsonObject } from '../../src/iceberg/spec/lossless-json.js';
import type { TableMetadata } from '../../src/iceberg/spec/table-metadata.js';
import { tableMetadataFromJson, tableMetadataToJson } from '../../src/iceberg/spec/table-metadata-parser.js';
import type { TableOperations, TableState } from '../../src/iceberg/table-operations.js';
import { Table } from '../../src/iceberg/table.js';

export class RestTableOperations implements TableOperations {
  private location = '';
  /** How many commits the server refused with 409. */
  conflicts = 0;

  constructor(
    private readonly tableUrl: string,
    readonly name: string,
    readonly io: FileIO,
    private readonly f: typeof fetch = fetch,
    private readonly headers: Record<string, string> = {},
  ) {}

  private state(body: string): TableState {
    const obj = readObject(parseJson(body), '');
    const metadata = tableMetadataFromJson(obj['metadata']);
    this.location = metadata.location;
    return { metadata, metadataLocation: String(obj['metadata-location']) };
  }

  async refresh(): Promise<TableState> {
    const res = await this.f(this.tableUrl, { headers: this.headers });
    const text = await res.text();
    if (!res.ok) throw new Error(`load ${this.name}: ${res.status} ${text}`);
    return this.state(text);
  }

  async commit(base: TableState, md: TableMetadata): Promise<TableState> {
    const known = new Set(base.metadata.snapshots.map((s) => s.snapshotId));
    const snapshots = (tableMetadataToJson(md)['snapshots'] as JsonObject[]).filter((s) => !known.has(BigInt(s['snapshot-id'] as number | bigint)));
    const main = md.refs['main'];
    const body = {
      requirements: [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': base.metadata.currentSnapshotId ?? null }],
      updates: [
        ...snapshots.map((s) => ({ action: 'add-snapshot', snapshot: s })),
        ...(main ? [{ action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': main.snapshotId }] : []),
      ],
    };
    const res = await this.f(this.tableUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...this.headers }, body: stringifyJson(body) });
    const text = await res.text();
    if (res.status === 409) {
      this.conflicts++;
      throw new CommitRaceError(this.name, base.metadataLocation ?? '(none)');
    }
    if (!res.ok) throw new Error(`commit ${this.name}: ${res.status} ${text}`);
    return this.state(text);
  }

  newMetadataLocation(fileName: string): string {
    return joinLocation(this.location, 'metadata', fileName);
  }

  newDataLocation(fileName: string): string {
    return joinLocation(this.location, 'data', fileName);
  }
}

/** A core Table over the REST server: `<base>/namespaces/<ns>/tables/<name>`. */
export async function restTable(base: string, namespace: readonly string[], name: string, io: FileIO, f: typeof fetch = fetch, headers: Record<string, string> = {}): Promise<{ table: Table; ops: RestTableOperations }> {
  const ops = new RestTableOperations(`${base}/namespaces/${encodeURIComponent(namespace.join('\x1f'))}/tables/${name}`, `${namespace.join('.')}.${name}`, io, f, headers);
  return { table: new Table(ops, await ops.refresh()), ops };
}
