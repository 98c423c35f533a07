import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { encodeMetadata } from '../../src/catalog/metadata-file.js';
import type { FileIO } from '../../src/io/file-io.js';
import { joinLocation } from '../../src/io/location.js';
import { newTableMetadata } from '../../src/iceberg/metadata-updates.js';
import { parseJson, stringifyJson, type JsonObject, type JsonValue } from '../../src/iceberg/spec/lossless-json.js';
import { partitionSpecFromJson, schemaFromJson, sortOrderFromJson } from '../../src/iceberg/spec/schema-json.js';
import { tableMetadataFromJson, tableMetadataToJson } from '../../src/iceberg/spec/table-metadata-parser.js';
import type { TableMetadata } from '../../src/iceberg/spec/table-metadata.js';

/** One fault for the next commit: answer `status` after applying it (`applied`) or without. */
export interface CommitFault {
  readonly status?: number;
  readonly applied: boolean;
  /** Break the connection instead of answering. */
  readonly dropConnection?: boolean;
}

export interface RestStubOptions {
  /** Where metadata files are written (the tables' storage). */
  readonly io: FileIO;
  /** Root of new tables: `<warehouse>/<ns>/<table>`. */
  readonly warehouse: string;
  readonly prefix?: string;
  /** A static bearer token every request must carry. */
  readonly token?: string;
  /** OAuth2 client credentials the token endpoint accepts, and how long its tokens live. */
  readonly oauth?: { readonly clientId: string; readonly clientSecret: string; readonly ttlSeconds: number };
  /** List responses hold at most this many items, with next-page-token. */
  readonly pageSize?: number;
  /** The `config` of a LoadTableResult when the client asks for vended-credentials. */
  readonly vendedConfig?: Readonly<Record<string, string>>;
  readonly defaults?: Readonly<Record<string, string>>;
  readonly overrides?: Readonly<Record<string, string>>;
}

interface StubTable {
  metadata: TableMetadata;
  metadataLocation: string;
  version: number;
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  readonly accessDelegation: string | undefined;
  readonly body: JsonValue | undefined;
}

const SEP = '\u001f';
const key = (parts: readonly string[]) => parts.join(SEP);

class RestFailure extends Error {
  constructor(readonly status: number, readonly type: string, message: string) {
    super(message);
  }
}

/**
 * A small Iceberg REST catalog for tests, answering like the spec's examples: namespaces and
 * tables in memory, metadata files written through `io`, commits that check requirements and
 * apply updates (409 CommitFailedException on a failed requirement), OAuth2 client-credentials
 * tokens that expire, and faults to inject (5xx after/without applying, a broken connection).
 */
export class RestCatalogStub {
  readonly namespaces = new Map<string, { namespace: string[]; properties: Record<string, string> }>();
  readonly tables = new Map<string, StubTable>();
  readonly requests: RecordedRequest[] = [];
  readonly commitFaults: CommitFault[] = [];
  /** Runs before a commit is applied (to interleave another writer). */
  beforeCommit: ((table: string) => Promise<void>) | undefined;
  tokensIssued = 0;
  /** Commits refused with 409 (a requirement failed). */
  conflicts = 0;
  readonly purged: string[] = [];
  private readonly issued = new Map<string, number>();
  private readonly app = Fastify();
  uri = '';

