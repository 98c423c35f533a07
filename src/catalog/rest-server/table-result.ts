import { tableMetadataToJson } from '../../iceberg/spec/table-metadata-parser.js';
import type { TableState } from '../../iceberg/table-operations.js';
import type { CommitTableResponse, LoadTableResult } from './rest-wire.js';

/** `LoadTableResult` of a committed table; `config` is what every table's FileIO should use. */
export function loadTableResult(state: TableState, config: Readonly<Record<string, string>>): LoadTableResult {
  return { 'metadata-location': state.metadataLocation ?? null, metadata: tableMetadataToJson(state.metadata), config: { ...config } };
}

export function commitTableResponse(state: TableState): CommitTableResponse {
  return { 'metadata-location': state.metadataLocation ?? '', metadata: tableMetadataToJson(state.metadata) };
}
