import type { Finding } from '../domain/capture';
import { parseSlipPayload } from '../domain/slip';

export interface QualityRules {
  /** Pages skewed more than this are rejected for a rescan; smaller skew is corrected at capture. */
  maxSkewDegrees: number;
}

export interface PageAnalysisRecord {
  skewDegrees: number;
  sharpness: number;
  blurred: boolean;
  blank: boolean;
  redMarkPresent: boolean;
  barcodes: { format: string; text: string }[];
}

export interface PageRecord {
  pageNumber: number;
  dpi: number | null;
  analysis: PageAnalysisRecord | null;
}

export interface ItemUnderCheck {
  caseNumber: string;
  citizenId: string;
  businessType: {
    code: string;
    name: string;
    minDpi: number;
    materials: { name: string; mustCollect: boolean; imageRequired: boolean; sealOrSignature: boolean }[];
  };
}

const SLIP_FIELDS = ['caseNumber', 'citizenId', 'businessType'] as const;

/** The automatic checks of verification (DA/T 31-2017 scanning rules and the business type's checklist). */
export function checkPages(item: ItemUnderCheck, pages: PageRecord[], rules: QualityRules): Finding[] {
  const findings: Finding[] = [];
  const bt = item.businessType;
  for (const p of pages) {
    const a = p.analysis;
    if (!a) continue;
    if (a.blank) findings.push({ type: 'image_blank', pageNumber: p.pageNumber, detail: `page ${p.pageNumber} is blank` });
    else if (a.blurred)
      findings.push({
        type: 'image_blurred',
        pageNumber: p.pageNumber,
        detail: `page ${p.pageNumber} is blurred (sharpness ${a.sharpness.toFixed(1)})`,
      });
    if (Math.abs(a.skewDegrees) > rules.maxSkewDegrees) {
      findings.push({
        type: 'image_skewed',
        pageNumber: p.pageNumber,
        detail: `page ${p.pageNumber} is skewed ${a.skewDegrees.toFixed(1)}°, more than the ${rules.maxSkewDegrees}° allowed`,
      });
    }
    if (p.dpi === null || p.dpi < bt.minDpi) {
      findings.push({
        type: 'image_low_resolution',
        pageNumber: p.pageNumber,
        detail: `page ${p.pageNumber} is ${p.dpi ?? 'of unknown'} dpi; ${bt.name} needs at least ${bt.minDpi} dpi`,
      });
    }
  }
  const required = bt.materials.filter((m) => m.mustCollect && m.imageRequired);
  if (pages.length < required.length) {
    findings.push({
      type: 'image_missing_page',
      detail: `${pages.length} page(s) against ${required.length} required materials (${required.map((m) => m.name).join('、')})`,
    });
  }
  const slipProblem = checkSlip(
    item,
    pages.flatMap((p) => p.analysis?.barcodes ?? []),
  );
  if (slipProblem) findings.push({ type: 'slip_field_missing', detail: slipProblem });
  if (bt.materials.some((m) => m.sealOrSignature) && pages.length > 0 && !pages.some((p) => p.analysis?.redMarkPresent)) {
    findings.push({ type: 'seal_or_signature_missing', detail: `${bt.name} needs a red seal or signature and none was found` });
  }
  return findings;
}

/** The processing slip's barcode must name this case; a QR slip must also carry the required fields, matching the index data. */
function checkSlip(item: ItemUnderCheck, barcodes: { format: string; text: string }[]): string | undefined {
  if (barcodes.some((b) => b.text.trim() === item.caseNumber)) return undefined;
  const slip = barcodes.map((b) => parseSlipPayload(b.text)).find((f) => f?.caseNumber === item.caseNumber);
  if (!slip) return `no processing slip barcode for case ${item.caseNumber} was found on any page`;
  const missing = SLIP_FIELDS.filter((f) => !slip[f]);
  if (missing.length) return `the processing slip lacks ${missing.join(', ')}`;
  const expected: Record<string, string> = { citizenId: item.citizenId, businessType: item.businessType.code };
  const wrong = Object.entries(expected).filter(([k, v]) => slip[k] !== v);
  return wrong.length ? `the processing slip's ${wrong.map(([k]) => k).join(', ')} differ from the index data` : undefined;
}
