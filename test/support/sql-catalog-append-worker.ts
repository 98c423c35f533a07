/**
 * One of several processes appending to one table through a SQL catalog (the concurrency
 * test): `tsx sql-catalog-append-worker.ts URI CATALOG WAREHOUSE WORKER COMMITS`. Each commit
 * is one real Parquet file of one row `id = WORKER * 1000 + i`, committed through the core's
 * retrying commit loop. Prints `done WORKER` when every commit succeeded.
 */
import { SqlCatalog } from '../../src/catalog/sql-catalog.js';
import { writeDataFile } from './data-files.js';

const [uri, name, warehouse, worker, commits] = process.argv.slice(2);
const catalog = new SqlCatalog({ uri: uri!, name: name!, warehouse: warehouse! });
try {
  for (let i = 0; i < Number(commits); i++) {
    const table = await catalog.loadTable({ namespace: ['db'], name: 'events' });
    const file = await writeDataFile(table, [{ id: BigInt(Number(worker) * 1000 + i) }]);
    await table.newAppend().appendFile(file).commit();
  }
  process.stdout.write(`done ${worker}\n`);
} finally {
  await catalog.close();
}
