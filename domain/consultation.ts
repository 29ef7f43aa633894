import { isCleared, type SecurityLevel } from './security';

/** 利用目的: what a request is for, as the use register and its statistics name it. */
export const USE_PURPOSES = ['benefit_claim', 'audit', 'judicial', 'personal', 'other'] as const;
export type UsePurpose = (typeof USE_PURPOSES)[number];
export const USE_PURPOSE_LABELS: Record<UsePurpose, string> = {
  benefit_claim: '查档（待遇申领）',
  audit: '审计',
  judicial: '司法',
  personal: '个人查询',
  other: '其他',
};

/** 利用方式: view online, a certified copy or excerpt (复制/摘录), or borrowing the paper (借阅). */
export const USE_FORMS = ['view', 'copy', 'borrow'] as const;
export type UseForm = (typeof USE_FORMS)[number];
export const USE_FORM_LABELS: Record<UseForm, string> = { view: '在线查阅', copy: '复制/摘录', borrow: '借阅' };

export const USE_KIND_LABELS = { view_page: '查阅页面', download_pdf: '下载复制件', lend: '借出', return: '归还' } as const;
export type UseKind = keyof typeof USE_KIND_LABELS;

export type Approver = 'archive_manager' | 'agency_head';

/** Ordinary items are approved by the archive manager; once any item reaches `headLevel`, by the agency head. */
export function approverFor(levels: SecurityLevel[], headLevel: SecurityLevel): Approver {
  return levels.some((level) => isCleared(level, headLevel)) ? 'agency_head' : 'archive_manager';
}

/** Whether the approver's role covers the request's level: the agency head may approve what the archive manager may. */
export function approves(roles: readonly string[], wanted: Approver): boolean {
  return roles.includes('agency_head') || (wanted === 'archive_manager' && roles.includes('archive_manager'));
}

/** The request number users see and quote: LY-2026-000123. */
export function consultationNumber(year: number, sequence: number): string {
  return `LY-${year}-${String(sequence).padStart(6, '0')}`;
}

/** Which access copies a form of use gives online: page images for viewing, also the stamped PDF for a copy. */
export function servesPages(form: UseForm): boolean {
  return form === 'view' || form === 'copy';
}
export function servesPdf(form: UseForm): boolean {
  return form === 'copy';
}
