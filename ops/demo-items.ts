import { renderPage, type PageSpec } from './sample-pages';

/**
 * A few demo business cases, when the catalogue has none: registered through the API as a business system would,
 * their papers scanned in by a clerk at the window, and each brought to its state by the real steps: one stays
 * registered, one passes verification, one fails it on a page scanned out of focus and waits for an archivist.
 */
type DemoState = 'registered' | 'verified' | 'verification_failed';

interface DemoCase {
  caseNumber: string;
  businessType: string;
  citizenId: string;
  personName: string;
  handledOn: string;
  title: string;
  /** The papers in the order of the business type's required-materials checklist. */
  pages: PageSpec[];
  reaches: DemoState;
}

const processingSlip = (caseNumber: string, seed: number): PageSpec => ({
  lines: 12,
  barcode: { symbology: 'code128', text: caseNumber, at: 'top-right' },
  seed,
});
const form = (seed: number): PageSpec => ({ lines: 28, seed });
const sealedForm = (seed: number): PageSpec => ({ lines: 20, seal: true, seed });
const idCopy = (seed: number): PageSpec => ({ lines: 10, format: 'jpeg', seed });
const outOfFocus = (page: PageSpec): PageSpec => ({ ...page, blur: 6 });

const DEMO_CASES: DemoCase[] = [
  {
    caseNumber: 'YL2024-000101',
    businessType: 'YL01',
    citizenId: '11010519491231002X',
    personName: '陈参保',
    handledOn: '2024-03-18',
    title: '陈参保 养老待遇核定',
    pages: [processingSlip('YL2024-000101', 101), outOfFocus(form(102)), idCopy(103), sealedForm(104)],
    reaches: 'verification_failed',
  },
  {
    caseNumber: 'YL2024-000102',
    businessType: 'GL02',
    citizenId: '440304198506151237',
    personName: '林晓',
    handledOn: '2024-05-09',
    title: '林晓 参保人员登记',
    pages: [processingSlip('YL2024-000102', 201), idCopy(202), sealedForm(203)],
    reaches: 'verified',
  },
  {
    caseNumber: 'YL2024-000103',
    businessType: 'GL03',
    citizenId: '310115199001014564',
    personName: '黄明',
    handledOn: '2024-07-22',
    title: '黄明 个人账户管理',
    pages: [],
    reaches: 'registered',
  },
];

// On a first start the API answers before the worker has loaded its workflow bundle, and two cores prepare,
// store and check seven A4 pages in well under a minute; three minutes means the worker is not doing its work.
const SETTLE_TIMEOUT_MS = 180_000;

export async function registerDemoItems(apiUrl: string, password: string): Promise<number> {
  const api = demoApi(apiUrl);
  const clerk = await api.login('clerk', password);
  const [j001] = await api.json<{ total: number }[]>('GET', '/lifecycle/counts?fonds=J001', clerk);
  if ((j001?.total ?? 0) > 0) return 0;
  const handled: { demo: DemoCase; itemId: string }[] = [];
  for (const demo of DEMO_CASES) handled.push({ demo, itemId: await handleAtWindow(api, clerk, demo) });
  for (const { demo, itemId } of handled) await waitUntilSettled(api, clerk, itemId, demo);
  return DEMO_CASES.length;
}

/** The clerk registers the case's item and, when it has papers, scans them in one by one and says all are in. */
async function handleAtWindow(api: DemoApi, clerk: string, demo: DemoCase): Promise<string> {
  const { caseNumber, businessType, citizenId, personName, handledOn, title } = demo;
  const { id } = await api.json<{ id: string }>('POST', '/items', clerk, {
    fonds: 'J001',
    caseNumber,
    businessType,
    citizenId,
    personName,
    clerk: '王经办',
    handledOn,
    handlingOffice: 'BS01',
    title,
  });
  if (demo.pages.length === 0) return id;
  for (const page of demo.pages)
    await api.upload(`/items/${id}/pages`, clerk, await renderPage(page), page.format === 'jpeg' ? 'image/jpeg' : 'image/png');
  await api.json('POST', `/items/${id}/capture/finish`, clerk);
  return id;
}

/** Polls the item until verification has settled it in the state the demo wants, and says why when it does not. */
async function waitUntilSettled(api: DemoApi, clerk: string, itemId: string, demo: DemoCase): Promise<void> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const { lifecycleState } = await api.json<{ lifecycleState: string }>('GET', `/items/${itemId}`, clerk);
    if (lifecycleState === demo.reaches) return;
    if (lifecycleState === 'verified' || lifecycleState === 'verification_failed') {
      const { defects } = await api.json<{ defects: { type: string; pageNumber: number | null }[] }>(
        'GET',
        `/items/${itemId}/capture`,
        clerk,
      );
      const found = defects.map((d) => (d.pageNumber ? `${d.type} (page ${d.pageNumber})` : d.type)).join(', ') || 'no defects';
      throw new Error(`demo item ${demo.caseNumber} ended ${lifecycleState}, not ${demo.reaches} (${found})`);
    }
    if (Date.now() > deadline) {
      throw new Error(
        `demo item ${demo.caseNumber} is still ${lifecycleState} after ${SETTLE_TIMEOUT_MS / 1000} s, not ${demo.reaches}; is the worker running? (see its log)`,
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

type DemoApi = ReturnType<typeof demoApi>;

function demoApi(apiUrl: string) {
  const send = async <T>(
    method: string,
    path: string,
    token: string | undefined,
    body: string | Buffer | undefined,
    contentType: string,
  ): Promise<T> => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { 'content-type': contentType, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body,
    });
    const reply = (await res.json()) as T;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(reply)}`);
    return reply;
  };
  return {
    json: <T = unknown>(method: string, path: string, token?: string, body?: unknown) =>
      send<T>(method, path, token, body === undefined ? undefined : JSON.stringify(body), 'application/json'),
    upload: (path: string, token: string, image: Buffer, type: 'image/png' | 'image/jpeg') => send('POST', path, token, image, type),
    login: async (username: string, password: string) =>
      (await send<{ token: string }>('POST', '/auth/login', undefined, JSON.stringify({ username, password }), 'application/json')).token,
  };
}
