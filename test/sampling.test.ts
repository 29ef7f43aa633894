import { renderPage } from './fixtures/imaging/pages';
import { apiHarness, caseFor, eventually, itemState, type apiClient, type Harness } from './helpers';

let t: Awaited<ReturnType<typeof apiHarness>>;
let h: Harness;
let client: ReturnType<typeof apiClient>;
let tokens: Record<string, string>;

beforeAll(async () => {
  // Every verified item goes to the second-level check in this file.
  t = await apiHarness({ users: ['clerk', 'archivist', 'manager'], quality: { samplingShare: 1 } });
  ({ h, client, tokens } = t);
});

afterAll(() => t.close());

const waitingFor = (itemId: string, on: string) =>
  eventually(
    async () => {
      const list = (await client.call<{ itemId: string }[]>('GET', `/waiting?on=${on}`, { token: tokens.manager })).body;
      return list.some((w) => w.itemId === itemId) ? true : undefined;
    },
    { what: `${itemId} to wait on ${on}` },
  );

/** Runs a volume assembly of the item's fonds and year to its end; says whether the item was boxed. */
async function assemblyBoxes(itemId: string): Promise<boolean> {
  const item = await h.db.item.findUniqueOrThrow({ where: { id: itemId }, include: { fonds: true } });
  const started = await client.call<{ id: string }>('POST', '/volume-assemblies', {
    token: tokens.archivist,
    body: { fonds: item.fonds.code, years: [item.year] },
  });
  expect(started.status).toBe(202);
  await eventually(
    async () => {
      const status = (await client.call<{ status: string }>('GET', `/volume-assemblies/${started.body.id}`, { token: tokens.archivist }))
        .body.status;
      return ['assembled', 'failed'].includes(status) ? status : undefined;
    },
    { what: 'the assembly to finish' },
  );
  return (await h.db.item.findUniqueOrThrow({ where: { id: itemId } })).boxId !== null;
}

describe('second-level sampling check', () => {
  it('sends a verified item back with findings, which keeps it out of volume assembly until resolved', async () => {
    // A year of its own: the assemblies below take only this item, not items other test files left verified.
    const item = (
      await client.call<{ id: string; caseNumber: string }>('POST', '/items', {
        token: tokens.clerk,
        body: caseFor({ businessType: 'GL03', handledOn: '2003-05-09' }),
      })
    ).body;
    for (const page of [
      await renderPage({ lines: 12, barcode: { symbology: 'code128', text: item.caseNumber, at: 'top-right' } }),
      await renderPage({ seed: 5 }),
    ]) {
      expect(
        (
          await client.call('POST', `/items/${item.id}/pages`, {
            token: tokens.clerk,
            body: page,
            headers: { 'content-type': 'image/png' },
          })
        ).status,
      ).toBe(202);
    }
    await client.call('POST', `/items/${item.id}/capture/finish`, { token: tokens.clerk });
    await itemState(h.db, item.id, 'verified');
    await waitingFor(item.id, 'sampling_review');
    expect((await h.db.item.findUniqueOrThrow({ where: { id: item.id } })).sampled).toBe(true);
    expect(await assemblyBoxes(item.id)).toBe(false);

    const noFindings = await client.call('POST', `/items/${item.id}/quality/sample-review`, {
      token: tokens.archivist,
      body: { outcome: 'send_back' },
    });
    expect(noFindings.status).toBe(400);
    const sentBack = await client.call('POST', `/items/${item.id}/quality/sample-review`, {
      token: tokens.archivist,
      body: { outcome: 'send_back', findings: [{ type: 'original_blurred', pageNumber: 2, detail: '原件第2页字迹模糊' }] },
    });
    expect(sentBack.status).toBe(200);
    await itemState(h.db, item.id, 'verification_failed');
    expect(await assemblyBoxes(item.id)).toBe(false);
    const defect = await h.db.qualityDefect.findFirstOrThrow({ where: { itemId: item.id } });
    expect(defect).toMatchObject({ type: 'original_blurred', pageNumber: 2, detectedBy: 'archivist', resolvedAt: null });

    await waitingFor(item.id, 'quality_decision');
    expect(
      (
        await client.call('POST', `/items/${item.id}/quality/override`, {
          token: tokens.archivist,
          body: { reason: '原件即如此，已加注说明' },
        })
      ).status,
    ).toBe(200);
    await itemState(h.db, item.id, 'verified');
    await waitingFor(item.id, 'sampling_review');
    expect(
      (await client.call('POST', `/items/${item.id}/quality/sample-review`, { token: tokens.archivist, body: { outcome: 'pass' } })).status,
    ).toBe(200);
    await eventually(
      async () => ((await h.temporal.workflow.getHandle(`verify-${item.id}`).describe()).status.name === 'COMPLETED' ? true : undefined),
      { what: 'verification to end' },
    );
    expect((await h.db.item.findUniqueOrThrow({ where: { id: item.id } })).lifecycleState).toBe('verified');
    expect(await assemblyBoxes(item.id)).toBe(true);
    await itemState(h.db, item.id, 'assembled');
  });
});
