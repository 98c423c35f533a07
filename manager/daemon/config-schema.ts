/**
 * The zod schema of `manager.yaml`. Objects are strict (an unknown key is an error naming its
 * key path); durations are strings like `30s`, `1h`, `5d`; windows are `HH:MM-HH:MM` in UTC.
 */
import { z } from 'zod';
import { DURATION_RE } from '../../src/duration.js';
import { JOB_NAMES } from '../jobs.js';
import { redactUrl } from '../../src/logging/redaction.js';
import { POSTGRES_URL_RE, SCHEMA_NAME_RE, STATE_STORE_TYPES } from '../state/state-store-config.js';
import { storageConfigSchema } from '../../src/io/storage-config-schema.js';
import { restCatalogConfigSchema } from '../../src/catalog/rest/rest-catalog-config-schema.js';

function strict<S extends z.ZodRawShape>(shape: S) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown key (expected one of: ${allowed})` : undefined),
  });
}

export const WINDOW_RE = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/;

const duration = z.string().regex(DURATION_RE, { error: 'expected a duration like 500ms, 30s, 30m, 2h or 5d' });
const window = z.string().regex(WINDOW_RE, { error: 'expected a UTC time window HH:MM-HH:MM, e.g. 01:00-05:00' });
const nonNegInt = z.number().int().nonnegative();

/** When a job is worth running: it runs when ANY given threshold is reached (none given: always). */
const thresholds = strict({
  'min-snapshots': nonNegInt.optional(),
  'min-data-files': nonNegInt.optional(),
  'min-delete-files': nonNegInt.optional(),
  'min-files': nonNegInt.optional(),
});

const jobPolicy = strict({
  interval: duration.optional(),
  windows: z.array(window).optional(),
  when: thresholds.optional(),
  /** Passed to the job as is (its own options: older-than, retain-last, target-file-size...). */
  options: z.record(z.string(), z.unknown()).optional(),
});

const jobNames = Object.fromEntries(JOB_NAMES.map((n) => [n, jobPolicy.nullable().optional()])) as {
  [K in (typeof JOB_NAMES)[number]]: z.ZodOptional<z.ZodNullable<typeof jobPolicy>>;
};

const policy = strict({
  /** Exact `ns.table` names or globs (`*` within a name part, `**` across dots), one or a list. */
  tables: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], { error: 'expected a table name/glob or a list of them' }),
  interval: duration.optional(),
  windows: z.array(window).optional(),
  jobs: strict(jobNames),
});

/**
 * `state`: `{ path }` (SQLite, as before), `{ type: sqlite, path }` or
 * `{ type: postgres, url, schema }`. Keys of the other type are errors rather than ignored,
 * so a half-edited section cannot silently fall back to SQLite.
 */
const stateStore = strict({
  type: z.enum(STATE_STORE_TYPES, { error: (iss) => `expected one of: ${STATE_STORE_TYPES.join(', ')}, got ${JSON.stringify(iss.input)}` }).optional(),
  path: z.string().min(1).optional(),
  url: z.string().min(1).optional(),
  schema: z.string().regex(SCHEMA_NAME_RE, { error: 'expected a lower-case PostgreSQL name ([a-z_][a-z0-9_]*, at most 63 characters)' }).optional(),
}).superRefine((s, ctx) => {
  const add = (key: string, message: string) => ctx.addIssue({ code: 'custom', path: [key], message, input: undefined });
  if (s.type === 'postgres') {
    if (s.url === undefined) add('url', 'missing required key (expected a postgres://user@host:5432/db URL when state.type is postgres)');
    // redacted: the URL may carry a password, and config errors are printed
    else if (!POSTGRES_URL_RE.test(s.url)) add('url', `expected a postgres://user@host:5432/db URL, got ${JSON.stringify(redactUrl(s.url))}`);
    if (s.path !== undefined) add('path', 'only for state.type sqlite (PostgreSQL is chosen by url)');
  } else {
    if (s.url !== undefined) add('url', 'only for state.type postgres (add `type: postgres`)');
    if (s.schema !== undefined) add('schema', 'only for state.type postgres (add `type: postgres`)');
  }
});

/** The tables' catalog: the warehouse directory (default), a JdbcCatalog-compatible SQL database, or a REST catalog. */
const catalogSchema = z.union([
  z.literal('filesystem'),
  strict({ type: z.literal('sql'), uri: z.string().min(1), name: z.string().min(1).max(255).default('icetide') }),
  restCatalogConfigSchema,
]);

export const managerConfigSchema = strict({
  warehouse: z.string().min(1),
  catalog: catalogSchema.default('filesystem'),
  storage: storageConfigSchema.optional(),
  http: strict({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8181),
  }).default({ host: '127.0.0.1', port: 8181 }),
  auth: strict({ token: z.string().min(1).optional() }).default({}),
  state: stateStore.default({}),
  scheduler: strict({
    'max-concurrent-jobs': z.number().int().positive().default(2),
    'poll-interval': duration.default('10s'),
    'default-interval': duration.default('1h'),
    'respect-writer-cadence': z.boolean().default(true),
  }).default({ 'max-concurrent-jobs': 2, 'poll-interval': '10s', 'default-interval': '1h', 'respect-writer-cadence': true }),
  policies: z.array(policy).default([]),
});

export type RawManagerConfig = z.output<typeof managerConfigSchema>;
export type RawPolicy = z.output<typeof policy>;
export type RawJobPolicy = z.output<typeof jobPolicy>;
