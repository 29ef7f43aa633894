import tls from 'node:tls';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfigOrExit, type Config } from '../config';
import { DEMO_PASSWORD_DEFAULT } from '../prisma/seed';
import { requireFreePort, lantaiPidFile, runningPid, startProcess, waitUntilReady, type Managed } from './process';
import { startStack } from './stack';
import { supervise, type Unit } from './supervisor';
import { registerDemoItems } from './demo-items';
import { ocrWorkerProcess } from './ocr-worker';

const say = (line: string) => process.stdout.write(`[lantai] ${line}\n`);

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const pidFile = lantaiPidFile(config);
  const running = runningPid(pidFile);
  if (running) {
    say(`Lantai is already running (pid ${running}); nothing to do.`);
    printWhere(config);
    return;
  }
  await requireFreePort(config.api.port, 'the API', 'LANTAI_API_PORT');
  fs.mkdirSync(config.dataDir, { recursive: true });
  fs.writeFileSync(pidFile, String(process.pid));

  const demoPassword = process.env.LANTAI_DEMO_PASSWORD || DEMO_PASSWORD_DEFAULT;
  const stack = await startStack(config, { demoPassword });
  const logDir = path.join(config.dataDir, 'logs');
  const apiUrl = localApiUrl(config);
  // The API's certificate may be self-signed: this process's own checks and demo registration trust it.
  if (config.api.tls) trustAlso(config.api.tls.cert);
  const node = (name: string, entry: string, ready?: (proc: Managed) => Promise<void>): Unit => {
    const logFile = path.join(logDir, `${name.toLowerCase()}.log`);
    return {
      name,
      logFile,
      async start() {
        const proc = startProcess(name, process.execPath, ['--import', 'tsx', entry], { logFile, env: process.env });
        await ready?.(proc);
        return proc;
      },
    };
  };
  // The API is ready when it answers at all: /health says 503 while a service it needs is down, and it still serves.
  const apiReady = (proc: Managed) =>
    waitUntilReady(proc, async () => (await fetch(`${apiUrl}/health`)).status > 0, { logFile: path.join(logDir, 'api.log') });
  const appUnits = [node('Worker', 'worker/main.ts'), node('API', 'api/main.ts', apiReady), ...ocrUnits(config, logDir)];
  const apps: { unit: Unit; managed: Managed }[] = [];
  let supervisor: ReturnType<typeof supervise> | undefined;

  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    if (supervisor) await supervisor.stop();
    else {
      for (const a of [...apps].reverse()) await a.managed.stop();
      await stack.stop();
    }
    fs.rmSync(pidFile, { force: true });
    say('stopped; all data is kept in ' + config.dataDir);
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  try {
    for (const unit of appUnits) apps.push({ unit, managed: await unit.start() });
    supervisor = supervise([...stack.units, ...apps], { say, statusFile: path.join(config.dataDir, 'status.json') });
    if (process.env.LANTAI_DEMO_ITEMS !== 'false') {
      const added = await registerDemoItems(apiUrl, demoPassword);
      if (added) say(`registered ${added} demo items`);
    }
  } catch (err) {
    say(`could not start: ${(err as Error).message}`);
    await shutdown(1);
    return;
  }
  printWhere(config);
  say(
    `demo users: clerk, archivist, manager, auditor, insured, … (password ${demoPassword === DEMO_PASSWORD_DEFAULT ? DEMO_PASSWORD_DEFAULT : 'from LANTAI_DEMO_PASSWORD'})`,
  );
  say('Lantai is running. Press Ctrl-C to stop.');
}

/**
 * The OCR workers (全文识别) this machine runs, LANTAI_OCR_WORKERS of them.
 */
function ocrUnits(config: Config, logDir: string): Unit[] {
  return Array.from({ length: config.ocr.workers }, (_, i) => {
    const name = i === 0 ? 'OCR' : `OCR-${i + 1}`;
    const logFile = path.join(logDir, `${name.toLowerCase()}.log`);
    const { command, args, env } = ocrWorkerProcess(config);
    return {
      name,
      logFile,
      start: () => Promise.resolve(startProcess(name, command, args, { logFile, env })),
    };
  });
}

/** Adds a certificate to those fetch trusts in this process (Node 24's tls API, newer than the types this repo pins). */
function trustAlso(certPem: string): void {
  const t = tls as typeof tls & { getCACertificates(kind: 'default'): string[]; setDefaultCACertificates(certs: string[]): void };
  t.setDefaultCACertificates([...t.getCACertificates('default'), certPem]);
}

function localApiUrl(config: Config): string {
  return `${config.api.tls ? 'https' : 'http'}://${config.api.host}:${config.api.port}`;
}

function printWhere(config: Config): void {
  const apiUrl = localApiUrl(config);
  say(`API          ${apiUrl}`);
  say(`OpenAPI      ${apiUrl}/openapi.json`);
  say(`Health       ${apiUrl}/health`);
  if (config.temporal.uiUrl) say(`Temporal UI  ${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows`);
  if (config.s3.embedded) say(`MinIO        ${config.s3.endpoint} (console http://127.0.0.1:${config.s3.consolePort})`);
}

main().catch((err: Error) => {
  console.error(`[lantai] could not start: ${err.message}`);
  process.exit(1);
});
