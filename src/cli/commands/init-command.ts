import fs from 'node:fs';
import { Command } from 'commander';
import { initPipeline, parseMySqlUrl, PASSWORD_ENV } from '../../../connectors/mysql/init-pipeline.js';
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
  readonly check?: boolean;
}

/**
 * `icetide init mysql://user@host:port/db`: writes a ready-to-run pipeline YAML from the
 * server's INFORMATION_SCHEMA and says which binlog settings to change (exit 1 until they are
 * right). The password comes from $MYSQL_PASSWORD when the URL has none, and is never printed
 * or written (the YAML reads it from $MYSQL_PASSWORD).
 */
export function initCommand(out: Output, setExit: (code: number) => void): Command {
  return new Command('init')
    .description('write a pipeline YAML for a MySQL/MariaDB database and check its binlog settings (exit 1: the server is not ready for CDC)')
    .argument('<URL>', `mysql://user@host:port/db (the password is read from $${PASSWORD_ENV})`)
    .option('--tables <regex>', 'only tables whose db.table (or name) matches')
    .option('--warehouse <dir>', 'Iceberg warehouse of the target tables', './warehouse')
    .option('--out <file>', 'where to write the pipeline YAML', 'pipeline.yaml')
    .option('--namespace <ns>', 'target namespace (default: the database name)')
    .option('--pipeline-id <id>', 'pipeline id (default: mysql-<db>)')
    .option('--partition-by-date <column>', 'partition tables having this DATE/DATETIME/TIMESTAMP column by day(column)')
    .option('--force', 'overwrite --out if it exists')
    .option('--check', 'only check the server and its binlog settings; write nothing')
    .action(async (url: string, o: InitOpts) => {
      parseMySqlUrl(url); // a wrong URL is named before anything about the output file
      if (!o.check && fs.existsSync(o.out) && !o.force) throw new ValidationError(`${o.out} exists: use --force to overwrite it, or --out another file`);
      const envPassword = process.env[PASSWORD_ENV];
      const r = await initPipeline({
        url,
        ...(envPassword ? { password: envPassword } : {}),
        warehouse: o.warehouse,
        ...(o.tables !== undefined ? { tables: o.tables } : {}),
        ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
        ...(o.pipelineId !== undefined ? { pipelineId: o.pipelineId } : {}),
        ...(o.partitionByDate !== undefined ? { partitionByDate: o.partitionByDate } : {}),
      });
      if (o.check) out.out(`${r.tables.length} table(s) on ${r.serverVersion}\n`);
      else {
        fs.writeFileSync(o.out, r.yaml);
        out.out(`wrote ${o.out}: ${r.tables.length} table(s) from ${r.serverVersion}\n`);
      }
      for (const t of r.tables) out.out(`  ${t.name}: ${t.mode === 'upsert' ? 'upsert (v2, primary key)' : 'append (v1, no primary key)'}${t.partitioned ? ', partitioned by day' : ''}\n`);
      if (r.passwordEnv && !o.check) out.out(`the password is not written to the file: export ${r.passwordEnv}=... before icetide ingest ${o.out}\n`);
      if (r.problems.length > 0) {
        out.err(`the server is not ready for CDC yet:\n${r.problems.map((p) => `  - ${p}`).join('\n')}\n`);
        setExit(1);
      } else {
        out.out(o.check ? 'binlog settings ok\n' : `binlog settings ok; run: icetide ingest ${o.out}\n`);
      }
    });
}
