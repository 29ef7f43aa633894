/** A box as the API shows it, with its shelf place once the archive room has shelved it. */
export function boxView(b: {
  id: string;
  boxNumber: number;
  barcode: string;
  year: number;
  retentionPeriod: string;
  orgCode: string;
  firstItemNumber: number;
  lastItemNumber: number;
  itemCount: number;
  pageCount: number;
  shelfPosition: number | null;
  location: { room: string; shelf: string; barcode: string } | null;
}) {
  return {
    id: b.id,
    boxNumber: b.boxNumber,
    barcode: b.barcode,
    year: b.year,
    retentionPeriod: b.retentionPeriod,
    orgCode: b.orgCode,
    firstItemNumber: b.firstItemNumber,
    lastItemNumber: b.lastItemNumber,
    itemCount: b.itemCount,
    pageCount: b.pageCount,
    location: b.location
      ? { room: b.location.room, shelf: b.location.shelf, position: b.shelfPosition, shelfBarcode: b.location.barcode }
      : null,
  };
}
