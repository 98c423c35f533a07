/**
 * Request bodies (already parsed losslessly) -> the typed wire shapes of rest-wire.ts. Every
 * problem is a 400 BadRequestException naming the JSON path, e.g. `updates[2].action`.
 */
import { InvalidMetadataError } from '../../errors.js';
import {
  jsonPath,
  listOf,
  optional,
  readBoolean,
  readInt,
  readLong,
  readObject,
  readString,
  readStringMap,
  required,
  type JsonObject,
  type JsonReader,
} from '../../iceberg/spec/lossless-json.js';
import { badRequest } from './rest-errors.js';
import type {
  CommitTableRequest,
  CommitTransactionRequest,
  CreateNamespaceRequest,
  CreateTableRequest,
  JsonLong,
  RegisterTableRequest,
  RenameTableRequest,
  TableRequirement,
  TableUpdate,
  UpdateNamespacePropertiesRequest,
  WireTableIdentifier,
} from './rest-wire.js';

/** Runs `fn` on request content; a spec reader's InvalidMetadataError becomes a 400 naming `what`. */
export function asBadRequest<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof InvalidMetadataError) throw badRequest(`invalid ${what}: ${err.message}`);
    throw err;
  }
}

/** Reads a request body with `read` (paths from the body's root). */
export function decodeBody<T>(body: unknown, read: JsonReader<T>, what: string): T {
  return asBadRequest(what, () => read(body, ''));
}

/** A long kept exact (a bigint only when it is not a safe integer). */
const readWireLong: JsonReader<JsonLong> = (v, p) => {
  const n = readLong(v, p);
  return Number.isSafeInteger(Number(n)) ? Number(n) : n;
};

const readNamespace: JsonReader<string[]> = listOf(readString);

export const readTableIdentifier: JsonReader<WireTableIdentifier> = (v, p) => {
  const o = readObject(v, p);
  return { namespace: required(o, 'namespace', p, readNamespace), name: required(o, 'name', p, readString) };
};

function withOptional<T extends object>(base: T, extras: Record<string, unknown>): T {
  for (const [k, v] of Object.entries(extras)) if (v !== undefined) (base as Record<string, unknown>)[k] = v;
  return base;
}

export const readCreateNamespaceRequest: JsonReader<CreateNamespaceRequest> = (v, p) => {
  const o = readObject(v, p);
  return withOptional({ namespace: required(o, 'namespace', p, readNamespace) }, { properties: optional(o, 'properties', p, readStringMap) });
};

export const readUpdateNamespacePropertiesRequest: JsonReader<UpdateNamespacePropertiesRequest> = (v, p) => {
  const o = readObject(v, p);
  return withOptional({}, { removals: optional(o, 'removals', p, listOf(readString)), updates: optional(o, 'updates', p, readStringMap) });
};

export const readCreateTableRequest: JsonReader<CreateTableRequest> = (v, p) => {
  const o = readObject(v, p);
  return withOptional(
    { name: required(o, 'name', p, readString), schema: required(o, 'schema', p, readObject) },
    {
      location: optional(o, 'location', p, readString),
      'partition-spec': optional(o, 'partition-spec', p, readObject),
      'write-order': optional(o, 'write-order', p, readObject),
      'stage-create': optional(o, 'stage-create', p, readBoolean),
      properties: optional(o, 'properties', p, readStringMap),
    },
  );
};

export const readRegisterTableRequest: JsonReader<RegisterTableRequest> = (v, p) => {
  const o = readObject(v, p);
  return withOptional(
    { name: required(o, 'name', p, readString), 'metadata-location': required(o, 'metadata-location', p, readString) },
    { overwrite: optional(o, 'overwrite', p, readBoolean) },
  );
};

export const readRenameTableRequest: JsonReader<RenameTableRequest> = (v, p) => {
  const o = readObject(v, p);
  return { source: required(o, 'source', p, readTableIdentifier), destination: required(o, 'destination', p, readTableIdentifier) };
};

const readRequirement: JsonReader<TableRequirement> = (v, p) => {
  const o = readObject(v, p);
  const type = required(o, 'type', p, readString);
  const int = (k: string) => required(o, k, p, readInt);
  switch (type) {
    case 'assert-create':
      return { type };
    case 'assert-table-uuid':
      return { type, uuid: required(o, 'uuid', p, readString) };
    case 'assert-ref-snapshot-id': {
      // Required but nullable: null means "the ref must not exist".
      const id = required(o, 'snapshot-id', p, (x, q) => (x === null ? null : readWireLong(x, q)));
      return { type, ref: required(o, 'ref', p, readString), 'snapshot-id': id };
    }
    case 'assert-last-assigned-field-id':
      return { type, 'last-assigned-field-id': int('last-assigned-field-id') };
    case 'assert-current-schema-id':
      return { type, 'current-schema-id': int('current-schema-id') };
    case 'assert-last-assigned-partition-id':
      return { type, 'last-assigned-partition-id': int('last-assigned-partition-id') };
    case 'assert-default-spec-id':
      return { type, 'default-spec-id': int('default-spec-id') };
    case 'assert-default-sort-order-id':
      return { type, 'default-sort-order-id': int('default-sort-order-id') };
    default:
      throw badRequest(`${jsonPath(p, 'type')}: unknown table requirement ${JSON.stringify(type)}`);
  }
};

