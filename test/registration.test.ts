import { ItemRegistration, registerCase } from '../catalogue/registration';
import { agencyDateOf } from '../domain/calendar';
import { apiHarness, caseFor, type apiClient, type Harness } from './helpers';

let t: Awaited<ReturnType<typeof apiHarness>>;
let h: Harness;
let client: ReturnType<typeof apiClient>;
let tokens: Record<string, string>;

interface ItemReply {
  id: string;
  caseNumber: string;
  personName: string;
  securityLevel: string;
}
interface ErrorReply {
  error: { code: string; message: string; details?: { field: string; problem: string }[]; requestId: string };
}
interface BatchReply {
  results: {
    index: number;
    caseNumber: string | null;
    status: 'created' | 'existing' | 'refused';
    item?: ItemReply;
    error?: ErrorReply['error'];
  }[];
  counts: { created: number; existing: number; refused: number };
}

beforeAll(async () => {
  t = await apiHarness({ users: ['clerk', 'archivist', 'auditor'], worker: false });
  ({ h, client, tokens } = t);
  // A clerk cleared for secret items, beside the demo clerk cleared for internal ones.
  if (!(await h.db.user.findUnique({ where: { username: 'clerk-secret' } }))) {
    const template = await h.db.user.findUniqueOrThrow({ where: { username: 'clerk' }, include: { fonds: true } });
    await h.db.user.create({
      data: {
        username: 'clerk-secret',
        displayName: '机要经办',
        roles: ['clerk'],
        clearance: 'secret',
        passwordHash: template.passwordHash,
        fonds: { create: template.fonds.map((f) => ({ fondsId: f.fondsId })) },
      },
    });
  }
  tokens.clerkSecret = await client.login('clerk-secret');
});
afterAll(() => t.close());

const register = (body: Record<string, unknown>, token = tokens.clerk) =>
  client.call<ItemReply & ErrorReply>('POST', '/items', { token, body });
const batch = (cases: unknown[], token = tokens.clerk) =>
  client.call<BatchReply & ErrorReply>('POST', '/items/batch', { token, body: { cases } });
const itemsOf = (caseNumbers: string[]) => h.db.item.findMany({ where: { caseNumber: { in: caseNumbers } } });
/** The catalogue's rows that registration writes: items, their history and their audit entries. */
const catalogueRows = async () => ({
  items: await h.db.item.count(),
  history: await h.db.lifecycleEvent.count(),
  registered: await h.db.auditEvent.count({ where: { action: 'item.register' } }),
});
// Case numbers of this run's own: caseFor's are unique enough one at a time, not for a thousand in one millisecond.
const run = Date.now().toString(36);
let serial = 0;
const newCase = (overrides: Record<string, unknown> = {}) => caseFor({ caseNumber: `REG-${run}-${++serial}`, ...overrides });
const dayAfter = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