  constructor(readonly o: RestStubOptions) {
    this.app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
      try {
        done(null, (body as string).length ? parseJson(body as string) : undefined);
      } catch (err) {
        done(err as Error, undefined);
      }
    });
    this.app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));
    this.app.addHook('onRequest', async (req, reply) => {
      this.requests.push({
        method: req.method,
        url: req.url,
        authorization: req.headers.authorization,
        accessDelegation: req.headers['x-iceberg-access-delegation'] as string | undefined,
        body: undefined,
      });
      if (req.url.startsWith('/v1/oauth/tokens')) return;
      const problem = this.authProblem(req.headers.authorization);
      if (problem) await send(reply, 401, { error: { message: problem, type: 'NotAuthorizedException', code: 401 } });
    });
    this.app.addHook('preHandler', async (req) => {
      const last = this.requests[this.requests.length - 1];
      if (last) this.requests[this.requests.length - 1] = { ...last, body: req.body as JsonValue | undefined };
    });
    this.routes();
  }

  async start(): Promise<this> {
    await this.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = this.app.server.address();
    this.uri = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    return this;
  }

  async stop(): Promise<void> {
    await this.app.close();
  }

  /** Every issued token expires now (the next request with one gets 401). */
  expireTokens(): void {
    for (const t of this.issued.keys()) this.issued.set(t, 0);
  }

  table(ns: readonly string[], name: string): StubTable | undefined {
    return this.tables.get(key([...ns, name]));
  }

  private authProblem(header: string | undefined): string | undefined {
    if (this.o.token !== undefined) return header === `Bearer ${this.o.token}` ? undefined : 'missing or wrong bearer token';
    if (!this.o.oauth) return undefined;
    const token = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    const expires = token === undefined ? undefined : this.issued.get(token);
    if (expires === undefined) return 'unknown token';
    if (Date.now() >= expires) return 'token expired';
    return undefined;
  }

  private base(): string {
    return this.o.prefix ? `/v1/${this.o.prefix}` : '/v1';
  }

  private routes(): void {
    const b = this.base();
    const handle = (fn: (req: FastifyRequest) => Promise<[number, JsonValue | undefined]>) => async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        const [status, body] = await fn(req);
        await send(reply, status, body);
      } catch (err) {
        if (err instanceof RestFailure) await send(reply, err.status, { error: { message: err.message, type: err.type, code: err.status } });
        else await send(reply, 500, { error: { message: (err as Error).message, type: 'ServerError', code: 500 } });
      }
    };
    this.app.post('/v1/oauth/tokens', async (req, reply) => {
      const form = req.body as Record<string, string>;
      const oauth = this.o.oauth;
      if (!oauth || form['grant_type'] !== 'client_credentials' || form['client_id'] !== oauth.clientId || form['client_secret'] !== oauth.clientSecret) {
        await send(reply, 401, { error: 'invalid_client', error_description: 'unknown client or wrong secret' });
        return;
      }
      const token = `tok-${randomUUID()}`;
      this.issued.set(token, Date.now() + oauth.ttlSeconds * 1000);
      this.tokensIssued++;
      await send(reply, 200, { access_token: token, token_type: 'bearer', expires_in: oauth.ttlSeconds, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', scope: form['scope'] ?? '' });
    });
    this.app.get('/v1/config', handle(async () => [200, { defaults: { ...(this.o.defaults ?? {}) }, overrides: { ...(this.o.overrides ?? {}), ...(this.o.prefix ? { prefix: this.o.prefix } : {}) } }]));
    this.app.get(`${b}/namespaces`, handle(async (req) => {
      const q = req.query as Record<string, string>;
      const parent = q['parent'] ? q['parent'].split(SEP) : [];
      const children = new Map<string, string[]>();
      for (const { namespace } of this.namespaces.values()) {
        if (namespace.length <= parent.length || parent.some((p, i) => namespace[i] !== p)) continue;
        const child = namespace.slice(0, parent.length + 1);
        children.set(key(child), child);
      }
      const all = [...children.keys()].sort().map((k) => children.get(k)!);
      const { items, next } = this.page(all, q['pageToken']);
      return [200, { namespaces: items, ...(next ? { 'next-page-token': next } : {}) }];
    }));
    this.app.post(`${b}/namespaces`, handle(async (req) => {
      const body = req.body as JsonObject;
      const namespace = body['namespace'] as string[];
      if (this.namespaces.has(key(namespace))) throw new RestFailure(409, 'AlreadyExistsException', `Namespace already exists: ${namespace.join('.')}`);
      const properties = { ...((body['properties'] as Record<string, string> | undefined) ?? {}) };
      this.namespaces.set(key(namespace), { namespace, properties });
      return [200, { namespace, properties }];
    }));
    this.app.get(`${b}/namespaces/:ns`, handle(async (req) => {
      const ns = this.ns(req);
      return [200, { namespace: ns.namespace, properties: ns.properties }];
    }));
    this.app.delete(`${b}/namespaces/:ns`, handle(async (req) => {
      const ns = this.ns(req);
      const k = key(ns.namespace);
      const busy = [...this.tables.keys()].some((t) => t.startsWith(k + SEP)) || [...this.namespaces.keys()].some((n) => n.startsWith(k + SEP));
      if (busy) throw new RestFailure(409, 'NamespaceNotEmptyException', `Namespace ${ns.namespace.join('.')} is not empty`);
      this.namespaces.delete(k);
      return [204, undefined];
    }));
    this.app.post(`${b}/namespaces/:ns/properties`, handle(async (req) => {
      const ns = this.ns(req);
      const body = req.body as JsonObject;
      const removals = (body['removals'] as string[] | undefined) ?? [];
      const updates = (body['updates'] as Record<string, string> | undefined) ?? {};
      const missing = removals.filter((r) => !(r in ns.properties));
      for (const r of removals) delete ns.properties[r];
      Object.assign(ns.properties, updates);
      return [200, { updated: Object.keys(updates), removed: removals.filter((r) => !missing.includes(r)), missing }];
    }));
    this.app.get(`${b}/namespaces/:ns/tables`, handle(async (req) => {
      const ns = this.ns(req);
      const names = [...this.tables.keys()].filter((t) => t.startsWith(key(ns.namespace) + SEP) && t.split(SEP).length === ns.namespace.length + 1).map((t) => t.split(SEP).pop()!).sort();
      const { items, next } = this.page(names, (req.query as Record<string, string>)['pageToken']);
      return [200, { identifiers: items.map((name) => ({ namespace: ns.namespace, name })), ...(next ? { 'next-page-token': next } : {}) }];
    }));
    this.app.post(`${b}/namespaces/:ns/tables`, handle(async (req) => this.createTable(req)));
    this.app.post(`${b}/namespaces/:ns/register`, handle(async (req) => {
      const ns = this.ns(req);
      const body = req.body as JsonObject;
      const k = key([...ns.namespace, body['name'] as string]);
      if (this.tables.has(k)) throw new RestFailure(409, 'AlreadyExistsException', `Table already exists: ${k}`);
      const location = body['metadata-location'] as string;
      const metadata = tableMetadataFromJson(parseJson(new TextDecoder().decode(await this.o.io.read(location))), location);
      this.tables.set(k, { metadata, metadataLocation: location, version: 1 });
      return [200, this.loadResult(req, this.tables.get(k)!)];
    }));
    this.app.get(`${b}/namespaces/:ns/tables/:table`, handle(async (req) => [200, this.loadResult(req, this.tableOf(req))]));
    this.app.delete(`${b}/namespaces/:ns/tables/:table`, handle(async (req) => {
      this.tableOf(req);
      const k = this.tableKey(req);
      this.tables.delete(k);
      if ((req.query as Record<string, string>)['purgeRequested'] === 'true') this.purged.push(k);
      return [204, undefined];
    }));
    this.app.post(`${b}/tables/rename`, handle(async (req) => {
      const body = req.body as JsonObject;
      const src = body['source'] as JsonObject;
      const dst = body['destination'] as JsonObject;
      const from = key([...(src['namespace'] as string[]), src['name'] as string]);
      const to = key([...(dst['namespace'] as string[]), dst['name'] as string]);
      const t = this.tables.get(from);
      if (!t) throw new RestFailure(404, 'NoSuchTableException', `Table does not exist: ${from.split(SEP).join('.')}`);
      if (!this.namespaces.has(key(dst['namespace'] as string[]))) throw new RestFailure(404, 'NoSuchNamespaceException', `Namespace does not exist: ${(dst['namespace'] as string[]).join('.')}`);
      if (this.tables.has(to)) throw new RestFailure(409, 'AlreadyExistsException', `Table already exists: ${to.split(SEP).join('.')}`);
      this.tables.delete(from);
      this.tables.set(to, t);
      return [204, undefined];
    }));
    this.app.post(`${b}/namespaces/:ns/tables/:table`, async (req, reply) => {
      const fault = this.commitFaults.shift();
      try {
        await this.beforeCommit?.(this.tableKey(req));
        if (fault && !fault.applied) return await this.fail(reply, fault);
        const result = await this.commit(req);
        if (fault) return await this.fail(reply, fault);
        await send(reply, 200, result);
      } catch (err) {
        if (err instanceof RestFailure && err.status === 409) this.conflicts++;
        if (err instanceof RestFailure) await send(reply, err.status, { error: { message: err.message, type: err.type, code: err.status } });
        else await send(reply, 500, { error: { message: (err as Error).message, type: 'ServerError', code: 500 } });
      }
    });
  }

  private async fail(reply: FastifyReply, fault: CommitFault): Promise<void> {
    if (fault.dropConnection) {
      reply.hijack();
      reply.raw.socket?.destroy();
      return;
    }
    const status = fault.status ?? 503;
    await send(reply, status, { error: { message: 'the service is unavailable', type: 'CommitStateUnknownException', code: status } });
  }

  private page<T>(all: readonly T[], token: string | undefined): { items: T[]; next: string | undefined } {
    const size = this.o.pageSize;
    if (!size) return { items: [...all], next: undefined };
    const start = token ? Number(token) : 0;
    const items = all.slice(start, start + size);
    return { items, next: start + size < all.length ? String(start + size) : undefined };
  }

  private nsParts(req: FastifyRequest): string[] {
    const raw = (req.params as Record<string, string>)['ns']!;
    return (raw.includes('%') ? decodeURIComponent(raw) : raw).split(SEP);
  }

  private ns(req: FastifyRequest): { namespace: string[]; properties: Record<string, string> } {
    const parts = this.nsParts(req);
    const ns = this.namespaces.get(key(parts));
    if (!ns) throw new RestFailure(404, 'NoSuchNamespaceException', `Namespace does not exist: ${parts.join('.')}`);
    return ns;
  }

  private tableKey(req: FastifyRequest): string {
    return key([...this.nsParts(req), (req.params as Record<string, string>)['table']!]);
  }

  private tableOf(req: FastifyRequest): StubTable {
    this.ns(req);
    const t = this.tables.get(this.tableKey(req));
    if (!t) throw new RestFailure(404, 'NoSuchTableException', `Table does not exist: ${this.tableKey(req).split(SEP).join('.')}`);
    return t;
  }

  private loadResult(req: FastifyRequest, t: StubTable): JsonObject {
    const vended = this.o.vendedConfig && String(req.headers['x-iceberg-access-delegation'] ?? '').includes('vended-credentials');
    return { 'metadata-location': t.metadataLocation, metadata: tableMetadataToJson(t.metadata), config: vended ? { ...this.o.vendedConfig } : {} };
  }

  private async createTable(req: FastifyRequest): Promise<[number, JsonValue]> {
    const ns = this.ns(req);
    const body = req.body as JsonObject;
    const name = body['name'] as string;
    const k = key([...ns.namespace, name]);
    if (this.tables.has(k)) throw new RestFailure(409, 'AlreadyExistsException', `Table already exists: ${[...ns.namespace, name].join('.')}`);
    const properties = { ...((body['properties'] as Record<string, string> | undefined) ?? {}) };
    const formatVersion = properties['format-version'] ? Number(properties['format-version']) : 2;
    delete properties['format-version'];
    const md = newTableMetadata({
      location: (body['location'] as string | undefined) ?? joinLocation(this.o.warehouse, ...ns.namespace, name),
      schema: schemaFromJson(body['schema'], 'schema'),
      ...(body['partition-spec'] ? { spec: partitionSpecFromJson(body['partition-spec'], 'partition-spec') } : {}),
      ...(body['write-order'] ? { sortOrder: sortOrderFromJson(body['write-order'], 'write-order') } : {}),
      properties,
      formatVersion: formatVersion as 1 | 2 | 3,
    });
    const t: StubTable = { metadata: md, metadataLocation: '', version: 0 };
    t.metadataLocation = await this.writeMetadata(t, md);
    this.tables.set(k, t);
    return [200, this.loadResult(req, t)];
  }

  private async writeMetadata(t: StubTable, md: TableMetadata): Promise<string> {
    const location = joinLocation(md.location, 'metadata', `${String(t.version).padStart(5, '0')}-${randomUUID()}.metadata.json`);
    await this.o.io.write(location, encodeMetadata(md));
    return location;
  }

  /** Commits are serialised: requirements are checked against the metadata they replace. */
  private commitQueue: Promise<unknown> = Promise.resolve();

  private commit(req: FastifyRequest): Promise<JsonObject> {
    const run = this.commitQueue.then(() => this.commitNow(req));
    this.commitQueue = run.catch(() => undefined);
    return run;
  }

  private async commitNow(req: FastifyRequest): Promise<JsonObject> {
    const t = this.tableOf(req);
    const body = req.body as JsonObject;
    for (const r of body['requirements'] as JsonObject[]) checkRequirement(t.metadata, r);
    const m = tableMetadataToJson(t.metadata);
    const state = { lastSchema: undefined as number | undefined, lastSpec: undefined as number | undefined, lastOrder: undefined as number | undefined };
    for (const u of body['updates'] as JsonObject[]) applyUpdate(m, u, state);
    m['last-updated-ms'] = Date.now();
    (m['metadata-log'] as JsonValue[]).push({ 'timestamp-ms': t.metadata.lastUpdatedMs, 'metadata-file': t.metadataLocation });
    const next = tableMetadataFromJson(m, 'commit');
    t.version++;
    t.metadataLocation = await this.writeMetadata(t, next);
    t.metadata = next;
    return { 'metadata-location': t.metadataLocation, metadata: tableMetadataToJson(next) };
  }
}

