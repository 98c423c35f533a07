import type { FastifyInstance } from 'fastify';
import type { Catalog } from '../../src/catalog/catalog.js';
import { openCatalog } from '../../src/catalog/open-catalog.js';
import type { FileIO } from '../../src/io/file-io.js';
import { fileIOFor } from '../../src/io/file-io-registry.js';
import { silentLogger, type Logger } from '../../src/logging/logger.js';
import { buildApiServer } from '../http/server.js';
import { JobRegistry, type MaintenanceJob } from '../jobs.js';
import { openStateStore } from '../state/open-state-store.js';
import type { StateStore } from '../state/state-store.js';
import type { ManagerConfig } from './config.js';
import { expireJob } from './expire-job.js';
import { removeOrphansJob, rewriteManifestsJob } from './maintenance-jobs.js';
import { compactJob, compactMinorJob } from '../compaction/compaction-jobs.js';
import { Scheduler } from './scheduler.js';

/** The jobs this build ships; the lead adds compaction, orphans and manifest rewrite here. */
/** Every built-in maintenance job. */
export const DEFAULT_JOBS: readonly MaintenanceJob[] = [compactJob, compactMinorJob, expireJob, removeOrphansJob, rewriteManifestsJob];

export function defaultJobRegistry(): JobRegistry {
  return new JobRegistry(DEFAULT_JOBS);
}

export interface ManagerOptions {
  readonly registry?: JobRegistry;
  readonly store?: StateStore;
  readonly logger?: Logger;
  /** Status page refresh interval; default 5 s. */
  readonly refreshMs?: number;
}

/**
 * The manager daemon: the scheduler (maintenance policies) and the HTTP API over one warehouse.
 * `start()` listens and begins polling; `stop()` closes the listener, aborts running jobs
 * through their signals (the table stays valid: a job commits atomically or not at all),
 * waits for them to record their end and closes the state store.
 */
export class Manager {
  readonly catalog: Catalog;
  private readonly io: FileIO;
  readonly store: StateStore;
  readonly scheduler: Scheduler;
  private server: FastifyInstance | undefined;
  private readonly logger: Logger;

  constructor(readonly config: ManagerConfig, private readonly o: ManagerOptions = {}) {
    this.logger = o.logger ?? silentLogger;
    this.io = fileIOFor(config.warehouse, config.storage);
    this.catalog = openCatalog(config.catalog, config.warehouse, { io: this.io, ...(config.storage ? { storage: config.storage } : {}) });
    this.store = o.store ?? openStateStore(config.state);
    this.scheduler = new Scheduler({
      catalog: this.catalog,
      store: this.store,
      registry: o.registry ?? defaultJobRegistry(),
      policies: config.policies,
      maxConcurrentJobs: config.scheduler.maxConcurrentJobs,
      pollIntervalMs: config.scheduler.pollIntervalMs,
      respectWriterCadence: config.scheduler.respectWriterCadence,
      logger: this.logger,
    });
  }

  async api(): Promise<FastifyInstance> {
    this.server ??= await buildApiServer({
      catalog: this.catalog,
      warehouse: this.config.warehouse,
      io: this.io,
      store: this.store,
      status: () => ({ jobs: this.scheduler.status(), running: this.scheduler.runningJobs() }),
      ...(this.config.authToken ? { token: this.config.authToken } : {}),
      ...(this.o.refreshMs !== undefined ? { refreshMs: this.o.refreshMs } : {}),
      logger: this.logger,
    });
    return this.server;
  }

  /** Listens on the configured host/port (port 0: any free port) and starts the scheduler; returns the URL. */
  async start(): Promise<string> {
    // an unreachable or unusable store fails the start, before anything listens or runs
    await this.store.open();
    const app = await this.api();
    const url = await app.listen({ host: this.config.http.host, port: this.config.http.port });
    await this.scheduler.start();
    this.logger.info('manager started', { url, warehouse: this.config.warehouse, policies: this.config.policies.length });
    return url;
  }

  async stop(): Promise<void> {
    await this.server?.close();
    await this.scheduler.stop();
    await this.store.close();
    await this.catalog.close?.();
    this.logger.info('manager stopped');
  }
}
