/** A few demo business cases, registered through the API like a business system would, when the catalogue has none. */
const DEMO_CASES = [
  { caseNumber: 'YL2024-000101', businessType: 'YL01', citizenId: '11010519491231002X', personName: '陈参保', handledOn: '2024-03-18', title: '陈参保 养老待遇核定', advanceTo: ['captured'] },
  { caseNumber: 'YL2024-000102', businessType: 'GL02', citizenId: '440304198506151237', personName: '林晓', handledOn: '2024-05-09', title: '林晓 参保人员登记', advanceTo: ['captured', 'verified'] },
  { caseNumber: 'YL2024-000103', businessType: 'GL03', citizenId: '310115199001014564', personName: '黄明', handledOn: '2024-07-22', title: '黄明 个人账户管理', advanceTo: [] },
];

export async function registerDemoItems(apiUrl: string, password: string): Promise<number> {
  const call = async (method: string, p: string, token?: string, body?: unknown) => {
    const res = await fetch(`${apiUrl}${p}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
    return { status: res.status, json };
  };
  const clerk = (await call('POST', '/auth/login', undefined, { username: 'clerk', password })).json.token as string;
  const counts = (await call('GET', '/lifecycle/counts?fonds=J001', clerk)).json as unknown as { total: number }[];
  if ((counts[0]?.total ?? 0) > 0) return 0;
  const archivist = (await call('POST', '/auth/login', undefined, { username: 'archivist', password })).json.token as string;
  for (const c of DEMO_CASES) {
    const { json } = await call('POST', '/items', clerk, {
      fonds: 'J001', caseNumber: c.caseNumber, businessType: c.businessType, citizenId: c.citizenId, personName: c.personName,
      clerk: '王经办', handledOn: c.handledOn, handlingOffice: 'BS01', title: c.title,
    });
    for (const to of c.advanceTo) await call('POST', `/items/${String(json.id)}/transitions`, archivist, { to, reason: 'demo' });
  }
  return DEMO_CASES.length;
}
