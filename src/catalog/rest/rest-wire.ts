/**
 * JSON shapes of the Iceberg REST catalog protocol (apache/iceberg open-api/rest-catalog-open-api.yaml),
 * read and written with the lossless JSON reader so 64-bit snapshot ids survive.
 */
import { tableMetadataFromJson } from '../../iceberg/spec/table-metadata-parser.js';
import type { TableMetadata } from '../../iceberg/spec/table-metadata.js';
import {
  isJsonObject,
  listOf,
  optional,
  readArray,
  readObject,
  readString,
  readStringMap,
  required,
  type JsonObject,
  type JsonValue,
} from '../../iceberg/spec/lossless-json.js';
import type { TableIdentifier } from '../catalog.js';

/** The unit separator (0x1F) joins namespace parts in paths and in `parent` (spec "namespace" parameter). */
export const NAMESPACE_SEPARATOR = '\u001f';

/** A namespace as one path segment: parts joined by the separator, then URL-encoded (`a%1Fb`). */
export function encodeNamespace(namespace: readonly string[], separator = NAMESPACE_SEPARATOR): string {
  return encodeURIComponent(namespace.join(separator));
}

/** GET /v1/config: `defaults` are applied before the client's own settings, `overrides` after. */
export interface CatalogConfigResponse {
  readonly defaults: Record<string, string>;
  readonly overrides: Record<string, string>;
  readonly endpoints?: readonly string[];
}

export function readCatalogConfig(json: unknown): CatalogConfigResponse {
  const obj = readObject(json, 'config');
  const endpoints = optional(obj, 'endpoints', 'config', listOf(readString));
  return {
    defaults: optional(obj, 'defaults', 'config', readStringMap) ?? {},
    overrides: optional(obj, 'overrides', 'config', readStringMap) ?? {},
    ...(endpoints ? { endpoints } : {}),
  };
}

/** LoadTableResult (also CommitTableResponse, without `config`). */
export interface LoadTableResult {
  readonly metadataLocation: string | undefined;
  readonly metadata: TableMetadata;
  /** Table-specific configuration: vended storage credentials, endpoints. */
  readonly config: Record<string, string>;
}

export function readLoadTableResult(json: unknown, source: string): LoadTableResult {
  const obj = readObject(json, source);
  const metadataLocation = optional(obj, 'metadata-location', source, readString);
  return {
    metadataLocation,
    metadata: tableMetadataFromJson(required(obj, 'metadata', source, readObject), metadataLocation ?? source),
    config: optional(obj, 'config', source, readStringMap) ?? {},
  };
}

export interface Page<T> {
  readonly items: T[];
  readonly nextPageToken: string | undefined;
}

function readNextPageToken(obj: JsonObject): string | undefined {
  const t = obj['next-page-token'];
  return typeof t === 'string' && t.length > 0 ? t : undefined;
}

export function readNamespacesPage(json: unknown): Page<string[]> {
  const obj = readObject(json, 'ListNamespacesResponse');
  const list = optional(obj, 'namespaces', 'ListNamespacesResponse', listOf(listOf(readString))) ?? [];
  return { items: list, nextPageToken: readNextPageToken(obj) };
}

function readIdentifier(v: unknown, path: string): TableIdentifier {
  const obj = readObject(v, path);
  return { namespace: required(obj, 'namespace', path, listOf(readString)), name: required(obj, 'name', path, readString) };
}

export function readTablesPage(json: unknown): Page<TableIdentifier> {
  const obj = readObject(json, 'ListTablesResponse');
  const list = optional(obj, 'identifiers', 'ListTablesResponse', readArray) ?? [];
  return { items: list.map((v, i) => readIdentifier(v, `identifiers[${i}]`)), nextPageToken: readNextPageToken(obj) };
}

export function readNamespaceProperties(json: unknown): Record<string, string> {
  const obj = readObject(json, 'GetNamespaceResponse');
  return optional(obj, 'properties', 'GetNamespaceResponse', readStringMap) ?? {};
}

export function identifierToJson(id: TableIdentifier): JsonObject {
  return { namespace: [...id.namespace], name: id.name };
}

/** IcebergErrorResponse `{ error: { message, type, code } }`; anything else is described as it came. */
export interface RestErrorBody {
  readonly message: string | undefined;
  readonly type: string | undefined;
}

export function readErrorBody(json: JsonValue | undefined): RestErrorBody {
  const err = isJsonObject(json) && isJsonObject(json['error']) ? json['error'] : undefined;
  return {
    message: typeof err?.['message'] === 'string' ? err['message'] : undefined,
    type: typeof err?.['type'] === 'string' ? err['type'] : undefined,
  };
}

/** OAuth2 token response (RFC 6749 section 5.1). */
export interface TokenResponse {
  readonly accessToken: string;
  readonly expiresInSeconds: number | undefined;
}

export function readTokenResponse(json: unknown): TokenResponse {
  const obj = readObject(json, 'OAuthTokenResponse');
  const accessToken = required(obj, 'access_token', 'OAuthTokenResponse', readString);
  const e = obj['expires_in'];
  const expiresInSeconds = typeof e === 'number' ? e : typeof e === 'bigint' ? Number(e) : undefined;
  return { accessToken, expiresInSeconds };
}

/** The routes of one catalog, under `v1/<prefix>/` (the prefix from /v1/config, if any). */
export class RestPaths {
  private readonly root: string;

  constructor(prefix: string | undefined) {
    const p = (prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.root = p ? `v1/${p.split('/').map(encodeURIComponent).join('/')}` : 'v1';
  }

  namespaces(): string {
    return `${this.root}/namespaces`;
  }
  namespace(ns: readonly string[]): string {
    return `${this.root}/namespaces/${encodeNamespace(ns)}`;
  }
  namespaceProperties(ns: readonly string[]): string {
    return `${this.namespace(ns)}/properties`;
  }
  tables(ns: readonly string[]): string {
    return `${this.namespace(ns)}/tables`;
  }
  table(id: TableIdentifier): string {
    return `${this.tables(id.namespace)}/${encodeURIComponent(id.name)}`;
  }
  register(ns: readonly string[]): string {
    return `${this.namespace(ns)}/register`;
  }
  rename(): string {
    return `${this.root}/tables/rename`;
  }
}
