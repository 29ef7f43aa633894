import { z } from 'zod';
import { USE_PURPOSES } from '../domain/consultation';
import { exportUses, listUses, useStats } from '../use-cases/use-register';
import type { ApiContext } from './context';
import { route, type Route } from './route';
import { UseRegisterPage, UseStatistics } from './views/consultations';

// The register begins with Lantai; a day outside these years is a typing slip, and the agency calendar has no offset for it.
const day = z.iso
  .date('must be a day, YYYY-MM-DD')
  .refine((v) => Number(v.slice(0, 4)) >= 1900 && Number(v.slice(0, 4)) <= 2999, 'must be a day of the years 1900 to 2999');
const Filters = z.object({
  fonds: z.string().min(1).max(20).optional(),
  purpose: z.enum(USE_PURPOSES).optional(),
  kind: z.enum(['view_page', 'download_pdf', 'lend', 'return']).optional(),
  businessType: z.string().min(1).max(20).optional().describe('a business type code, e.g. GL02'),
  consultation: z.uuid('must be a request id (UUID)').optional(),
  from: day.optional().describe('first day, in the agency time zone'),
  to: day.optional().describe('last day, in the agency time zone'),
});
const rid = (req: { id: unknown }) => String(req.id);

/** 利用登记: every use, its statistics, and both as a workbook. */
export function useRegisterRoutes(ctx: ApiContext): Route[] {
  return [
    route({
      method: 'get',
      path: '/use-register',
      tag: 'use',
      auth: true,
      summary:
        'The use register (利用登记), newest first, paged by `before`: every view, download, loan and return with purpose and outcome',
      query: Filters.extend({
        before: z
          .string()
          .regex(/^\d{1,18}$/, 'must be the `next` of the previous page')
          .optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
      response: { status: 200, description: 'A page of the register', schema: UseRegisterPage },
      handle: ({ req, actor, query }) => listUses(ctx, actor, query, rid(req)),
    }),
    route({
      method: 'get',
      path: '/use-register/statistics',
      tag: 'use',
      auth: true,
      summary: 'Uses by month, purpose and business type (利用统计)',
      query: Filters,
      response: { status: 200, description: 'One row per month, purpose and business type', schema: UseStatistics },
      handle: ({ req, actor, query }) => useStats(ctx, actor, query, rid(req)),
    }),
    route({
      method: 'get',
      path: '/use-register.xlsx',
      tag: 'use',
      auth: true,
      summary: 'The register and its statistics as an Excel workbook (sheets 利用登记 and 利用统计)',
      query: Filters,
      response: {
        status: 200,
        description: 'The workbook',
        binary: ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
      },
      async handle({ req, res, actor, query }) {
        const xlsx = await exportUses(ctx, actor, query, rid(req));
        res
          .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .set('content-disposition', 'attachment; filename="use-register.xlsx"')
          .send(xlsx);
        return undefined;
      },
    }),
  ];
}
