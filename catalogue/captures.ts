import type { CaptureMode } from '../domain/capture';
import type { ClassificationScheme, Db, Fonds, Item, LifecycleState, SecurityLevel } from '../prisma/client';

/** An item with its fonds and the fonds' scheme: what naming and fixing its pages needs. */
export type ItemWithFonds = Item & { fonds: Fonds & { scheme: ClassificationScheme } };

/** States in which an item's pages may still be captured. */
export const AWAITING_CAPTURE = ['registered', 'pending_initial_review'] as const;

export function itemWithFonds(db: Db, itemId: string): Promise<ItemWithFonds> {
  return db.item.findUniqueOrThrow({ where: { id: itemId }, include: { fonds: { include: { scheme: true } } } });
}

/** Records how the item's pages are being captured (at the window, a batch, an employer's upload, an import). */
export async function recordCaptureMode(db: Db, itemId: string, mode: CaptureMode): Promise<void> {
  await db.item.update({ where: { id: itemId }, data: { captureMode: mode } });
}

/** The business case of this number in one of the fonds whose pages are still to be captured, or null. */
export async function caseAwaitingCapture(
  db: Db,
  caseNumber: string,
  fondsIds: string[],
): Promise<{ id: string; caseNumber: string; fondsCode: string } | null> {
  const item = await db.item.findFirst({
    where: { caseNumber, fondsId: { in: fondsIds }, lifecycleState: { in: [...AWAITING_CAPTURE] } },
    select: { id: true, caseNumber: true, fonds: { select: { code: true } } },
  });
  return item && { id: item.id, caseNumber: item.caseNumber, fondsCode: item.fonds.code };
}

/** The items of these case numbers in the given fonds, in any state. */
export async function casesByNumber(
  db: Db,
  caseNumbers: string[],
  fondsIds: string[],
): Promise<
  {
    id: string;
    caseNumber: string;
    lifecycleState: LifecycleState;
    fondsId: string;
    securityLevel: SecurityLevel;
    citizenId: string;
    employerCreditCode: string | null;
    fondsCode: string;
  }[]
> {
  const items = await db.item.findMany({
    where: { caseNumber: { in: caseNumbers }, fondsId: { in: fondsIds } },
    select: {
      id: true,
      caseNumber: true,
      lifecycleState: true,
      fondsId: true,
      securityLevel: true,
      citizenId: true,
      employerCreditCode: true,
      fonds: { select: { code: true } },
    },
  });
  return items.map(({ fonds, ...i }) => ({ ...i, fondsCode: fonds.code }));
}

/** The code of the item's fonds. */
export async function fondsCodeOf(db: Db, fondsId: string): Promise<string> {
  return (await db.fonds.findUniqueOrThrow({ where: { id: fondsId }, select: { code: true } })).code;
}
