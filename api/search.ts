import { z } from 'zod';
import { citizenIdProblem } from '../domain/citizen-id';
import { creditCodeProblem } from '../domain/credit-code';
import { LIFECYCLE_STATES } from '../domain/lifecycle';
import { RETENTION_PERIODS } from '../domain/retention';
import { searchChars } from '../domain/search-text';
import { SECURITY_LEVELS } from '../domain/security';
import { SEARCH_SORTS, search } from '../use-cases/search';
import type { ApiContext } from './context';
import { route, type Route } from './route';
import { SearchReply } from './views/search';

/** A list given as repeated parameters, comma-separated, or both. */
const listOf = <T extends z.ZodType<unknown, string>>(item: T, what: string) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) =>
      (Array.isArray(v) ? v : [v])
        .flatMap((s) => s.split(','))
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item).min(1, `name at least one ${what}`).max(50, `at most 50 ${what}s`))
    .optional();

const checked = (problem: (v: string) => string | null) =>
  z
    .string()
    .trim()
    .toUpperCase()
    .superRefine((v, ctx) => {
      const p = problem(v);
      if (p) ctx.addIssue({ code: 'custom', message: p });
    });

const findable = (min: number, what: string) =>
  z
    .string()
    .trim()
    .max(50)
    .refine(
      (v) => [...searchChars(v)].length >= min,
      `${what}: give at least ${min} Chinese character${min > 1 ? 's' : ''}, letter${min > 1 ? 's' : ''} or digit${min > 1 ? 's' : ''}`,
    );

const year = z.coerce.number().int().min(1900).max(2999);
const day = z.iso.date('must be a date, YYYY-MM-DD');

export const SearchQuery = z.object({
  citizenId: checked(citizenIdProblem).optional().describe('公民身份号码, exact'),
  archivalCode: z.string().trim().min(1).max(100).optional().describe('档号, exact'),
  caseNumber: z.string().trim().min(1).max(100).optional().describe('business case number, exact'),
  creditCode: checked(creditCodeProblem).optional().describe("employer's unified social credit code, exact"),
  name: findable(1, 'name')
    .optional()
    .describe("person's name: any part of it (one character: the surname), or the whole name with nameExact"),
  nameExact: z.enum(['true', 'false']).default('false').describe('true: the name exactly as given'),
  employer: findable(2, 'employer').optional().describe("any part of the employer's name"),
  text: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .transform((v) => v.split(/\s+/).filter(Boolean))
    .pipe(z.array(findable(2, 'each word of text')).max(8, 'text: at most 8 words'))
    .optional()
    .describe('full text over the recognised pages: words separated by spaces, each found on the same page as a phrase'),
  fonds: listOf(z.string().min(1).max(20), 'fonds code').describe('fonds codes, e.g. J001'),
  businessType: listOf(z.string().min(1).max(40), 'business type code').describe('business type codes'),
  year: year.optional(),
  yearFrom: year.optional(),
  yearTo: year.optional(),
  retention: listOf(z.enum(RETENTION_PERIODS), 'retention period'),
  state: listOf(z.enum(LIFECYCLE_STATES), 'lifecycle state'),
  securityLevel: listOf(z.enum(SECURITY_LEVELS), 'security level'),
  handledFrom: day.optional().describe('handled on or after this day'),
  handledTo: day.optional().describe('handled on or before this day'),
  sort: z.enum(SEARCH_SORTS).default('handled_desc'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(400).optional().describe('the nextCursor of the page before'),
});

export function searchRoutes(ctx: ApiContext): Route[] {
  return [
    route({
      method: 'get',
      path: '/search',
      tag: 'search',
      auth: true,
      summary: 'Search the items you may read: exact numbers, names, employer, filters and the full text of recognised pages, combined',
      query: SearchQuery,
      response: { status: 200, description: 'One page of matches, with the total and the cursor of the next page', schema: SearchReply },
      async handle({ actor, query: q }) {
        const years = q.year !== undefined ? { from: q.year, to: q.year } : { from: q.yearFrom, to: q.yearTo };
        return search(ctx, actor, {
          citizenId: q.citizenId,
          archivalCode: q.archivalCode,
          caseNumber: q.caseNumber,
          employerCreditCode: q.creditCode,
          personName: q.name === undefined ? undefined : { value: q.name, exact: q.nameExact === 'true' },
          employerName: q.employer,
          text: q.text,
          fonds: q.fonds,
          businessTypes: q.businessType,
          years,
          retentionPeriods: q.retention,
          lifecycleStates: q.state,
          securityLevels: q.securityLevel,
          handled: { from: q.handledFrom, to: q.handledTo },
          sort: q.sort,
          limit: q.limit,
          cursor: q.cursor,
        });
      },
    }),
  ];
}
