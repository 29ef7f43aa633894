import { z } from 'zod';
import { USE_FORMS, USE_PURPOSES } from '../../domain/consultation';
import { SECURITY_LEVELS } from '../../domain/security';
import { isoTime } from './common';

const UseKindEnum = z.enum(['view_page', 'download_pdf', 'lend', 'return']);

export const ConsultationView = z.object({
  id: z.string(),
  number: z.string().describe('the request number users see and quote, e.g. LY-2026-000123'),
  status: z.enum(['awaiting_approval', 'approved', 'refused', 'expired', 'closed']),
  stage: z
    .enum(['awaiting_approval', 'deciding', 'approved', 'refused', 'expired', 'closed'])
    .nullable()
    .describe('what the running workflow is doing; null once it has finished'),
  requester: z.string(),
  outsideUnit: z.string().nullable(),
  introductionLetter: z.string().nullable(),
  purpose: z.enum(USE_PURPOSES),
  purposeLabel: z.string(),
  purposeText: z.string().nullable(),
  form: z.enum(USE_FORMS),
  formLabel: z.string(),
  approver: z.enum(['archive_manager', 'agency_head']).describe('who approves the request, by the level of its highest item'),
  selfService: z.boolean().describe('自助查询: an insured person or employer asking for copies of their own records, approved as filed'),
  decidedBy: z.string().nullable(),
  decidedAt: isoTime.nullable(),
  refusalReason: z.string().nullable(),
  expiresAt: isoTime.nullable().describe('when the grants end (and paper lent is due back)'),
  renewed: z.boolean(),
  outcome: z.string().nullable().describe('利用效果'),
  createdAt: isoTime,
  items: z.array(
    z.object({
      id: z.string(),
      archivalCode: z.string().nullable(),
      title: z.string().nullable().describe('null when the caller may not (yet) read the item'),
      securityLevel: z.enum(SECURITY_LEVELS).nullable(),
      pageCount: z.number().int().nullable(),
    }),
  ),
  loans: z.array(
    z.object({
      itemId: z.string(),
      lentBy: z.string(),
      lentAt: isoTime,
      dueAt: isoTime,
      remindedAt: isoTime.nullable(),
      escalatedAt: isoTime.nullable(),
      returnedAt: isoTime.nullable(),
      returnedTo: z.string().nullable(),
      condition: z.string().nullable(),
    }),
  ),
});

export const ConsultationList = z.object({ consultations: z.array(ConsultationView) });

export const UseRegisterPage = z.object({
  entries: z.array(
    z.object({
      id: z.string(),
      at: isoTime,
      kind: UseKindEnum,
      kindLabel: z.string(),
      pageNumber: z.number().int().nullable(),
      actor: z.string(),
      consultationId: z.string(),
      number: z.string(),
      requester: z.string(),
      outsideUnit: z.string().nullable(),
      purpose: z.enum(USE_PURPOSES),
      purposeLabel: z.string(),
      form: z.string(),
      outcome: z.string().nullable(),
      itemId: z.string(),
      archivalCode: z.string().nullable(),
      title: z.string(),
      fonds: z.string(),
      businessType: z.string(),
    }),
  ),
  next: z.string().nullable().describe('pass as `before` for the next page; null on the last'),
});

export const UseStatistics = z.object({
  rows: z.array(
    z.object({
      month: z.string().describe('YYYY-MM in the agency time zone'),
      purpose: z.enum(USE_PURPOSES),
      purposeLabel: z.string(),
      businessType: z.string(),
      uses: z.number().int(),
      requests: z.number().int(),
      items: z.number().int(),
    }),
  ),
});
