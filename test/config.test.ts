import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { loadConfig, type ConfigError } from '../config';

const root = path.resolve(__dirname, '..');

function startWith(entry: string, env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('configuration at start-up', () => {
  it.each([
    ['api/main.ts', 'LANTAI_API_PORT', 'eighty'],
    ['worker/main.ts', 'DATABASE_URL', 'mysql://somewhere/lantai'],
    ['api/main.ts', 'TEMPORAL_ADDRESS', 'no-port-here'],
    ['api/main.ts', 'S3_FORCE_PATH_STYLE', 'maybe'],
  ])('%s refuses a bad %s with one message naming it, and exits non-zero', (entry, name, value) => {
    const r = startWith(entry, { [name]: value });
    expect(r.status).toBe(78);
    expect(r.stderr).toContain(`${name}:`);
    expect(r.stderr).toContain(JSON.stringify(value));
    expect(r.stderr.trim().split('\n')).toHaveLength(2);
  });

  it('names every bad variable at once', () => {
    try {
      loadConfig({ LANTAI_API_PORT: '0', LANTAI_LOG_LEVEL: 'loud' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect((err as Error).name).toBe('ConfigError');
      expect((err as ConfigError).problems.map((p) => p.split(':')[0]).sort()).toEqual(['LANTAI_API_PORT', 'LANTAI_LOG_LEVEL']);
    }
  });

  it('requires credentials with an existing S3 store', () => {
    expect(() => loadConfig({ S3_ENDPOINT: 'https://s3.example.org' })).toThrow(/S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY/);
  });

  it('points at existing services when their variables are set, and embeds them otherwise', () => {
    const embedded = loadConfig({});
    expect([embedded.postgres.embedded, embedded.temporal.embedded, embedded.s3.embedded]).toEqual([true, true, true]);
    const external = loadConfig({
      DATABASE_URL: 'postgresql://u:p@db.internal:5432/archive',
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'archive-prod',
      TEMPORAL_TLS: 'true',
      S3_ENDPOINT: 'https://s3.internal',
      S3_ACCESS_KEY_ID: 'k',
      S3_SECRET_ACCESS_KEY: 's',
    });
    expect(external.postgres).toMatchObject({ url: 'postgresql://u:p@db.internal:5432/archive', embedded: false });
    expect(external.temporal).toMatchObject({ address: 'temporal.internal:7233', namespace: 'archive-prod', embedded: false, tls: {} });
    expect(external.s3).toMatchObject({ endpoint: 'https://s3.internal', embedded: false });
  });
});
