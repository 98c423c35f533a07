/**
 * The OpenAPI 3 description of the manager API, served at `/openapi.json`. Snapshot ids are
 * decimal strings (64-bit values a JSON number would round); times are ISO-8601 UTC.
 */
type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const nullable = (type: string, extra: Schema = {}): Schema => ({ type: [type, 'null'], ...extra });
const json = (schema: Schema, description: string): Schema => ({ description, content: { 'application/json': { schema } } });
const errors = (...codes: number[]): Schema => Object.fromEntries(codes.map((c) => [String(c), { $ref: `#/components/responses/E${c}` }]));
const tableParam = { name: 'table', in: 'path', required: true, description: 'namespace.table, e.g. db.orders', schema: { type: 'string' } };

const ERROR_TEXT: Record<number, string> = {
  400: 'bad input (a malformed time, duration or parameter)',
  401: 'a bearer token is required and was missing or wrong',
  404: 'no such table or route',
  409: 'the table has no watermark yet (the message says what is missing: no snapshot, no icetide pipeline commit, or a pipeline still loading or catching up)',
  500: 'internal error (storage failure, bug)',
  503: 'the run-history store (e.g. PostgreSQL) cannot be reached: retry later (Retry-After)',
};

export function openApiDocument(version: string): Schema {
  return {
    openapi: '3.1.0',
    info: { title: 'icetide manager API', version, description: 'Readiness, table health, pipelines and maintenance runs of an icetide warehouse. Snapshot ids are decimal strings.' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'only when auth.token / ICETIDE_MANAGER_TOKEN is set; browsers may pass ?access_token=' } },
      responses: Object.fromEntries(Object.entries(ERROR_TEXT).map(([c, d]) => [`E${c}`, json(ref('Error'), d)])),
      schemas: {
        Error: { type: 'object', required: ['error'], properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string', enum: ['bad_request', 'unauthorized', 'not_found', 'no_watermark', 'internal', 'unavailable'] }, message: { type: 'string' } } } } },
        TableSummary: {
          type: 'object',
          properties: {
            table: { type: 'string' }, ready: { type: 'boolean', description: 'only with ?until=' },
            watermark: nullable('string', { format: 'date-time' }), lagSeconds: nullable('number'),
            snapshotId: nullable('string', { description: 'current snapshot id (decimal string)' }), commitTime: nullable('string', { format: 'date-time' }),
            snapshots: { type: 'integer' }, dataFiles: { type: 'integer' }, deleteFiles: { type: 'integer' }, dataBytes: { type: 'integer' }, deleteBytes: { type: 'integer' }, records: { type: 'integer' },
          },
        },
        Readiness: {
          type: 'object',
          properties: { table: { type: 'string' }, ready: { type: 'boolean' }, until: { type: 'string', format: 'date-time' }, watermark: nullable('string', { format: 'date-time' }), lagSeconds: nullable('number'), snapshotId: nullable('string'), commitTime: nullable('string', { format: 'date-time' }) },
        },
        Partition: {
          type: 'object',
          properties: { partition: { type: 'string', description: 'name=value, e.g. ts_day=2026-11-23' }, ready: { type: 'boolean' }, end: { type: 'string', format: 'date-time' }, readyAt: { type: 'string', format: 'date-time', description: 'end + allowed lateness: ready once the watermark reaches it' }, dataFiles: { type: 'integer' }, records: { type: 'integer' } },
        },
        Pipeline: {
          type: 'object',
          properties: {
            pipelineId: { type: 'string' }, state: { type: 'string', enum: ['starting', 'snapshotting', 'streaming', 'stalled', 'failed', 'stopped'] }, updatedAt: { type: 'string', format: 'date-time' },
            host: { type: 'string' }, pid: { type: 'integer' }, source: { type: 'string' }, tables: { type: 'array', items: { type: 'string' } }, lagSeconds: nullable('number'), rowsPerSecond: { type: 'number' },
            events: { type: 'integer' }, commits: { type: 'integer' }, commitIntervalMs: { type: 'integer' }, lastCommitAt: nullable('string', { format: 'date-time' }), lastPosition: nullable('string'), lastError: nullable('string'),
          },
        },
        Run: {
          type: 'object',
          properties: {
            id: { type: 'integer' }, table: { type: 'string' }, job: { type: 'string' }, startedAtMs: { type: 'integer' }, endedAtMs: { type: 'integer' },
            result: { type: 'string', enum: ['running', 'succeeded', 'noop', 'failed', 'aborted'] }, filesIn: { type: 'integer' }, bytesIn: { type: 'integer' }, filesOut: { type: 'integer' }, bytesOut: { type: 'integer' }, summary: { type: 'string' }, error: { type: 'string' }, owner: { type: 'string' },
          },
        },
        JobStatus: {
          type: 'object',
          properties: { table: { type: 'string' }, job: nullable('string'), state: { type: 'string', enum: ['running', 'start', 'waiting', 'below-thresholds', 'unavailable', 'unmanaged', 'error'] }, reason: { type: 'string' }, runId: { type: 'integer' }, lastRun: ref('Run'), nextCheck: { type: 'string', format: 'date-time' } },
        },
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/healthz': { get: { summary: 'liveness (never needs a token)', security: [], responses: { 200: json({ type: 'object', properties: { status: { const: 'ok' } } }, 'alive') } } },
      '/': { get: { summary: 'status page (HTML, refreshes itself from the JSON API)', responses: { 200: { description: 'HTML page', content: { 'text/html': {} } }, ...errors(401) } } },
      '/openapi.json': { get: { summary: 'this document', responses: { 200: json({ type: 'object' }, 'OpenAPI 3 document'), ...errors(401) } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: { description: 'text exposition format', content: { 'text/plain': {} } }, ...errors(401) } } },
      '/v1/tables': {
        get: {
          summary: 'every table of the warehouse with watermark, lag, last commit and file counts',
          parameters: [{ name: 'until', in: 'query', required: false, description: 'ISO-8601 time with zone: adds `ready` per table', schema: { type: 'string' } }],
          responses: { 200: json({ type: 'object', properties: { tables: { type: 'array', items: ref('TableSummary') } } }, 'tables'), ...errors(400, 401) },
        },
      },
      '/v1/tables/{table}/readiness': {
        get: {
          summary: 'ready(table, until): every source change up to `until` is committed (same answer as `icetide ready`)',
          parameters: [tableParam, { name: 'until', in: 'query', required: true, description: 'ISO-8601 time with zone, e.g. 2026-11-23T10:00:00Z', schema: { type: 'string' } }],
          responses: { 200: json(ref('Readiness'), 'readiness'), ...errors(400, 401, 404, 409) },
        },
      },
      '/v1/tables/{table}/partitions': {
        get: {
          summary: 'time partitions of the live data files, each with its readiness (watermark >= end + allowed lateness)',
          parameters: [
            tableParam,
            { name: 'ready', in: 'query', required: false, description: 'true: only ready partitions, false: only not-ready ones', schema: { type: 'string', enum: ['true', 'false'] } },
            { name: 'allowed-lateness', in: 'query', required: false, description: 'duration (500ms, 30s, 10m, 2h, 1d); default 0s', schema: { type: 'string' } },
          ],
          responses: { 200: json({ type: 'object', properties: { table: { type: 'string' }, watermark: nullable('string'), allowedLatenessMs: { type: 'integer' }, partitions: { type: 'array', items: ref('Partition') } } }, 'partitions'), ...errors(400, 401, 404) },
        },
      },
      '/v1/pipelines': { get: { summary: 'pipelines from their status files (stalled: heartbeat older than max(3 commit intervals, 30 s))', responses: { 200: json({ type: 'object', properties: { pipelines: { type: 'array', items: ref('Pipeline') } } }, 'pipelines'), ...errors(401) } } },
      '/v1/runs': {
        get: {
          summary: 'recorded maintenance runs, newest first',
          parameters: [
            { name: 'table', in: 'query', required: false, schema: { type: 'string' } },
            { name: 'job', in: 'query', required: false, schema: { type: 'string' } },
            { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
          ],
          responses: { 200: json({ type: 'object', properties: { runs: { type: 'array', items: ref('Run') } } }, 'runs'), ...errors(400, 401, 503) },
        },
      },
      '/v1/status': { get: { summary: 'per table and job: running, or why not (thresholds, window, last failure, lock, slots, writer cadence)', responses: { 200: json({ type: 'object', properties: { jobs: { type: 'array', items: ref('JobStatus') }, running: { type: 'array', items: { type: 'object' } } } }, 'scheduler status'), ...errors(401) } } },
    },
  };
}
