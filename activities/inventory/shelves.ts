import type { NewFinding } from '../../catalogue/inventory-runs';
import { recordShelfJudgement, runWithShelfScans, shelfCatalogue } from '../../catalogue/shelf-catalogue';
import { judgeShelfScans } from '../../domain/shelf-scan';
import type { Db } from '../../prisma/client';

/** Shelf scans (架位扫描) judged against where the catalogue places the fonds' boxes and items. */
export function createShelfJudgement({ db }: { db: Db }) {
  return {
    /** Judges the run's shelf-scan sessions against where the catalogue places the fonds' boxes and items; once. */
    async judgeShelves({ runId }: { runId: string }): Promise<{ findings: number }> {
      const { run, sessions } = await runWithShelfScans(db, runId);
      if (run.shelvesJudged || run.shelfScanIds.length === 0) return { findings: 0 };
      const { catalogue, boxIds, items } = await shelfCatalogue(db, run.fonds, sessions);
      const judged = judgeShelfScans(sessions, catalogue);
      const findings: NewFinding[] = judged.map((f) => {
        const item = items.get(f.barcode);
        return { runId, kind: f.kind, itemId: item?.id, boxId: boxIds.get(f.barcode) ?? item?.boxId ?? undefined, detail: f.detail };
      });
      await recordShelfJudgement(db, runId, findings);
      return { findings: findings.length };
    },
  };
}
