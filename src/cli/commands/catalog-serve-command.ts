import type { Command } from 'commander';
import { openCatalog } from '../../catalog/open-catalog.js';
import { buildRestCatalogServer } from '../../catalog/rest-server/rest-catalog-server.js';
import { ValidationError } from '../../errors.js';
import { fileIOFor } from '../../io/file-io-registry.js';
import { loadCatalogServeConfig } from '../catalog-serve-config.js';
import type { Output } from '../output.js';

interface ServeOpts {
  readonly catalog?: string;
  readonly port: string;
  readonly host: string;
}

/** `icetide catalog serve --catalog CONFIG --port N [--host H]`: the REST catalog server until SIGTERM/SIGINT. */
export function addCatalogServeCommand(catalog: Command, out: Output): void {
  catalog
    .command('serve')
    .description('serve a filesystem or SQL catalog over the Iceberg REST catalog protocol (Spark, Trino, PyIceberg... read and write its tables); stops on SIGTERM')
    .option('--catalog <file>', 'catalog serve config (YAML: catalog, warehouse, storage, prefix, auth) (required)')
    .option('--port <n>', 'TCP port', '8181')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .action(async (o: ServeOpts) => {
      if (!o.catalog) throw new ValidationError('catalog serve needs --catalog CONFIG (e.g. icetide catalog serve --catalog rest-catalog.yaml --port 8181)');
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ValidationError(`--port takes 0..65535, got "${o.port}"`);
      const config = await loadCatalogServeConfig(o.catalog);
      const backing = openCatalog(config.catalog, config.warehouse, { io: fileIOFor(config.warehouse, config.storage) });
      const app = await buildRestCatalogServer({ catalog: backing, auth: config.auth, defaults: { warehouse: config.warehouse }, ...(config.prefix ? { prefix: config.prefix } : {}) });
      try {
        const url = await app.listen({ port, host: o.host });
        out.out(`icetide REST catalog listening on ${url}/v1${config.prefix ? `/${config.prefix}` : ''} (${config.catalog === 'filesystem' ? 'filesystem' : `sql ${config.catalog.name}`} catalog, warehouse ${config.warehouse})`);
        await new Promise<void>((resolve) => {
          const onSignal = () => {
            process.off('SIGINT', onSignal);
            process.off('SIGTERM', onSignal);
            resolve();
          };
          process.on('SIGINT', onSignal);
          process.on('SIGTERM', onSignal);
        });
      } finally {
        await app.close();
        await backing.close?.();
      }
    });
}
