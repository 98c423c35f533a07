import { describe, expect, it } from 'vitest';
import { parseManagerConfig, ManagerConfigError } from '../../manager/daemon/config-loader.js';
import { globToRegex, inWindow, jobsForTable } from '../../manager/daemon/config.js';

const parse = (yaml: string, env: Record<string, string> = {}) => parseManagerConfig(yaml, 'manager.yaml', env, '/etc/icetide');

function issues(yaml: string): string[] {
  try {
    parse(yaml);
  } catch (err) {
    if (err instanceof ManagerConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`).sort();
    throw err;
  }
  throw new Error('expected the config to be rejected');
}

describe('manager.yaml', () => {
  it('reads every key, with defaults and relative paths resolved against the file', () => {
    const c = parse(`
warehouse: ./wh
http: { host: 0.0.0.0, port: 9000 }
auth: { token: abc }
scheduler: { max-concurrent-jobs: 3, poll-interval: 5s, default-interval: 2h, respect-writer-cadence: false }
policies:
  - tables: [db.orders, "events.*"]
    interval: 30m
    windows: ["22:00-04:00"]
    jobs:
      expire: { interval: 6h, options: { older-than: 5d, retain-last: 10 } }
      compact: { when: { min-data-files: 100, min-delete-files: 1 } }
  - tables: "**"
    jobs:
      expire:
      remove-orphans: { options: { older-than: 3d } }
`);
    expect(c.warehouse).toBe('/etc/icetide/wh');
    expect(c.state).toEqual({ type: 'sqlite', path: '/etc/icetide/wh/_icetide/manager.db' });
    expect(c.http).toEqual({ host: '0.0.0.0', port: 9000 });
    expect(c.authToken).toBe('abc');
    expect(c.scheduler).toEqual({ maxConcurrentJobs: 3, pollIntervalMs: 5000, respectWriterCadence: false });
    const orders = jobsForTable(c.policies, 'db.orders');
    expect(orders.map((j) => [j.job, j.intervalMs, j.policyIndex])).toEqual([['expire', 6 * 3_600_000, 0], ['compact', 1_800_000, 0], ['remove-orphans', 7_200_000, 1]]);
    expect(orders[0]!.options).toEqual({ 'older-than': '5d', 'retain-last': 10 });
    expect(orders[1]!.thresholds).toEqual({ minDataFiles: 100, minDeleteFiles: 1 });
    expect(orders[1]!.windows.map((w) => w.text)).toEqual(['22:00-04:00']);
    expect(jobsForTable(c.policies, 'other.t').map((j) => j.job)).toEqual(['expire', 'remove-orphans']);
  });

  it('defaults: localhost:8181, 2 jobs at once, token from ICETIDE_MANAGER_TOKEN', () => {
    const c = parse('warehouse: /wh', { ICETIDE_MANAGER_TOKEN: 'from-env' });
    expect(c.http).toEqual({ host: '127.0.0.1', port: 8181 });
    expect(c.scheduler.maxConcurrentJobs).toBe(2);
    expect(c.authToken).toBe('from-env');
    expect(parse('warehouse: /wh').authToken).toBeUndefined();
    expect(parse('warehouse: /wh\nauth: { token: "${T}" }', { T: 'sub' }).authToken).toBe('sub');
  });

  it('reports every problem with its key path: unknown keys, bad durations, windows, jobs', () => {
    expect(issues(`
warehouse: /wh
htp: {}
scheduler: { max-concurrent-jobs: 0, poll-interval: 10 minutes }
policies:
  - tables: db.*
    windows: ["25:00-02:00"]
    jobs:
      expire: { intervall: 1h }
      vacuum: {}
`)).toEqual([
      'htp: unknown key (expected one of: warehouse, catalog, http, auth, state, scheduler, policies)',
      'policies[0].jobs.expire.intervall: unknown key (expected one of: interval, windows, when, options)',
      'policies[0].jobs.vacuum: unknown key (expected one of: compact, compact-minor, expire, remove-orphans, rewrite-manifests)',
      'policies[0].windows[0]: expected a UTC time window HH:MM-HH:MM, e.g. 01:00-05:00, got "25:00-02:00"',
      'scheduler.max-concurrent-jobs: expected a number > 0, got 0',
      'scheduler.poll-interval: expected a duration like 500ms, 30s, 30m, 2h or 5d, got "10 minutes"',
    ]);
    expect(issues('http: { port: 8181 }')).toEqual(['warehouse: missing required key (expected string)']);
    expect(issues('')[0]).toMatch(/empty/);
  });

  it('state: SQLite by default and as before (`state.path`), or PostgreSQL by url with ${ENV} and a default schema', () => {
    expect(parse('warehouse: ./wh\nstate: { path: run/m.db }').state).toEqual({ type: 'sqlite', path: '/etc/icetide/run/m.db' });
    expect(parse('warehouse: ./wh\nstate: { path: ":memory:" }').state).toEqual({ type: 'sqlite', path: ':memory:' });
    expect(parse('warehouse: ./wh\nstate: { type: sqlite }').state).toEqual({ type: 'sqlite', path: '/etc/icetide/wh/_icetide/manager.db' });
    const pg = parse('warehouse: /wh\nstate:\n  type: postgres\n  url: postgres://icetide:${PGPASS}@db.internal:5432/ops\n', { PGPASS: 's3cret' });
    expect(pg.state).toEqual({ type: 'postgres', url: 'postgres://icetide:s3cret@db.internal:5432/ops', schema: 'icetide' });
    expect(parse('warehouse: /wh\nstate: { type: postgres, url: "postgresql://u@h/db", schema: manager_2 }').state).toEqual({ type: 'postgres', url: 'postgresql://u@h/db', schema: 'manager_2' });
  });

  it('state: every mix-up is reported at its key, and a bad URL is shown without its password', () => {
    expect(issues('warehouse: /wh\nstate: { type: postgres }')).toEqual(['state.url: missing required key (expected a postgres://user@host:5432/db URL when state.type is postgres)']);
    expect(issues('warehouse: /wh\nstate: { type: postgres, url: "mysql://u:hunter2@h/db", path: x.db }')).toEqual([
      'state.path: only for state.type sqlite (PostgreSQL is chosen by url)',
      'state.url: expected a postgres://user@host:5432/db URL, got "mysql://u:***@h/db"',
    ]);
    expect(issues('warehouse: /wh\nstate: { url: "postgres://h/db", schema: ops }')).toEqual([
      'state.schema: only for state.type postgres (add `type: postgres`)',
      'state.url: only for state.type postgres (add `type: postgres`)',
    ]);
    expect(issues('warehouse: /wh\nstate: { type: mysql }')).toEqual(['state.type: expected one of: sqlite, postgres, got "mysql"']);
    expect(issues('warehouse: /wh\nstate: { type: postgres, url: "postgres://h/db", schema: Ops-1, user: x }')).toEqual([
      'state.schema: expected a lower-case PostgreSQL name ([a-z_][a-z0-9_]*, at most 63 characters), got "Ops-1"',
      'state.user: unknown key (expected one of: type, path, url, schema)',
    ]);
    expect(issues('warehouse: /wh\nstate: { type: postgres, url: "postgres://u:${NOPE}@h/db" }')).toEqual(['state.url: environment variable NOPE is not set']);
  });

  it('globs: * within a name part, ** across dots; windows wrap midnight', () => {
    expect(globToRegex('db.*').test('db.orders')).toBe(true);
    expect(globToRegex('db.*').test('db.x.orders')).toBe(false);
    expect(globToRegex('**').test('db.x.orders')).toBe(true);
    expect(globToRegex('db.ord?rs').test('db.orders')).toBe(true);
    const w = { text: '22:00-04:00', startMin: 22 * 60, endMin: 4 * 60 };
    expect(inWindow(w, Date.parse('2026-11-23T23:30:00Z'))).toBe(true);
    expect(inWindow(w, Date.parse('2026-11-23T03:59:00Z'))).toBe(true);
    expect(inWindow(w, Date.parse('2026-11-23T12:00:00Z'))).toBe(false);
  });
});
