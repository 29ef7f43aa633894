import { z } from 'zod';
import { RETENTION_PERIODS } from '../domain/retention';
import { accessionView, startAccession } from '../use-cases/accessions';
import { startTransfer, transferOf, transferView } from '../use-cases/transfers';
import { defineAbilityFor } from './access';
import { deny, fondsFor } from './authorise';
import type { ApiContext } from './context';
import { route, type Route } from './route';
import { AccessionView, TransferView } from './views/transfers';

// S3's rule for a bucket's name; the store refuses any other (InvalidBucketName), so it is refused here first.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

const folder = z.string().min(1).max(500).describe('a folder under the transfer root (LANTAI_TRANSFER_ROOT)');

const TransferOrder = z.object({
  fonds: z.string().min(1),
  receiver: z.string().trim().min(1).max(100).default('市档案馆'),
  years: z.array(z.number().int().min(1900).max(2200)).min(1).max(200),
  retentionPeriods: z
    .array(z.enum(RETENTION_PERIODS))
    .min(1)
    .optional()
    .describe('default: the periods configured for transfer (LANTAI_TRANSFER_RETENTION)'),
  encoding: z.enum(['UTF-8', 'GB18030']).optional().describe('encoding of catalogue.xml; default LANTAI_TRANSFER_ENCODING'),
  target: z
    .discriminatedUnion('kind', [z.object({ kind: z.literal('s3') }), z.object({ kind: z.literal('directory'), path: folder })])
    .default({ kind: 's3' }),
});

const AccessionOrder = z.object({
  source: z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('s3'),
      bucket: z
        .string()
        .regex(BUCKET_NAME, 'must be an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens')
        .refine((b) => !b.includes('..'), 'must be an S3 bucket name: no two dots in a row')
        .optional(),
      prefix: z.string().min(1).max(500).describe('the package’s prefix, e.g. transfers/J001-20261121-ab12cd/'),
    }),
    z.object({ kind: z.literal('directory'), path: folder }),
  ]),
});

export function transferRoutes(ctx: ApiContext): Route[] {
  const idParam = z.object({ id: z.uuid() });
  return [
    route({
      method: 'post',
      path: '/transfers',
      tag: 'transfer',
      auth: true,
      summary:
        'Transfer permanent and long-term records of chosen years to the city archive: a checked, signed BagIt package in S3 or a folder',
      body: TransferOrder,
      response: { status: 202, description: 'Transfer started; its progress', schema: TransferView },
      async handle({ req, res, actor, body }) {
        const fonds = await fondsFor(ctx, actor, body.fonds, 'transfer', req.id as string);
        const view = await startTransfer(ctx, actor, fonds, body);
        res.status(202).json(view);
        return view;
      },
    }),
    route({
      method: 'get',
      path: '/transfers/:id',
      tag: 'transfer',
      auth: true,
      summary: 'A transfer: stage, package location and totals, the checks before sending, and the receiver’s receipt',
      params: idParam,
      errors: [404],
      response: { status: 200, description: 'The transfer', schema: TransferView },
      async handle({ req, actor, params }) {
        const transfer = await transferOf(ctx, params.id);
        if (!actor.fondsIds.includes(transfer.fondsId))
          await deny(
            ctx,
            actor,
            'read',
            `transfer:${params.id}`,
            'the transfer belongs to a fonds that is not among your fonds',
            req.id as string,
          );
        return transferView(ctx, transfer);
      },
    }),
    route({
      method: 'post',
      path: '/accessions',
      tag: 'transfer',
      auth: true,
      summary:
        'Receive a transfer package: every check re-run, each failure named with its record and rule; a receipt kept beside the package',
      body: AccessionOrder,
      response: { status: 202, description: 'Receiving started; its progress', schema: AccessionView },
      async handle({ req, res, actor, body }) {
        if (!defineAbilityFor(actor).can('receive_transfer', 'Accession'))
          await deny(ctx, actor, 'receive_transfer', 'accession', 'only the archive manager receives transfer packages', req.id as string);
        const view = await startAccession(ctx, actor, body.source);
        res.status(202).json(view);
        return view;
      },
    }),
    route({
      method: 'get',
      path: '/accessions/:id',
      tag: 'transfer',
      auth: true,
      summary: 'A received package: the checks’ report, the receipt’s location, the records accepted into custody',
      params: idParam,
      errors: [404],
      response: { status: 200, description: 'The accession', schema: AccessionView },
      async handle({ req, actor, params }) {
        if (!defineAbilityFor(actor).can('read', 'Accession'))
          await deny(ctx, actor, 'read', `accession:${params.id}`, 'your roles do not read received packages', req.id as string);
        return accessionView(ctx, params.id);
      },
    }),
  ];
}
