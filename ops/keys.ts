import { loadConfigOrExit } from '../config';
import { kekUsage, rewrapDataKeys, sealPlaintextPages } from '../integrity/key-rotation';
import { createDb } from '../prisma/client';
import { addKek, removeKek } from '../store/keyring';
import { sealedObjectStore } from '../store/sealed-store';
import { servicesForCommand } from './backup-services';

/**
 * The key-encryption keys of encryption at rest (./lantai keys …):
 *   status        the KEKs, the current one, how many stored versions only each one opens, versions still plaintext
 *   rotate        a new KEK becomes current (new objects use it at once, running processes included), then rewrap
 *   rewrap        every sealed version's data key wrapped again under the current KEK, in the catalogue
 *   seal          page images stored in plaintext (before encryption was on) sealed, their plaintext versions deleted
 *   retire <id>   removes an old KEK, refused while a stored version needs it
 */
const say = (line: string) => process.stdout.write(`[lantai keys] ${line}\n`);
const USAGE = 'usage: ./lantai keys status | rotate | rewrap | seal | retire <KEK id>';

async function main(): Promise<void> {
  const [command, id, ...rest] = process.argv.slice(2);
  if (
    !command ||
    !['status', 'rotate', 'rewrap', 'seal', 'retire'].includes(command) ||
    rest.length ||
    (command === 'retire') !== Boolean(id)
  ) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  const config = loadConfigOrExit();
  const services = await servicesForCommand(config, { whileRunning: 'use' });
  const db = createDb(config.postgres.ownerUrl, { poolSize: 4 });
  const store = sealedObjectStore(config, db);
  const deps = { db, store, where: Object.values(config.s3.buckets).map((bucket) => ({ bucket, prefix: '' })) };
  try {
    if (command === 'rotate') {
      const kek = addKek(config.encryption.kekDir);
      say(`KEK ${kek.id} is now current (in ${config.encryption.kekDir})`);
    }
    if (command === 'rotate' || command === 'rewrap') {
      const r = await rewrapDataKeys(deps);
      say(
        `${r.versions} versions, ${r.sealed} sealed: ${r.rewrapped} data keys wrapped again, ${r.alreadyCurrent} already under the current KEK`,
      );
      for (const u of r.unopenable) say(`CANNOT OPEN ${u}`);
      if (r.unopenable.length) process.exitCode = 1;
    }
    if (command === 'seal') {
      const r = await sealPlaintextPages(deps);
      say(`${r.sealed} page images sealed`);
      for (const k of r.kept) say(`plaintext version kept by Object Lock: ${k}`);
    }
    if (command === 'status' || command === 'retire') {
      const usage = await kekUsage(deps);
      const current = store.keyring!.current().id;
      if (command === 'retire') {
        const needed = usage.needs.get(id!) ?? 0;
        if (id === current || needed > 0) {
          say(
            `KEK ${id} ${id === current ? 'is the current one' : `is the only key of ${needed} stored versions`}: run ./lantai keys rotate first`,
          );
          process.exitCode = 3;
        } else {
          removeKek(config.encryption.kekDir, id!);
          say(`KEK ${id} removed: no stored version needs it`);
        }
      } else {
        for (const [kek, n] of usage.needs) say(`KEK ${kek}${kek === current ? ' (current)' : ''}: the only key of ${n} versions`);
        say(`${usage.sealed} versions sealed, ${usage.plaintext} in plaintext`);
      }
    }
  } finally {
    await db.$disconnect();
    await services.stop();
  }
}

main().catch((err: Error) => {
  say(`failed: ${err.message}`);
  process.exit(1);
});
