import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfigOrExit } from '../config';
import { startStack } from './stack';

const say = (line: string) => process.stdout.write(`[lantai test] ${line}\n`);

/**
 * The whole test suite: lint, type check, then jest against a throw-away stack of real services
 * (its own data directory and ports, so a running Lantai is left alone).
 */
async function main(): Promise<number> {
  const started = Date.now();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lantai-test-'));
  // Readable by the postgres system user, so the test cluster lives (and is removed) inside it.
  fs.chmodSync(dataDir, 0o755);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LANTAI_DATA: dataDir,
    LANTAI_PG_PORT: process.env.LANTAI_TEST_PG_PORT ?? '55532',
    LANTAI_TEMPORAL_PORT: process.env.LANTAI_TEST_TEMPORAL_PORT ?? '7333',
    LANTAI_MINIO_PORT: process.env.LANTAI_TEST_MINIO_PORT ?? '9190',
    LANTAI_MINIO_CONSOLE_PORT: process.env.LANTAI_TEST_MINIO_CONSOLE_PORT ?? '9191',
    LANTAI_LOG_LEVEL: process.env.LANTAI_LOG_LEVEL ?? 'warn',
  };
  const config = loadConfigOrExit(env);

  for (const [name, args] of [
    ['lint', ['run', '--silent', 'lint']],
    ['type check', ['run', '--silent', 'typecheck']],
  ] as const) {
    say(name);
    if ((await exec('npm', [...args], env)) !== 0) return fail(`${name} failed`);
  }

  say('starting PostgreSQL, MinIO and Temporal for the tests');
  const stack = await startStack(config, { ui: false });
  let code = 1;
  try {
    const resultFile = path.join(dataDir, 'jest-results.json');
    // --forceExit: a test that leaves a handle open must not keep the stack (and CI) waiting after the last result.
    code = await exec('npx', ['jest', '--runInBand', '--forceExit', '--json', `--outputFile=${resultFile}`, ...process.argv.slice(2)], env);
    summarise(resultFile);
  } finally {
    await stack.stop();
    if (code === 0) fs.rmSync(dataDir, { recursive: true, force: true });
    else say(`service logs kept in ${path.join(dataDir, 'logs')}`);
  }
  say(`finished in ${Math.round((Date.now() - started) / 1000)} s`);
  return code;
}

function summarise(resultFile: string): void {
  if (!fs.existsSync(resultFile)) return;
  const r = JSON.parse(fs.readFileSync(resultFile, 'utf8')) as { numPassedTests: number; numFailedTests: number; numPendingTests: number };
  process.stdout.write(
    `${r.numPassedTests} passed, ${r.numFailedTests} failed${r.numPendingTests ? `, ${r.numPendingTests} skipped` : ''}\n`,
  );
}

function exec(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', env });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function fail(message: string): number {
  say(message);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`[lantai test] ${err.message}`);
    process.exit(1);
  },
);
