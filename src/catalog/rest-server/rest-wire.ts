/**
 * The JSON shapes of the Iceberg REST catalog protocol (open-api/rest-catalog-open-api.yaml,
 * `components/schemas`), as the server reads and writes them. Keys are the wire's kebab-case;
 * longs (`format: int64`) are `JsonLong` because the server parses bodies losslessly
 * (snapshot ids exceed 2^53). Objects the table spec defines (schema, partition spec, sort
 * order, table metadata, snapshot) keep their spec JSON form and are read by the metadata
 * parser's readers.
 */
import type { JsonObject } from '../../iceberg/spec/lossless-json.js';

/** `type: integer, format: int64` after a lossless parse: a number when safe, else a bigint. */
export type JsonLong = number | bigint;

/** `Namespace`: one or more levels. */
export type WireNamespace = readonly string[];

/** `TableIdentifier`. */
export interface WireTableIdentifier {
  readonly namespace: WireNamespace;
  readonly name: string;
}

/** `ErrorModel`. */
export interface ErrorModel {
  readonly message: string;
  /** The exception type name, e.g. NoSuchTableException. */
  readonly type: string;
  /** The HTTP status, 400..600. */
  readonly code: number;
  readonly stack?: readonly string[];
}

/** `IcebergErrorResponse`: every non-2xx answer. */
export interface IcebergErrorResponse {
  readonly error: ErrorModel;
}

/** `CatalogConfig` (GET /v1/config). */
export interface CatalogConfig {
  readonly defaults: Readonly<Record<string, string>>;
  readonly overrides: Readonly<Record<string, string>>;
  /** "<VERB> <path template>" of every route the server supports. */
  readonly endpoints?: readonly string[];
}

/** `CreateNamespaceRequest`. */
export interface CreateNamespaceRequest {
  readonly namespace: WireNamespace;
  readonly properties?: Readonly<Record<string, string>>;
}

/** `CreateNamespaceResponse`. */
export interface CreateNamespaceResponse {
  readonly namespace: WireNamespace;
  readonly properties?: Readonly<Record<string, string>>;
}

/** `GetNamespaceResponse`. */
export interface GetNamespaceResponse {
  readonly namespace: WireNamespace;
  /** null when the server keeps no namespace properties. */
  readonly properties?: Readonly<Record<string, string>> | null;
}

/** `ListNamespacesResponse`. */
export interface ListNamespacesResponse {
  readonly namespaces: readonly WireNamespace[];
}

/** `UpdateNamespacePropertiesRequest`. */
export interface UpdateNamespacePropertiesRequest {
  readonly removals?: readonly string[];
  readonly updates?: Readonly<Record<string, string>>;
}

/** `UpdateNamespacePropertiesResponse`. */
export interface UpdateNamespacePropertiesResponse {
  readonly updated: readonly string[];
  readonly removed: readonly string[];
  readonly missing?: readonly string[] | null;
}

/** `ListTablesResponse`. */
export interface ListTablesResponse {
  readonly identifiers: readonly WireTableIdentifier[];
}

/** `CreateTableRequest`. */
export interface CreateTableRequest {
  readonly name: string;
  readonly location?: string;
  /** `Schema` (spec JSON). */
  readonly schema: JsonObject;
  /** `PartitionSpec`; field ids may be left out (assigned from 1000). */
  readonly 'partition-spec'?: JsonObject;
  /** `SortOrder`. */
  readonly 'write-order'?: JsonObject;
  readonly 'stage-create'?: boolean;
  readonly properties?: Readonly<Record<string, string>>;
}

/** `RegisterTableRequest`. */
export interface RegisterTableRequest {
  readonly name: string;
  readonly 'metadata-location': string;
  readonly overwrite?: boolean;
}

/** `RenameTableRequest`. */
export interface RenameTableRequest {
  readonly source: WireTableIdentifier;
  readonly destination: WireTableIdentifier;
}

/** `LoadTableResult` (create, load, register). */
export interface LoadTableResult {
  /** null only for a staged (not yet committed) table. */
  readonly 'metadata-location'?: string | null;
  /** `TableMetadata` (spec JSON). */
  readonly metadata: JsonObject;
  readonly config?: Readonly<Record<string, string>>;
}

/** `CommitTableResponse`. */
export interface CommitTableResponse {
  readonly 'metadata-location': string;
  readonly metadata: JsonObject;
}

// --- Requirements (`TableRequirement`, discriminated by `type`) --------------------------------

export interface AssertCreate {
  readonly type: 'assert-create';
}
export interface AssertTableUUID {
  readonly type: 'assert-table-uuid';
  readonly uuid: string;
}
/** `snapshot-id` null: the ref must not exist. */
export interface AssertRefSnapshotId {
  readonly type: 'assert-ref-snapshot-id';
  readonly ref: string;
  readonly 'snapshot-id': JsonLong | null;
}
export interface AssertLastAssignedFieldId {
  readonly type: 'assert-last-assigned-field-id';
  readonly 'last-assigned-field-id': number;
}
export interface AssertCurrentSchemaId {
  readonly type: 'assert-current-schema-id';
  readonly 'current-schema-id': number;
}
export interface AssertLastAssignedPartitionId {
  readonly type: 'assert-last-assigned-partition-id';
  readonly 'last-assigned-partition-id': number;
}
export interface AssertDefaultSpecId {
  readonly type: 'assert-default-spec-id';
  readonly 'default-spec-id': number;
}
export interface AssertDefaultSortOrderId {
  readonly type: 'assert-default-sort-order-id';
  readonly 'default-sort-order-id': number;
}