/** Spec updates this server does not apply, with the reason given to the client. */
const REFUSED_UPDATES: Readonly<Record<string, string>> = {
  'remove-partition-specs': 'removing partition specs is not supported by this server',
  'remove-schemas': 'removing schemas is not supported by this server',
  'add-encryption-key': 'table encryption is not supported',
  'remove-encryption-key': 'table encryption is not supported',
  'add-view-version': 'views are not supported',
  'set-current-view-version': 'views are not supported',
};

const readUpdate: JsonReader<TableUpdate> = (v, p) => {
  const o = readObject(v, p);
  const action = required(o, 'action', p, readString);
  const int = (k: string) => required(o, k, p, readInt);
  const long = (k: string) => required(o, k, p, readWireLong);
  const obj = (k: string): JsonObject => required(o, k, p, readObject);
  switch (action) {
    case 'assign-uuid':
      return { action, uuid: required(o, 'uuid', p, readString) };
    case 'upgrade-format-version':
      return { action, 'format-version': int('format-version') };
    case 'add-schema':
      return withOptional({ action, schema: obj('schema') }, { 'last-column-id': optional(o, 'last-column-id', p, readInt) });
    case 'set-current-schema':
      return { action, 'schema-id': int('schema-id') };
    case 'add-spec':
      return { action, spec: obj('spec') };
    case 'set-default-spec':
      return { action, 'spec-id': int('spec-id') };
    case 'add-sort-order':
      return { action, 'sort-order': obj('sort-order') };
    case 'set-default-sort-order':
      return { action, 'sort-order-id': int('sort-order-id') };
    case 'add-snapshot':
      return { action, snapshot: obj('snapshot') };
    case 'set-snapshot-ref': {
      const type = required(o, 'type', p, readString).toLowerCase();
      if (type !== 'branch' && type !== 'tag') throw badRequest(`${jsonPath(p, 'type')}: expected "branch" or "tag", got ${JSON.stringify(type)}`);
      return withOptional(
        { action, 'ref-name': required(o, 'ref-name', p, readString), type, 'snapshot-id': long('snapshot-id') },
        {
          'max-ref-age-ms': optional(o, 'max-ref-age-ms', p, readWireLong),
          'max-snapshot-age-ms': optional(o, 'max-snapshot-age-ms', p, readWireLong),
          'min-snapshots-to-keep': optional(o, 'min-snapshots-to-keep', p, readInt),
        },
      );
    }
    case 'remove-snapshots':
      return { action, 'snapshot-ids': required(o, 'snapshot-ids', p, listOf(readWireLong)) };
    case 'remove-snapshot-ref':
      return { action, 'ref-name': required(o, 'ref-name', p, readString) };
    case 'set-location':
      return { action, location: required(o, 'location', p, readString) };
    case 'set-properties':
      return { action, updates: required(o, 'updates', p, readStringMap) };
    case 'remove-properties':
      return { action, removals: required(o, 'removals', p, listOf(readString)) };
    case 'set-statistics':
      return withOptional({ action, statistics: obj('statistics') }, { 'snapshot-id': optional(o, 'snapshot-id', p, readWireLong) });
    case 'remove-statistics':
      return { action, 'snapshot-id': long('snapshot-id') };
    case 'set-partition-statistics':
      return { action, 'partition-statistics': obj('partition-statistics') };
    case 'remove-partition-statistics':
      return { action, 'snapshot-id': long('snapshot-id') };
    default: {
      const reason = REFUSED_UPDATES[action];
      throw badRequest(`${jsonPath(p, 'action')}: ${reason ? `${action}: ${reason}` : `unknown table update ${JSON.stringify(action)}`}`, { action });
    }
  }
};

export const readCommitTableRequest: JsonReader<CommitTableRequest> = (v, p) => {
  const o = readObject(v, p);
  return withOptional(
    { requirements: required(o, 'requirements', p, listOf(readRequirement)), updates: required(o, 'updates', p, listOf(readUpdate)) },
    { identifier: optional(o, 'identifier', p, readTableIdentifier) },
  );
};

export const readCommitTransactionRequest: JsonReader<CommitTransactionRequest> = (v, p) => {
  const o = readObject(v, p);
  return { 'table-changes': required(o, 'table-changes', p, listOf(readCommitTableRequest)) };
};
