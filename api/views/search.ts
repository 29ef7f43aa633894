import { z } from 'zod';
import { LIFECYCLE_STATES } from '../../domain/lifecycle';
import { SECURITY_LEVELS } from '../../domain/security';
import { isoDay } from './common';

const Highlight = z.object({
  field: z.enum(['personName', 'employerName', 'text']).describe('where the match is: a name, or the recognised text of a page'),
  pageNumber: z.number().int().optional().describe('for text: the page'),
  fragment: z.string().describe('the matched text with some context, whitespace collapsed'),
  matches: z
    .array(z.object({ start: z.number().int(), end: z.number().int() }))
    .describe('each match in the fragment: from start up to, not including, end'),
});

export const SearchHit = z.object({
  id: z.string(),
  fonds: z.string(),
  archivalCode: z.string().nullable(),
  caseNumber: z.string(),
  businessType: z.string(),
  businessTypeName: z.string(),
  lifecycleState: z.enum(LIFECYCLE_STATES),
  securityLevel: z.enum(SECURITY_LEVELS),
  retentionPeriod: z.string(),
  year: z.number().int(),
  citizenId: z.string().describe('masked (110105********1234) unless your role needs it or it is your own'),
  personName: z.string(),
  employerName: z.string().nullable(),
  employerCreditCode: z.string().nullable(),
  handledOn: isoDay,
  title: z.string(),
  highlights: z.array(Highlight),
});

export const SearchReply = z.object({
  items: z.array(SearchHit),
  total: z.number().int().describe('matches among the items you may read (counted up to totalExact false: at least this many)'),
  totalExact: z.boolean(),
  nextCursor: z.string().nullable().describe('pass as cursor for the next page; null on the last page'),
});