export type TableRequirement =
  | AssertCreate
  | AssertTableUUID
  | AssertRefSnapshotId
  | AssertLastAssignedFieldId
  | AssertCurrentSchemaId
  | AssertLastAssignedPartitionId
  | AssertDefaultSpecId
  | AssertDefaultSortOrderId;

export type TableRequirementType = TableRequirement['type'];

// --- Updates (`TableUpdate`, discriminated by `action`) -----------------------------------------

export interface AssignUUIDUpdate {
  readonly action: 'assign-uuid';
  readonly uuid: string;
}
export interface UpgradeFormatVersionUpdate {
  readonly action: 'upgrade-format-version';
  readonly 'format-version': number;
}
export interface AddSchemaUpdate {
  readonly action: 'add-schema';
  readonly schema: JsonObject;
  /** Deprecated; the server computes it. */
  readonly 'last-column-id'?: number;
}
/** `schema-id` -1: the schema added last in this commit. */
export interface SetCurrentSchemaUpdate {
  readonly action: 'set-current-schema';
  readonly 'schema-id': number;
}
export interface AddPartitionSpecUpdate {
  readonly action: 'add-spec';
  readonly spec: JsonObject;
}
/** `spec-id` -1: the spec added last in this commit. */
export interface SetDefaultSpecUpdate {
  readonly action: 'set-default-spec';
  readonly 'spec-id': number;
}
export interface AddSortOrderUpdate {
  readonly action: 'add-sort-order';
  readonly 'sort-order': JsonObject;
}
/** `sort-order-id` -1: the order added last in this commit. */
export interface SetDefaultSortOrderUpdate {
  readonly action: 'set-default-sort-order';
  readonly 'sort-order-id': number;
}
export interface AddSnapshotUpdate {
  readonly action: 'add-snapshot';
  /** `Snapshot` (spec JSON). */
  readonly snapshot: JsonObject;
}
/** `SetSnapshotRefUpdate` = BaseUpdate + SnapshotReference + ref-name. */
export interface SetSnapshotRefUpdate {
  readonly action: 'set-snapshot-ref';
  readonly 'ref-name': string;
  readonly type: 'branch' | 'tag';
  readonly 'snapshot-id': JsonLong;
  readonly 'max-ref-age-ms'?: JsonLong;
  readonly 'max-snapshot-age-ms'?: JsonLong;
  readonly 'min-snapshots-to-keep'?: number;
}
export interface RemoveSnapshotsUpdate {
  readonly action: 'remove-snapshots';
  readonly 'snapshot-ids': readonly JsonLong[];
}
export interface RemoveSnapshotRefUpdate {
  readonly action: 'remove-snapshot-ref';
  readonly 'ref-name': string;
}
export interface SetLocationUpdate {
  readonly action: 'set-location';
  readonly location: string;
}
export interface SetPropertiesUpdate {
  readonly action: 'set-properties';
  readonly updates: Readonly<Record<string, string>>;
}
export interface RemovePropertiesUpdate {
  readonly action: 'remove-properties';
  readonly removals: readonly string[];
}
export interface SetStatisticsUpdate {
  readonly action: 'set-statistics';
  /** Deprecated: `statistics.snapshot-id` is used. */
  readonly 'snapshot-id'?: JsonLong;
  /** `StatisticsFile` (spec JSON). */
  readonly statistics: JsonObject;
}
export interface RemoveStatisticsUpdate {
  readonly action: 'remove-statistics';
  readonly 'snapshot-id': JsonLong;
}
export interface SetPartitionStatisticsUpdate {
  readonly action: 'set-partition-statistics';
  /** `PartitionStatisticsFile` (spec JSON). */
  readonly 'partition-statistics': JsonObject;
}
export interface RemovePartitionStatisticsUpdate {
  readonly action: 'remove-partition-statistics';
  readonly 'snapshot-id': JsonLong;
}

/**
 * The updates this server applies. The spec's remove-partition-specs, remove-schemas and the
 * encryption-key updates are refused by name (400), as are view updates.
 */
export type TableUpdate =
  | AssignUUIDUpdate
  | UpgradeFormatVersionUpdate
  | AddSchemaUpdate
  | SetCurrentSchemaUpdate
  | AddPartitionSpecUpdate
  | SetDefaultSpecUpdate
  | AddSortOrderUpdate
  | SetDefaultSortOrderUpdate
  | AddSnapshotUpdate
  | SetSnapshotRefUpdate
  | RemoveSnapshotsUpdate
  | RemoveSnapshotRefUpdate
  | SetLocationUpdate
  | SetPropertiesUpdate
  | RemovePropertiesUpdate
  | SetStatisticsUpdate
  | RemoveStatisticsUpdate
  | SetPartitionStatisticsUpdate
  | RemovePartitionStatisticsUpdate;

export type TableUpdateAction = TableUpdate['action'];

/** `CommitTableRequest`; `identifier` is required inside a CommitTransactionRequest. */
export interface CommitTableRequest {
  readonly identifier?: WireTableIdentifier;
  readonly requirements: readonly TableRequirement[];
  readonly updates: readonly TableUpdate[];
}

/** `CommitTransactionRequest`. */
export interface CommitTransactionRequest {
  readonly 'table-changes': readonly CommitTableRequest[];
}

/** `OAuthTokenResponse` (the deprecated /v1/oauth/tokens endpoint). */
export interface OAuthTokenResponse {
  readonly access_token: string;
  readonly token_type: 'bearer' | 'mac' | 'N_A';
  readonly expires_in?: number;
  readonly issued_token_type?: 'urn:ietf:params:oauth:token-type:access_token';
  readonly scope?: string;
}

/** `OAuthError`. */
export interface OAuthError {
  readonly error: 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope';
  readonly error_description?: string;
}