describe('registration of one case', () => {
  it('answers 200 with the item when the same index data comes again, and 409 naming the fields when other data does', async () => {
    const body = newCase();
    const first = await register(body);
    expect(first.status).toBe(201);
    expect((await register(body)).body.id).toBe(first.body.id);
    expect((await register(body)).status).toBe(200);

    const before = await catalogueRows();
    const changed = await register({ ...body, personName: '林小晓', handledOn: '2024-05-10' });
    expect(changed.status).toBe(409);
    expect(changed.body.error.code).toBe('conflict');
    expect(changed.body.error.message).toMatch(/already registered with other index data: personName, handledOn differ/);
    expect(changed.body.error.details!.map((d) => d.field)).toEqual(['personName', 'handledOn']);
    expect(await catalogueRows()).toEqual(before);
    const [item] = await itemsOf([body.caseNumber]);
    expect(item).toMatchObject({ id: first.body.id, personName: body.personName, handledOn: new Date('2024-05-09') });

    // A title left out is not compared: the business system need not send it again.
    const titled = newCase({ title: '林晓 参保人员登记（补录）' });
    expect((await register(titled)).status).toBe(201);
    expect((await register({ ...titled, title: undefined })).status).toBe(200);
    expect((await register({ ...titled, title: '另一个题名' })).body.error.details).toEqual([
      { field: 'title', problem: 'differs from the registered case' },
    ]);
  });

  it('refuses a handled date in the future of China Standard Time, or before 1949-10-01, and takes today', async () => {
    const today = agencyDateOf();
    const before = await catalogueRows();
    for (const handledOn of [dayAfter(today), '2999-01-01', '1949-09-30']) {
      const r = await register(newCase({ handledOn }));
      expect(r.status).toBe(400);
      expect(r.body.error.details!.map((d) => d.field)).toEqual(['handledOn']);
      expect(r.body.error.message).toMatch(
        handledOn === '1949-09-30'
          ? /on or after 1949-10-01/
          : /must not be in the future \(today is \d{4}-\d\d-\d\d, China Standard Time\)/,
      );
    }
    expect(await catalogueRows()).toEqual(before);
    expect((await register(newCase({ handledOn: today }))).status).toBe(201);
    expect((await register(newCase({ handledOn: '1949-10-01' }))).status).toBe(201);
  });

  it.each([
    ['personName', '   ', /must not be blank/],
    ['personName', '林\u202e晓', /bidirectional control characters/],
    ['clerk', '王\t经办', /control characters/],
    ['employerName', '', /must not be blank/],
    ['caseNumber', 'YL 2024 001', /letters, digits and \. _ - \/ only/],
    ['caseNumber', '业务-001', /letters, digits/],
    ['caseNumber', '-001', /starting with a letter or digit/],
    ['employerCreditCode', '91110000600037341A', /check character is 'A', but the first 17 characters give 'L'/],
    ['employerCreditCode', '9111000060003734IL', /character 17 \('I'\)/],
    ['employerCreditCode', '91110000600037341', /must be 18 characters/],
  ])('refuses %s %j, naming the field, and registers nothing', async (field, value, message) => {
    const before = await catalogueRows();
    const r = await register(newCase({ [field]: value }));
    expect(r.status).toBe(400);
    expect(r.body.error.details!.map((d) => d.field)).toEqual([field]);
    expect(r.body.error.message).toMatch(message);
    expect(await catalogueRows()).toEqual(before);
  });

  it('takes a name with a character beyond the BMP, and a credit code whose check character agrees', async () => {
    const r = await register(newCase({ personName: '林𠮷', employerName: '示范科技有限公司', employerCreditCode: '91350100M000100Y43' }));
    expect(r.status).toBe(201);
    expect(r.body.personName).toBe('林𠮷');
  });

  it('lets nobody register an item above their own clearance, and audits the denial', async () => {
    const body = newCase({ securityLevel: 'secret' });
    const r = await register(body);
    expect(r.status).toBe(403);
    expect(r.body.error.message).toBe('you may not register an item at security level secret; your clearance is internal');
    expect(await itemsOf([body.caseNumber])).toEqual([]);
    const logged = await h.db.auditEvent.findFirst({ where: { requestId: r.body.error.requestId } });
    expect(logged).toMatchObject({
      outcome: 'denied',
      action: 'register',
      subject: 'fonds:J001',
      actor: 'clerk',
      reason: r.body.error.message,
    });

    expect((await register(body, tokens.clerkSecret)).status).toBe(201);
    expect((await register(newCase({ securityLevel: 'confidential' }), tokens.clerkSecret)).status).toBe(403);
  });

  it("refuses a fonds not among the clerk's, and a role that does not register, audited", async () => {
    const other = await register(newCase({ fonds: 'J002', businessType: 'YB01' }));
    expect(other.status).toBe(403);
    expect(other.body.error.message).toBe('fonds J002 is not among your fonds');
    const archivist = await register(newCase(), tokens.archivist);
    expect(archivist.status).toBe(403);
    expect(archivist.body.error.message).toMatch(/your roles \(archivist\) do not register items/);
    for (const r of [other, archivist])
      expect(await h.db.auditEvent.count({ where: { requestId: r.body.error.requestId, outcome: 'denied' } })).toBe(1);
    expect((await batch([newCase()], tokens.auditor)).status).toBe(403);
  });

  it('never returns an item the clerk may not see: a case number of a secret item is a 409 without its data', async () => {
    const secret = ItemRegistration.parse(newCase({ securityLevel: 'secret', personName: '机密人员' }));
    const { item } = await registerCase(h.db, secret, { name: 'business system' });
    for (const body of [
      { ...secret, securityLevel: 'internal' },
      { ...secret, securityLevel: 'internal', personName: '林晓' },
    ]) {
      const r = await register(body);
      expect(r.status).toBe(409);
      expect(r.body.error.message).toBe(`case number ${secret.caseNumber} is already registered in fonds J001, as an item you may not see`);
      expect(r.body.error.details).toBeUndefined();
      const raw = JSON.stringify(r.body);
      for (const leak of [item.id, '机密人员', 'secret']) expect(raw).not.toContain(leak);
      const logged = await h.db.auditEvent.findFirst({ where: { requestId: r.body.error.requestId } });
      expect(logged).toMatchObject({
        outcome: 'denied',
        subject: `item:${item.id}`,
        reason: "the item's security level is secret; your clearance is internal",
      });
    }
    // The clerk cleared for it gets it back.
    const cleared = await register({ ...secret }, tokens.clerkSecret);
    expect([cleared.status, cleared.body.id]).toEqual([200, item.id]);
  });

  it('of 20 registrations of one case number at once, one creates the item and 19 find it, none fails', async () => {
    const body = newCase();
    const replies = await Promise.all(Array.from({ length: 20 }, () => register(body)));
    expect(replies.map((r) => r.status).sort((a, b) => a - b)).toEqual([...Array<number>(19).fill(200), 201]);
    expect(new Set(replies.map((r) => r.body.id)).size).toBe(1);
    const [item] = await itemsOf([body.caseNumber]);
    expect(await h.db.lifecycleEvent.count({ where: { itemId: item!.id } })).toBe(1);
    expect(await h.db.auditEvent.count({ where: { subject: `item:${item!.id}`, action: 'item.register' } })).toBe(1);
  });
});

