import fs from 'node:fs';
import path from 'node:path';
import { startSupervised, type SupervisedLantai } from '../bench/supervised';
import { eventually } from './helpers';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('./lantai start supervises what it starts', () => {
  let lantai: SupervisedLantai;
  beforeAll(async () => {
    lantai = await startSupervised();
    await eventually(() => Promise.resolve(lantai.output().includes('Lantai is running') ? true : undefined), {
      timeoutMs: 240_000,
      what: 'Lantai running',
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n${lantai.output()}`);
    });
  }, 300_000);
  afterAll(async () => {
    await lantai?.stop();
    if (lantai) fs.rmSync(lantai.dataDir, { recursive: true, force: true });
  }, 60_000);

  it.each(['Worker', 'API', 'PostgreSQL', 'MinIO', 'Temporal', 'OCR'])(
    'starts %s again after kill -9, and the API answers 200 once it is back',
    async (name) => {
      const before = lantai.status()![name]!;
      expect(before.state).toBe('running');
      process.kill(before.pid!, 'SIGKILL');
      const after = await eventually(
        () => {
          const s = lantai.status()?.[name];
          return Promise.resolve(s?.state === 'running' && s.pid !== before.pid && s.restarts === before.restarts + 1 ? s : undefined);
        },
        { timeoutMs: 120_000, what: `${name} restarted` },
      );
      expect(alive(after.pid!)).toBe(true);
      expect(lantai.output()).toMatch(new RegExp(`${name} stopped unexpectedly \\(signal SIGKILL\\); restarting in`));
      await eventually(async () => ((await lantai.health()) === 200 ? true : undefined), {
        timeoutMs: 120_000,
        what: 'health 200',
      });
    },
    300_000,
  );

  it('stops everything on SIGTERM, keeping the data directory', async () => {
    const pids = Object.values(lantai.status()!).map((s) => s.pid!);
    expect(await lantai.stop()).toBe(0);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(Object.values(lantai.status()!).every((s) => s.state === 'stopped')).toBe(true);
    expect(fs.existsSync(path.join(lantai.dataDir, 'postgres'))).toBe(true);
  }, 120_000);
});