async function send(reply: FastifyReply, status: number, body: JsonValue | undefined): Promise<void> {
  reply.code(status);
  if (body === undefined) await reply.send();
  else await reply.type('application/json').send(stringifyJson(body));
}

const big = (v: JsonValue | undefined): bigint | null => (v === null || v === undefined ? null : BigInt(v as number | bigint));

function commitFailed(message: string): RestFailure {
  return new RestFailure(409, 'CommitFailedException', `Requirement failed: ${message}`);
}

function checkRequirement(md: TableMetadata, r: JsonObject): void {
  switch (r['type']) {
    case 'assert-create':
      throw commitFailed('table already exists');
    case 'assert-table-uuid':
      if (r['uuid'] !== md.tableUuid) throw commitFailed(`UUID does not match: expected ${md.tableUuid} != ${String(r['uuid'])}`);
      return;
    case 'assert-ref-snapshot-id': {
      const have = md.refs[r['ref'] as string]?.snapshotId ?? null;
      const want = big(r['snapshot-id']);
      if (have !== want) throw commitFailed(`branch ${String(r['ref'])} has changed: expected id ${want} != ${have}`);
      return;
    }
    case 'assert-current-schema-id':
      if (r['current-schema-id'] !== md.currentSchemaId) throw commitFailed(`current schema changed: expected id ${String(r['current-schema-id'])} != ${md.currentSchemaId}`);
      return;
    case 'assert-last-assigned-field-id':
      if (r['last-assigned-field-id'] !== md.lastColumnId) throw commitFailed(`last assigned field id changed: expected ${String(r['last-assigned-field-id'])} != ${md.lastColumnId}`);
      return;
    case 'assert-default-spec-id':
      if (r['default-spec-id'] !== md.defaultSpecId) throw commitFailed('default partition spec changed');
      return;
    case 'assert-last-assigned-partition-id':
      if (r['last-assigned-partition-id'] !== md.lastPartitionId) throw commitFailed('last assigned partition id changed');
      return;
    case 'assert-default-sort-order-id':
      if (r['default-sort-order-id'] !== md.defaultSortOrderId) throw commitFailed('default sort order changed');
      return;
    default:
      throw new RestFailure(400, 'BadRequestException', `unknown requirement ${String(r['type'])}`);
  }
}

