import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManagerConfig } from '../manager/daemon/config-loader.js';
import { parsePipelineConfig } from '../src/pipeline/config-loader.js';

/** docker/ is for users (Docker cannot run here), but its configs must stay valid as the schemas change. */
describe('docker/ configs', () => {
  const env = { MINIO_ROOT_USER: 'icetide', MINIO_ROOT_PASSWORD: 'icetide-secret', CATALOG_PASSWORD: 'pw' };

  it('pipeline.yaml: the quickstart into MinIO through the SQL catalog on PostgreSQL', () => {
    const file = path.resolve('docker/pipeline.yaml');
    const c = parsePipelineConfig(fs.readFileSync(file, 'utf8'), file, env);
    expect(c.target.catalog).toEqual({ type: 'sql', uri: 'postgresql://icetide:pw@postgres:5432/lake', name: 'lake' });
    expect(c.target.warehouse).toBe('s3://lake/warehouse');
    expect(c.target.storage).toEqual({ s3: { endpoint: 'http://minio:9000', region: 'us-east-1', pathStyle: true, accessKeyId: 'icetide', secretAccessKey: 'icetide-secret' } });
  });

  it('manager.yaml: the same lake, run history in PostgreSQL', () => {
    const file = path.resolve('docker/manager.yaml');
    const c = parseManagerConfig(fs.readFileSync(file, 'utf8'), file, env, path.dirname(file));
    expect(c.warehouse).toBe('s3://lake/warehouse');
    expect(c.catalog).toEqual({ type: 'sql', uri: 'postgresql://icetide:pw@postgres:5432/lake', name: 'lake' });
    expect(c.state).toMatchObject({ type: 'postgres' });
    expect(c.policies.length).toBeGreaterThan(0);
  });
});
