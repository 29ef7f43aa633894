import { PARTS } from '../bench/supervised';
import { runFaults } from '../bench/fault-run';

// A small run of bench/faults.ts: two faults in each of the seven phases, every part of a supervised Lantai killed at least
// once, while cases go from registration to destruction through the API.
describe('kill -9 of every part while business cases go through their lifecycle', () => {
  it('loses, duplicates, strands nothing and destroys nothing unapproved', async () => {
    const r = await runFaults({ items: 8, faults: 14, seed: 7 });
    expect(r.error).toBeUndefined();
    expect({ lost: r.lost, duplicated: r.duplicated, stuck: r.stuck, destroyedWithoutApproval: r.destroyedWithoutApproval }).toEqual({
      lost: 0,
      duplicated: 0,
      stuck: 0,
      destroyedWithoutApproval: 0,
    });
    expect(new Set(r.faults.map((f) => f.part))).toEqual(new Set(PARTS));
    expect(new Set(r.faults.map((f) => f.phase)).size).toBe(7);
    for (const f of r.faults) expect(f.recoverySeconds).toBeLessThan(120);
  }, 900_000);
});