describe('registration in batches', () => {
  it('gives each case its own result; refused cases change nothing and stop no other', async () => {
    const known = newCase();
    const secret = ItemRegistration.parse(newCase({ securityLevel: 'secret' }));
    expect((await register(known)).status).toBe(201);
    await registerCase(h.db, secret, { name: 'business system' });
    const fresh = [newCase(), newCase({ employerName: '示范科技有限公司', employerCreditCode: '91110000600037341L' })];
    const twice = newCase();
    const refusedCases = [
      newCase({ citizenId: '440304198506151238' }),
      newCase({ businessType: 'XX99' }),
      newCase({ fonds: 'X999' }),
      newCase({ handlingOffice: 'NOPE' }),
      newCase({ fonds: 'J002', businessType: 'YB01' }),
      newCase({ securityLevel: 'secret' }),
      newCase({ handledOn: dayAfter(agencyDateOf()) }),
      newCase({ personName: 'a\u0000b' }),
    ];
    const cases = [
      fresh[0],
      known,
      ...refusedCases,
      { ...known, clerk: '李经办' },
      'not a case',
      { ...newCase(), caseNumber: undefined },
      { ...secret, securityLevel: 'internal' },
      fresh[1],
      twice,
      { ...twice, title: '另一个题名' },
      twice,
    ];
    const before = await catalogueRows();
    const r = await batch(cases);
    expect(r.status).toBe(200);
    const { results, counts } = r.body;
    expect(results.map((x) => x.index)).toEqual(cases.map((_, i) => i));
    const summary = results.map((x) => [x.status, x.error?.code ?? null, x.error?.details?.map((d) => d.field) ?? null]);
    expect(summary).toEqual([
      ['created', null, null],
      ['existing', null, null],
      ['refused', 'bad_request', ['citizenId']],
      ['refused', 'bad_request', ['businessType']],
      ['refused', 'bad_request', ['fonds']],
      ['refused', 'bad_request', ['handlingOffice']],
      ['refused', 'forbidden', null],
      ['refused', 'forbidden', null],
      ['refused', 'bad_request', ['handledOn']],
      ['refused', 'bad_request', ['personName']],
      ['refused', 'conflict', ['clerk']],
      ['refused', 'bad_request', ['case']],
      ['refused', 'bad_request', ['caseNumber']],
      ['refused', 'conflict', null],
      ['created', null, null],
      ['created', null, null],
      ['refused', 'conflict', ['title']],
      ['existing', null, null],
    ]);
    expect(counts).toEqual({ created: 3, existing: 2, refused: 13 });
    expect(results.map((x) => x.caseNumber)).toEqual(cases.map((c) => (typeof c === 'object' ? (c.caseNumber ?? null) : null)));
    expect(results[1]!.item!.caseNumber).toBe(known.caseNumber);
    expect(results[17]!.item!.id).toBe(results[15]!.item!.id);
    expect(results[13]!.item).toBeUndefined();
    expect(JSON.stringify(results[13])).not.toContain('secret');

    // Exactly the three created cases were written, each with one history row and one audit entry.
    expect(await catalogueRows()).toEqual({ items: before.items + 3, history: before.history + 3, registered: before.registered + 3 });
    expect(await itemsOf(refusedCases.map((c) => c.caseNumber))).toEqual([]);
    expect((await itemsOf([known.caseNumber]))[0]!.clerkName).toBe(known.clerk);
    // The two cases the clerk may not register, and the item they may not see, are audited as denials.
    expect(await h.db.auditEvent.count({ where: { requestId: r.headers.get('x-request-id')!, outcome: 'denied' } })).toBe(3);
  });

  it('takes up to 1000 cases a request, names the limit beyond it, and refuses an empty batch', async () => {
    // Titles of 500 characters make a request of well over 1 MB.
    const cases = Array.from({ length: 1000 }, () => newCase({ title: '参'.repeat(500) }));
    const before = await catalogueRows();
    const full = await batch(cases);
    expect(full.status).toBe(200);
    expect(full.body.counts).toEqual({ created: 1000, existing: 0, refused: 0 });
    expect(await catalogueRows()).toEqual({
      items: before.items + 1000,
      history: before.history + 1000,
      registered: before.registered + 1000,
    });

    const tooMany = await batch([...cases, newCase()]);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toMatch(/^cases: at most 1000 cases per request/);
    const empty = await batch([]);
    expect(empty.status).toBe(400);
    expect(empty.body.error.details!.map((d) => d.field)).toEqual(['cases']);
    expect(await catalogueRows()).toEqual({
      items: before.items + 1000,
      history: before.history + 1000,
      registered: before.registered + 1000,
    });
  });

  it('registers each case number once when batches overlapping in case numbers arrive at once', async () => {
    const pool = Array.from({ length: 1000 }, () => newCase());
    // Four batches of 800 at once, each case number in three or four of them, in orders of their own.
    const batches = [0, 1, 2, 3].map((k) => {
      const picked = pool.filter((_, i) => i % 5 !== k);
      return k === 0 ? picked : k === 1 ? picked.reverse() : picked.sort(() => Math.random() - 0.5);
    });
    const singles = pool.slice(0, 20);
    const before = await catalogueRows();
    const [batchReplies, singleReplies] = await Promise.all([
      Promise.all(batches.map((b) => batch(b))),
      Promise.all(singles.map((c) => register(c))),
    ]);
    expect(batchReplies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(singleReplies.every((r) => r.status === 200 || r.status === 201)).toBe(true);
    const outcomes = [
      ...batchReplies.flatMap((r) => r.body.results.map((x) => [x.caseNumber, x.status, x.item?.id])),
      ...singleReplies.map((r, i) => [singles[i]!.caseNumber, r.status === 201 ? 'created' : 'existing', r.body.id]),
    ];
    expect(outcomes.filter(([, status]) => status === 'refused')).toEqual([]);
    const sent = new Set(outcomes.map(([caseNumber]) => caseNumber));
    const created = outcomes.filter(([, status]) => status === 'created').map(([caseNumber]) => caseNumber);
    expect(created.sort()).toEqual([...sent].sort());
    const items = await itemsOf([...sent] as string[]);
    expect(items).toHaveLength(sent.size);
    const idOf = new Map(items.map((i) => [i.caseNumber, i.id]));
    for (const [caseNumber, , id] of outcomes) expect(id).toBe(idOf.get(caseNumber!));
    expect(await catalogueRows()).toEqual({
      items: before.items + sent.size,
      history: before.history + sent.size,
      registered: before.registered + sent.size,
    });
  });

  it('is described in the OpenAPI document with its body and reply', async () => {
    const doc = await client.call<{
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody: { content: Record<string, { schema: Record<string, unknown> }> };
            responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
          }
        >
      >;
    }>('GET', '/openapi.json');
    const op = doc.body.paths['/items/batch']!.post!;
    expect(op.requestBody.content['application/json']!.schema).toMatchObject({
      properties: {
        cases: {
          maxItems: 1000,
          minItems: 1,
          items: { required: expect.arrayContaining(['caseNumber', 'citizenId', 'handledOn']) as string[] },
        },
      },
    });
    expect(op.responses['200']!.content!['application/json']!.schema).toMatchObject({
      properties: { results: { type: 'array' }, counts: { type: 'object' } },
    });
    expect(Object.keys(op.responses).sort()).toEqual(['200', '400', '401', '403', '413', '415', '503']);
    expect(Object.keys(doc.body.paths['/items']!.post!.responses)).toContain('409');
  });
});
