import type { Command } from 'commander';

/**
 * Examples shown at the end of each command's `--help`, by command path. One table (not one
 * call per command file) so a new command is one entry, and the CLI contract test can check
 * that every command has some.
 */
export const HELP_EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  icetide: [
    'icetide ingest examples/quickstart.yaml --once',
    'icetide table scan demo.orders --warehouse warehouse',
    'icetide ready demo.orders --warehouse warehouse --until 2026-11-23T10:00:00Z',
  ],
  init: [
    'MYSQL_PASSWORD=... icetide init mysql://cdc@db.internal:3306/shop --out pipeline.yaml',
    'icetide init mysql://cdc@127.0.0.1/shop --tables "orders|items" --partition-by-date created_at',
    'icetide init mysql://cdc@127.0.0.1/shop --check        # only check the binlog settings',
  ],
  ingest: [
    'icetide ingest pipeline.yaml --once            # load, catch up, commit, exit',
    'icetide ingest pipeline.yaml --metrics-port 9464',
  ],
  ready: [
    'icetide ready demo.orders --warehouse warehouse --until 2026-11-23T10:00:00Z',
    'icetide ready demo.orders --warehouse warehouse --partition created_at_day=2026-11-23 --wait --timeout 2h',
    'icetide ready ./warehouse/demo/orders --until 2026-11-23T10:00:00Z --json',
  ],
  table: [
    'icetide table describe demo.orders --warehouse warehouse',
    'icetide table scan ./warehouse/demo/orders --limit 10',
  ],
  'table describe': ['icetide table describe demo.orders --warehouse warehouse', 'icetide table describe ./warehouse/demo/orders --json'],
  'table snapshots': ['icetide table snapshots demo.orders --warehouse warehouse'],
  'table files': ['icetide table files demo.orders --warehouse warehouse --snapshot 1916084761853986166'],
  'table plan': ['icetide table plan ./warehouse/demo/orders --verify', 'icetide table plan demo.orders --warehouse warehouse --json'],
  'table scan': [
    'icetide table scan demo.orders --warehouse warehouse --where "status = shipped" --limit 20',
    'icetide table scan ./warehouse/demo/orders --columns id,amount --format csv > orders.csv',
  ],
  'table restore-metadata': [
    'icetide table restore-metadata demo.orders --warehouse warehouse          # dry run: what it would do',
    'icetide table restore-metadata ./warehouse/demo/orders --yes --to-version 7',
  ],
  catalog: ['icetide catalog migrate --warehouse ./warehouse --to postgresql://icetide@db:5432/lake --dry-run'],
  'catalog migrate': [
    'icetide catalog migrate --warehouse ./warehouse --to sqlite:./catalog.db --dry-run',
    'icetide catalog migrate --warehouse ./warehouse --to postgresql://icetide@db:5432/lake --name lake',
  ],
  'catalog serve': [
    'icetide catalog serve --catalog rest-catalog.yaml --port 8181',
    'icetide catalog serve --catalog rest-catalog.yaml --port 8181 --host 0.0.0.0   # reachable from other machines',
  ],
  'table count': ['icetide table count demo.orders --warehouse warehouse --where "amount > 100"'],
  compact: [
    'icetide compact demo.orders --warehouse warehouse --dry-run',
    'icetide compact ./warehouse/demo/orders --target-file-size 128m',
    'icetide compact demo.orders --warehouse warehouse --minor',
  ],
  expire: ['icetide expire demo.orders --warehouse warehouse --older-than 5d --retain-last 10 --dry-run'],
  'remove-orphans': [
    'icetide remove-orphans demo.orders --warehouse warehouse              # list only (dry run)',
    'icetide remove-orphans demo.orders --warehouse warehouse --older-than 3d --delete',
  ],
  'rewrite-manifests': ['icetide rewrite-manifests demo.orders --warehouse warehouse --target-size-bytes 8388608'],
  manager: [
    'icetide manager --config examples/manager.yaml',
    'curl -s localhost:8181/v1/tables/demo.orders/readiness?until=2026-11-23T10:00:00Z',
  ],
  'manager status': ['icetide manager status --config examples/manager.yaml', 'icetide manager status --config manager.yaml --json'],
  'manager runs': ['icetide manager runs --config examples/manager.yaml --table demo.orders --limit 5'],
};

/** A command's path below the program: `table scan`; the program itself is `icetide`. */
export function commandPath(c: Command): string {
  const names: string[] = [];
  for (let x: Command | null = c; x?.parent; x = x.parent) names.unshift(x.name());
  return names.length === 0 ? c.name() : names.join(' ');
}

export function addHelpExamples(c: Command): void {
  const lines = HELP_EXAMPLES[commandPath(c)];
  if (lines) c.addHelpText('after', `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
}
