import { shelfBarcodeOf } from '../domain/volume';
import argon2 from 'argon2';
import type { Db } from './client';
import { DEMO_AGENCY, DEMO_FONDS, DEMO_LOCATIONS, DEMO_OFFICES, DEMO_SCHEME, DEMO_USERS, type NodeSpec } from './demo-agency';

export const DEMO_PASSWORD_DEFAULT = 'lantai-demo';

/** Seeds the demo agency. Idempotent: what exists is left as it is, what is missing is added. */
export async function seedDemoAgency(db: Db, { password = DEMO_PASSWORD_DEFAULT } = {}): Promise<void> {
  const agency = await db.agency.upsert({ where: { code: DEMO_AGENCY.code }, update: {}, create: DEMO_AGENCY });
  const scheme = await db.classificationScheme.upsert({
    where: { agencyId_name: { agencyId: agency.id, name: DEMO_SCHEME.name } },
    update: {},
    create: { agencyId: agency.id, name: DEMO_SCHEME.name, category: DEMO_SCHEME.category },
  });
  await seedNodes(db, scheme.id, DEMO_SCHEME.nodes, null, []);

  for (const f of DEMO_FONDS) {
    await db.fonds.upsert({ where: { code: f.code }, update: {}, create: { ...f, agencyId: agency.id, schemeId: scheme.id } });
  }
  for (const o of DEMO_OFFICES) {
    await db.handlingOffice.upsert({ where: { code: o.code }, update: {}, create: { ...o, agencyId: agency.id } });
  }
  for (const l of DEMO_LOCATIONS) {
    // The barcode every shelf label carries; a demo shelf seeded by an older Lantai as SH-… is given it too.
    const barcode = shelfBarcodeOf(l.room, l.shelf);
    await db.storageLocation.upsert({
      where: { agencyId_room_shelf: { agencyId: agency.id, ...l } },
      update: { barcode },
      create: { ...l, agencyId: agency.id, barcode },
    });
  }

  const fondsIds = new Map((await db.fonds.findMany()).map((f) => [f.code, f.id]));
  for (const u of DEMO_USERS) {
    if (await db.user.findUnique({ where: { username: u.username } })) continue;
    await db.user.create({
      data: {
        username: u.username,
        displayName: u.displayName,
        roles: u.roles,
        clearance: u.clearance,
        citizenId: u.citizenId,
        creditCode: u.creditCode,
        passwordHash: await argon2.hash(password),
        fonds: { create: u.fonds.map((code) => ({ fondsId: fondsIds.get(code)! })) },
      },
    });
  }
}

async function seedNodes(db: Db, schemeId: string, nodes: NodeSpec[], parentId: string | null, parentPath: string[]): Promise<void> {
  for (const n of nodes) {
    const codes = [...parentPath, n.code];
    const node = await db.classificationNode.upsert({
      where: { schemeId_path: { schemeId, path: codes.join('/') } },
      update: {},
      create: { schemeId, parentId, code: n.code, name: n.name, path: codes.join('/'), depth: codes.length },
    });
    for (const bt of n.businessTypes ?? []) {
      await db.businessType.upsert({
        where: { code: bt.code },
        update: {},
        create: {
          code: bt.code,
          name: bt.name,
          nodeId: node.id,
          defaultRetention: bt.retention,
          minDpi: bt.minDpi ?? 200,
          materials: {
            create: bt.materials.map((m, position) => ({
              position: position + 1,
              name: m.name,
              imageRequired: m.imageRequired ?? true,
              keepOriginal: m.keepOriginal ?? false,
              sealOrSignature: m.sealOrSignature ?? false,
            })),
          },
        },
      });
    }
    await seedNodes(db, schemeId, n.children ?? [], node.id, codes);
  }
}

if (require.main === module) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadConfigOrExit } = require('../config') as typeof import('../config');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createDb } = require('./client') as typeof import('./client');
  const db = createDb(loadConfigOrExit().postgres.ownerUrl);
  seedDemoAgency(db, { password: process.env.LANTAI_DEMO_PASSWORD || DEMO_PASSWORD_DEFAULT })
    .then(() => console.log('demo agency seeded'))
    .finally(() => db.$disconnect())
    .catch((err: Error) => {
      console.error(err.message);
      process.exit(1);
    });
}
