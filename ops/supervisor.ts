import fs from 'node:fs';
import type { Managed } from './process';

/** A part of Lantai the supervisor keeps running: how to start it (and wait until it is ready), and where it logs. */
export interface Unit {
  name: string;
  logFile: string;
  start(): Promise<Managed>;
}

export interface UnitStatus {
  state: 'running' | 'restarting' | 'stopped';
  pid: number | null;
  restarts: number;
  since: string;
  lastExit: string | null;
}

// Back-off between restarts: doubling from 1 s to at most 30 s; a part that then stays up a minute starts again at 1 s.
const FIRST_DELAY_MS = 1000;
const LONGEST_DELAY_MS = 30_000;
const STABLE_AFTER_MS = 60_000;

/**
 * Keeps each unit running: one that exits when nobody asked it to is started again after a back-off, and each
 * change is said on the console and written to a status file (`status.json` in the data directory), so an
 * operator, or a test, reads what runs and how often it restarted.
 */
export function supervise(
  units: { unit: Unit; managed: Managed }[],
  { say, statusFile }: { say: (line: string) => void; statusFile: string },
) {
  let stopping = false;
  const status: Record<string, UnitStatus> = {};
  const current = new Map<string, Managed>();
  const timers = new Set<NodeJS.Timeout>();
  const write = () => fs.writeFileSync(statusFile, JSON.stringify({ updatedAt: new Date().toISOString(), units: status }, null, 2));

  const watch = (unit: Unit, managed: Managed, delayMs: number) => {
    current.set(unit.name, managed);
    const startedAt = Date.now();
    status[unit.name] = {
      ...status[unit.name],
      state: 'running',
      pid: managed.child.pid ?? null,
      restarts: status[unit.name]?.restarts ?? 0,
      since: new Date().toISOString(),
      lastExit: status[unit.name]?.lastExit ?? null,
    };
    write();
    managed.child.once('exit', (code, signal) => {
      if (stopping) return;
      const exit = signal ? `signal ${signal}` : `code ${code}`;
      const delay = Date.now() - startedAt >= STABLE_AFTER_MS ? FIRST_DELAY_MS : delayMs;
      status[unit.name] = { ...status[unit.name]!, state: 'restarting', pid: null, lastExit: `${exit} at ${new Date().toISOString()}` };
      write();
      say(`${unit.name} stopped unexpectedly (${exit}); restarting in ${delay / 1000} s — see ${unit.logFile}`);
      restartAfter(unit, delay);
    });
  };

  const restartAfter = (unit: Unit, delayMs: number) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (stopping) return;
      unit.start().then(
        (managed) => {
          if (stopping) return void managed.stop();
          status[unit.name]!.restarts += 1;
          say(`${unit.name} is running again (restart ${status[unit.name]!.restarts})`);
          watch(unit, managed, Math.min(delayMs * 2, LONGEST_DELAY_MS));
        },
        (err: Error) => {
          const next = Math.min(delayMs * 2, LONGEST_DELAY_MS);
          say(`${unit.name} could not be restarted (${err.message.split('\n')[0]}); trying again in ${next / 1000} s`);
          restartAfter(unit, next);
        },
      );
    }, delayMs);
    timers.add(timer);
  };

  for (const { unit, managed } of units) watch(unit, managed, FIRST_DELAY_MS);

  return {
    status: () => status,
    /** Stops restarting, then stops every unit, the last started first. */
    async stop(): Promise<void> {
      stopping = true;
      for (const t of timers) clearTimeout(t);
      for (const { unit } of [...units].reverse()) {
        await current.get(unit.name)?.stop();
        if (status[unit.name]) status[unit.name] = { ...status[unit.name]!, state: 'stopped', pid: null };
      }
      write();
    },
  };
}