/** Applies one update to metadata JSON (spec "TableUpdate"); -1 ids mean "the one added last". */
function applyUpdate(m: JsonObject, u: JsonObject, last: { lastSchema: number | undefined; lastSpec: number | undefined; lastOrder: number | undefined }): void {
  const list = (k: string) => m[k] as JsonValue[];
  const ref = (v: number, added: number | undefined) => (v === -1 ? added! : v);
  switch (u['action']) {
    case 'upgrade-format-version':
      m['format-version'] = u['format-version']!;
      return;
    case 'add-schema': {
      const schema = schemaFromJson(u['schema'], 'schema');
      list('schemas').push(u['schema']!);
      m['last-column-id'] = Math.max(m['last-column-id'] as number, schema.highestFieldId);
      last.lastSchema = schema.schemaId;
      return;
    }
    case 'set-current-schema':
      m['current-schema-id'] = ref(u['schema-id'] as number, last.lastSchema);
      return;
    case 'add-spec': {
      const spec = partitionSpecFromJson(u['spec'], 'spec');
      list('partition-specs').push(u['spec']!);
      m['last-partition-id'] = spec.fields.reduce((n, f) => Math.max(n, f.fieldId), m['last-partition-id'] as number);
      last.lastSpec = spec.specId;
      return;
    }
    case 'set-default-spec':
      m['default-spec-id'] = ref(u['spec-id'] as number, last.lastSpec);
      return;
    case 'add-sort-order':
      list('sort-orders').push(u['sort-order']!);
      last.lastOrder = (u['sort-order'] as JsonObject)['order-id'] as number;
      return;
    case 'set-default-sort-order':
      m['default-sort-order-id'] = ref(u['sort-order-id'] as number, last.lastOrder);
      return;
    case 'add-snapshot': {
      const snap = u['snapshot'] as JsonObject;
      list('snapshots').push(snap);
      if (snap['sequence-number'] !== undefined) m['last-sequence-number'] = snap['sequence-number'];
      return;
    }
    case 'set-snapshot-ref': {
      const { action: _a, 'ref-name': name, ...r } = u;
      (m['refs'] as JsonObject)[name as string] = r;
      if (name === 'main') {
        m['current-snapshot-id'] = r['snapshot-id']!;
        list('snapshot-log').push({ 'timestamp-ms': Date.now(), 'snapshot-id': r['snapshot-id']! });
      }
      return;
    }
    case 'remove-snapshot-ref':
      delete (m['refs'] as JsonObject)[u['ref-name'] as string];
      if (u['ref-name'] === 'main') m['current-snapshot-id'] = -1;
      return;
    case 'remove-snapshots': {
      const gone = new Set((u['snapshot-ids'] as JsonValue[]).map((v) => big(v)));
      const keep = (e: JsonValue) => !gone.has(big((e as JsonObject)['snapshot-id']));
      for (const k of ['snapshots', 'snapshot-log', 'statistics', 'partition-statistics']) m[k] = list(k).filter(keep);
      return;
    }
    case 'set-location':
      m['location'] = u['location']!;
      return;
    case 'set-properties':
      Object.assign(m['properties'] as JsonObject, u['updates']);
      return;
    case 'remove-properties':
      for (const k of u['removals'] as string[]) delete (m['properties'] as JsonObject)[k];
      return;
    case 'set-statistics':
    case 'set-partition-statistics': {
      const k = u['action'] === 'set-statistics' ? 'statistics' : 'partition-statistics';
      const s = u[k] as JsonObject;
      m[k] = [...list(k).filter((e) => big((e as JsonObject)['snapshot-id']) !== big(s['snapshot-id'])), s];
      return;
    }
    case 'remove-statistics':
    case 'remove-partition-statistics': {
      const k = u['action'] === 'remove-statistics' ? 'statistics' : 'partition-statistics';
      m[k] = list(k).filter((e) => big((e as JsonObject)['snapshot-id']) !== big(u['snapshot-id']));
      return;
    }
    case 'remove-schemas': {
      const gone = new Set(u['schema-ids'] as number[]);
      m['schemas'] = list('schemas').filter((s) => !gone.has((s as JsonObject)['schema-id'] as number));
      return;
    }
    case 'remove-partition-specs': {
      const gone = new Set(u['spec-ids'] as number[]);
      m['partition-specs'] = list('partition-specs').filter((s) => !gone.has((s as JsonObject)['spec-id'] as number));
      return;
    }
    default:
      throw new RestFailure(400, 'BadRequestException', `unknown update ${String(u['action'])}`);
  }
}
