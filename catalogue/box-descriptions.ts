import { SECURITY_LEVEL_LABELS } from '../domain/security';
import { retentionLabel, type BoxDescription } from '../documents';
import type { Db } from '../prisma/client';
import { BOX_ORDER } from './assemblies';

/** The assembly's boxes, as the volume documents print them: items in number order, with their current page counts. */
export async function boxDescriptionsOfAssembly(db: Db, assemblyId: string): Promise<BoxDescription[]> {
  const boxes = await db.box.findMany({
    where: { assemblyId },
    orderBy: BOX_ORDER,
    include: {
      fonds: { include: { agency: true } },
      items: {
        orderBy: { itemNumber: 'asc' },
        include: { handlingOffice: true, _count: { select: { pages: { where: { supersededAt: null } } } } },
      },
    },
  });
  return boxes.map((box) => {
    const first = box.items[0];
    const last = box.items[box.items.length - 1];
    const pageCount = box.items.reduce((n, i) => n + i._count.pages, 0);
    return {
      fondsCode: box.fonds.code,
      fondsName: box.fonds.name,
      agencyName: box.fonds.agency.name,
      year: box.year,
      retentionCode: box.retentionPeriod,
      retentionLabel: retentionLabel(box.retentionPeriod),
      orgCode: box.orgCode,
      boxNumber: box.boxNumber,
      boxBarcode: box.barcode,
      firstItemNumber: box.firstItemNumber,
      lastItemNumber: box.lastItemNumber,
      firstArchivalCode: first?.archivalCode ?? '',
      lastArchivalCode: last?.archivalCode ?? '',
      entries: box.items.map((item, i) => ({
        sequence: i + 1,
        archivalCode: item.archivalCode ?? '',
        documentNumber: item.caseNumber,
        responsible: item.handlingOffice.name,
        title: item.title,
        date: item.handledOn.toISOString().slice(0, 10).replaceAll('-', ''),
        securityLevel: SECURITY_LEVEL_LABELS[item.securityLevel],
        pages: item._count.pages,
        remarks: '',
        barcode: item.barcode ?? '',
      })),
      noteSheet: {
        note: box.note || `件号 ${box.firstItemNumber}–${box.lastItemNumber}，按办理日期排列。`,
        itemCount: box.items.length,
        pageCount,
        arrangedBy: box.arrangedBy,
        arrangedOn: day(box.arrangedAt),
        checkedBy: box.checkedBy ?? '',
        checkedOn: box.checkedAt ? day(box.checkedAt) : '',
      },
    };
  });
}

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}
