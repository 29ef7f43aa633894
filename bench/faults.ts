/**
 * Items lost, duplicated, stuck and destroyed without approval (all must be 0) when kill -9 hits every part of
 * Lantai while business cases go through their whole lifecycle, and how long each fault took to recover from.
 *   node --import tsx bench/faults.ts [--items 1000] [--faults 14] [--seed 42]
 * Starts `./lantai start` of its own (a data directory and ports of its own), as an operator runs it.
 */
import { parseArgs } from 'node:util';
import { runFaults } from './fault-run';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '1000' },
    faults: { type: 'string', default: '14' },
    seed: { type: 'string', default: '42' },
  },
});

async function main(): Promise<void> {
  const order = { items: Number(values.items), faults: Number(values.faults), seed: Number(values.seed) };
  process.stdout.write(`${order.items} business cases, ${order.faults} faults, seed ${order.seed}\n`);
  const r = await runFaults({ ...order, say: (line) => process.stdout.write(`  ${line}\n`) });
  process.stdout.write('\nfault  part        phase          at (s)  recovered in (s)\n');
  for (const [i, f] of r.faults.entries())
    process.stdout.write(
      `${String(i + 1).padStart(5)}  ${f.part.padEnd(10)}  ${f.phase.padEnd(13)}  ${f.atSeconds.toFixed(0).padStart(6)}  ${f.recoverySeconds.toFixed(1).padStart(16)}\n`,
    );
  const recoveries = r.faults.map((f) => f.recoverySeconds).sort((a, b) => a - b);
  process.stdout.write(
    `\nitems ${r.items} in ${r.seconds.toFixed(0)} s: lost ${r.lost}, duplicated ${r.duplicated}, stuck ${r.stuck}` +
      `${r.stuck ? ` (${JSON.stringify(r.stuckStates)})` : ''}, destroyed without approval ${r.destroyedWithoutApproval}\n` +
      `recovery: median ${recoveries[Math.floor(recoveries.length / 2)]?.toFixed(1) ?? '-'} s, longest ${recoveries.at(-1)?.toFixed(1) ?? '-'} s\n`,
  );
  if (r.error) process.stdout.write(`the run stopped ${r.error}\n`);
  const clean = !r.error && r.lost + r.duplicated + r.stuck + r.destroyedWithoutApproval === 0;
  process.exitCode = clean ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
