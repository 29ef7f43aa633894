import { registerCase } from '../catalogue/registration';
import { apiHarness, caseFor } from './helpers';

/**
 * The places where access was enforced by hand and leaked: a barcode lookup answered with the id and state of an
 * item above the caller's clearance, and scan-session refusals left the audit trail unwritten.
 */
let env: Awaited<ReturnType<typeof apiHarness>>;

beforeAll(async () => {
  env = await apiHarness({ users: ['clerk', 'archivist', 'manager'], worker: false });
});
afterAll(() => env.close());

describe('access where it used to leak', () => {
  it('a wedge barcode lookup says nothing of a case above the reader’s clearance', async () => {
    // A 秘密 case, registered by a business system (the clerk may not register above internal).
    const c = caseFor({ businessType: 'SY01', securityLevel: 'secret' });
    const { item } = await registerCase(env.h.db, c as Parameters<typeof registerCase>[1], { name: 'business-system' });
    const asClerk = await env.client.call<{ error: { code: string; message: string; details: unknown } }>('POST', '/barcodes/wedge', {
      token: env.tokens.clerk,
      body: { workstation: 'window-1', text: `${c.caseNumber}\n` },
    });
    expect(asClerk.status).toBe(422);
    expect(asClerk.body.error.code).toBe('unknown_barcode');
    expect(JSON.stringify(asClerk.body)).not.toContain(item.id);
    expect(JSON.stringify(asClerk.body)).not.toContain(item.lifecycleState);
    // The archivist, cleared for 秘密, is told which case it is.
    const asArchivist = await env.client.call<{ item: { id: string } | null }[]>('POST', '/barcodes/wedge', {
      token: env.tokens.archivist,
      body: { workstation: 'window-1', text: `${c.caseNumber}\n` },
    });
    expect(asArchivist.status).toBe(200);
    expect(asArchivist.body[0]!.item!.id).toBe(item.id);
  });

  it('a refused scan session is written to the audit trail with its reason', async () => {
    const r = await env.client.call('POST', '/scan-sessions', { token: env.tokens.manager });
    expect(r.status).toBe(403);
    const denial = await env.h.db.auditEvent.findFirst({
      where: { actor: 'manager', action: 'scan', outcome: 'denied' },
      orderBy: { id: 'desc' },
    });
    expect(denial?.reason).toMatch(/clerks and archivists/);
  });
});
