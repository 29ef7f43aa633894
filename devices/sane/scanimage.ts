import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { DriverUnavailableError } from '../errors';
import { describeCapabilities, type SaneCapabilities } from './capabilities';
import { findFault, type SaneFault } from './faults';
import { parseOptions } from './options';

export interface ScanimageConfig {
  scanimagePath: string;
  /** Directories SANE reads dll.conf and backend configuration from (SANE_CONFIG_DIR); the system default otherwise. */
  saneConfigDir?: string;
  commandTimeoutMs: number;
}

export interface SaneDeviceListing {
  device: string;
  vendor: string;
  model: string;
  type: string;
}

export type ScanimageChild = ChildProcessByStdio<null, Readable, Readable>;

/** scanimage failed in a way the caller turns into a typed device error, knowing how far its batch got. */
export class SaneCommandError extends Error {
  override name = 'SaneCommandError';
  constructor(readonly fault: SaneFault) {
    super(fault.detail);
  }
}

const KILL_GRACE_MS = 2000;

export function spawnScanimage(config: ScanimageConfig, args: string[]): ScanimageChild {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C' };
  delete env.LANGUAGE;
  if (config.saneConfigDir) env.SANE_CONFIG_DIR = config.saneConfigDir;
  return spawn(config.scanimagePath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves with the exit code once the process has gone; rejects only if it could not be started at all. */
export function exited(child: ScanimageChild, deviceId: string, config: ScanimageConfig): Promise<number | null> {
  const done = new Promise<number | null>((resolve, reject) => {
    child.once('error', (err) =>
      reject(
        new DriverUnavailableError(
          deviceId,
          `Cannot run ${config.scanimagePath} (install sane-utils, or set scanimagePath): ${err.message}`,
          { cause: err },
        ),
      ),
    );
    child.once('close', (code) => resolve(code));
  });
  // Callers await this only after reading the output; the failure must not count as unhandled before then.
  done.catch(() => undefined);
  return done;
}

/** SIGTERM lets scanimage cancel the scan at the device; SIGKILL follows if it does not go. */
export async function stop(child: ScanimageChild, done: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
  await done.catch(() => undefined);
  clearTimeout(timer);
}

export async function runScanimage(config: ScanimageConfig, args: string[], deviceId: string): Promise<{ stdout: string; stderr: string }> {
  const child = spawnScanimage(config, args);
  const done = exited(child, deviceId, config);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void stop(child, done);
  }, config.commandTimeoutMs);
  const code = await done.finally(() => clearTimeout(timer));
  if (timedOut) {
    throw new SaneCommandError({
      status: undefined,
      detail: `scanimage gave no answer within ${config.commandTimeoutMs / 1000} s`,
      atOpen: false,
    });
  }
  const fault = findFault(stderr, code);
  if (fault) throw new SaneCommandError(fault);
  return { stdout, stderr };
}

export async function listSaneDevices(config: ScanimageConfig): Promise<SaneDeviceListing[]> {
  const { stdout } = await runScanimage(config, ['-f', '%d\t%v\t%m\t%t%n'], 'sane');
  return stdout
    .split('\n')
    .filter((line) => line.includes('\t'))
    .map((line) => {
      const [device = '', vendor = '', model = '', type = ''] = line.split('\t');
      return { device, vendor, model, type };
    });
}

export async function readCapabilities(config: ScanimageConfig, deviceId: string): Promise<SaneCapabilities> {
  const { stdout } = await runScanimage(config, ['-d', deviceId, '-A'], deviceId);
  return describeCapabilities(deviceId, parseOptions(stdout));
}
