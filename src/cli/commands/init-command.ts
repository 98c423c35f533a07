import fs from 'node:fs';
import { Command } from 'commander';
import { initPipeline } from '../../../connectors/mysql/init-pipeline.js';
import { ValidationError } from '../../errors.js';
import type { Output } from '../output.js';

interface InitOpts {
  readonly tables?: string;
  readonly warehouse: string;
  readonly out: string;
  readonly namespace?: string;
  readonly pipelineId?: string;
  readonly partitionByDate?: string;
  readonly force?: boolean;
}

/**
 * `icetide init mysql://user:pass@host:port/db`: writes a ready-to-run pipeline YAML from the
 * server's INFORMATION_SCHEMA and says which binlog settings to change. Never prints the
 * password (the YAML reads it from $MYSQL_PASSWORD).
 */
export function initCommand(out: Output): Command {
  return new Command('init')
    .description('write a pipeline YAML for a MySQL/MariaDB database and check its binlog settings')
    .argument('<URL>', 'mysql://user:password@host:port/db')
    .option('--tables <regex>', 'only tables whose db.table (or name) matches')
    .option('--warehouse <dir>', 'Iceberg warehouse of the target tables', './warehouse')
    .option('--out <file>', 'where to write the pipeline YAML', 'pipeline.yaml')
    .option('--namespace <ns>', 'target namespace (default: the database name)')
    .option('--pipeline-id <id>', 'pipeline id (default: mysql-<db>)')
    .option('--partition-by-date <column>', 'partition tables having this DATE/DATETIME/TIMESTAMP column by day(column)')
    .option('--force', 'overwrite --out if it exists')
    .action(async (url: string, o: InitOpts) => {
      if (fs.existsSync(o.out) && !o.force) throw new ValidationError(`${o.out} exists: use --force to overwrite it, or --out another file`);
      const r = await initPipeline({
        url,
        warehouse: o.warehouse,
        ...(o.tables !== undefined ? { tables: o.tables } : {}),
        ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
        ...(o.pipelineId !== undefined ? { pipelineId: o.pipelineId } : {}),
        ...(o.partitionByDate !== undefined ? { partitionByDate: o.partitionByDate } : {}),
      });
      fs.writeFileSync(o.out, r.yaml);
      out.out(`wrote ${o.out}: ${r.tables.length} table(s) from ${r.serverVersion}\n`);
      for (const t of r.tables) out.out(`  ${t.name}: ${t.mode === 'upsert' ? 'upsert (v2, primary key)' : 'append (v1, no primary key)'}${t.partitioned ? ', partitioned by day' : ''}\n`);
      if (r.passwordEnv) out.out(`the password is not written to the file: export ${r.passwordEnv}=... before icetide ingest ${o.out}\n`);
      if (r.problems.length > 0) {
        out.err(`the server is not ready for CDC yet:\n${r.problems.map((p) => `  - ${p}`).join('\n')}\n`);
      } else {
        out.out(`binlog settings ok; run: icetide ingest ${o.out}\n`);
      }
    });
}
