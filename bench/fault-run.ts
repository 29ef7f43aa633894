/**
 * Business cases through the whole lifecycle (register, capture, verification, volume, hand-over, appraisal,
 * destruction) through the API of a supervised Lantai, while kill -9 hits the worker, the API, Temporal, MinIO and
 * PostgreSQL at seeded random moments, one fault at a time. The client behaves as a careful one would: it sends a
 * request again after a refused connection or a 503, and after a reply lost on the way it first reads what is
 * there. At the end the catalogue is counted: items lost, duplicated, stuck, destroyed without approval.
 */
import { secretsInMemory, signIn } from '../ops/sign-in-client';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { renderPage } from '../ops/sample-pages';
import { random as seededRandom } from './archive-cases';
import { createDb, type Db } from '../prisma/client';
import { PARTS, startSupervised, type Part, type SupervisedLantai } from './supervised';

export interface FaultRunOrder {
  items: number;
  faults: number;
  seed: number;
  /** Called with each line of progress. */
  say?: (line: string) => void;
}

export interface Fault {
  part: Part;
  phase: string;
  atSeconds: number;
  /** From the kill until the part runs again and /health answers 200. */
  recoverySeconds: number;
}

export interface FaultRunResult {
  items: number;
  lost: number;
  duplicated: number;
  stuck: number;
  destroyedWithoutApproval: number;
  faults: Fault[];
  seconds: number;
  /** Stuck items by the state they were left in. */
  stuckStates: Record<string, number>;
  /** Why the run did not get to the end, when it did not. */
  error?: string;
}

const FONDS = 'J001';
// 失业保险金审批, kept 10 years: a case handled in 2010 is due for appraisal, and its two papers are the slip and one form.
const BUSINESS_TYPE = 'SY01';
const YEAR = 2010;
const PHASE_TIMEOUT_MS = 15 * 60_000;
const PAGES_PER_CASE = 2;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A reply, or `lost` when the connection broke after the request may have reached the server. */
type Reply<T> = { status: number; body: T } | { status: 'lost' };

// The token of a sign-in still completing its second factor, under a name no user has.
const SIGNING_IN = '\u0000signing-in';

function client(url: string) {
  let token: Record<string, string> = {};
  const secrets = secretsInMemory();
  async function once<T>(
    method: string,
    path: string,
    as: string | undefined,
    body?: unknown,
    type = 'application/json',
  ): Promise<Reply<T>> {
    const headers: Record<string, string> = { 'content-type': type };
    if (as) headers.authorization = `Bearer ${token[as]}`;
    let res: Response;
    try {
      res = await fetch(`${url}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body),
        signal: AbortSignal.timeout(60_000),
      });
    } catch (err) {
      // Refused: nothing reached the server, so the request is simply sent again.
      if (refused(err)) return { status: 503, body: undefined as T };
      return { status: 'lost' };
    }
    const text = await res.text().catch(() => '');
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed as T };
  }

  /**
   * Sends until the API answers something other than 502/503/504 or a refused connection; a lost reply is returned.
   * With `unavailable: 'answer'` a 503 the server sent is returned too: a step may have started before it.
   */
  async function send<T>(
    method: string,
    path: string,
    as: string | undefined,
    body?: unknown,
    type?: string,
    { unavailable = 'retry' }: { unavailable?: 'retry' | 'answer' } = {},
  ): Promise<Reply<T>> {
    const deadline = Date.now() + PHASE_TIMEOUT_MS;
    for (;;) {
      const r = await once<T>(method, path, as, body, type);
      if (r.status === 'lost' || ![502, 503, 504].includes(r.status)) return r;
      if (unavailable === 'answer' && r.body !== undefined) return r;
      if (Date.now() > deadline) throw new Error(`${method} ${path}: still ${r.status} after ${PHASE_TIMEOUT_MS / 60_000} min`);
      await sleep(300);
    }
  }

  /** For a request that may safely be sent twice: sends until it is answered. */
  async function idempotent<T>(method: string, path: string, as: string | undefined, body?: unknown): Promise<{ status: number; body: T }> {
    for (;;) {
      const r = await send<T>(method, path, as, body);
      if (r.status !== 'lost') return r;
      await sleep(300);
    }
  }

  return {
    send,
    idempotent,
    /** Signs a demo user in, with the second factor their roles need (an authenticator this client enrols for them). */
    async login(username: string) {
      const signedIn = await signIn(
        (method, path, bearer, body) => {
          if (bearer) token = { ...token, [SIGNING_IN]: bearer };
          return idempotent(method, path, bearer ? SIGNING_IN : undefined, body);
        },
        username,
        'lantai-demo',
        secrets,
      );
      token = { ...token, [username]: signedIn };
    },
  };
}

function refused(err: unknown): boolean {
  for (let e = err as { code?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e)
    if (e.code === 'ECONNREFUSED') return true;
  return false;
}

/** Reads the catalogue, again while PostgreSQL is being restarted. */
async function read<T>(work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + PHASE_TIMEOUT_MS;
  for (;;) {
    try {
      return await work();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(500);
    }
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + PHASE_TIMEOUT_MS;
  for (;;) {
    const value = await read(probe);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${PHASE_TIMEOUT_MS / 60_000} min`);
    await sleep(500);
  }
}

export async function runFaults(order: FaultRunOrder): Promise<FaultRunResult> {
  const say = order.say ?? (() => undefined);
  const random = seededRandom(order.seed);
  const lantai = await startSupervised({ LANTAI_SAMPLING_SHARE: '0' });
  let db: Db | undefined;
  try {
    await lantai.running();
    db = createDb(lantai.databaseUrl, { poolSize: 4 });
    const api = client(lantai.apiUrl);
    for (const user of ['clerk', 'archivist', 'manager', 'appraiser', 'compliance1', 'compliance2', 'head']) await api.login(user);
    const started = performance.now();
    const phases = new Phases(order.faults);
    let done = false;
    const injecting = injectFaults(lantai, { random, phases, started, done: () => done, say });
    const run = randomBytes(3).toString('hex');
    const cases = Array.from({ length: order.items }, (_, i) => `FAULT-${run}-${String(i + 1).padStart(5, '0')}`);
    let error: string | undefined;
    try {
      await lifecycle(api, db, cases, phases, say);
    } catch (err) {
      // What did not get through is counted as stuck below; the reason is reported beside it.
      error = `during ${phases.name}: ${(err as Error).message}`;
    } finally {
      done = true;
      await injecting;
    }
    const faults = phases.faults;
    const tally = await count(db, cases);
    return { items: order.items, ...tally, faults, seconds: (performance.now() - started) / 1000, error };
  } finally {
    await db?.$disconnect();
    await lantai.stop();
    fs.rmSync(lantai.dataDir, { recursive: true, force: true });
  }
}

const PHASES = ['register', 'capture', 'verification', 'volume', 'hand-over', 'appraisal', 'destruction'];

/**
 * Where the lifecycle is, and the faults so far. Each phase has its share of the faults, the last one all that are
 * left; a phase whose work is done before its share has fired waits for it, so a small, fast run still hits every
 * part as many times as asked.
 */
class Phases {
  name = 'start';
  readonly faults: Fault[] = [];
  injectorStopped = false;
  constructor(readonly count: number) {}

  /** How many faults must have fired, and been recovered from, by the end of the phase. */
  due(name = this.name): number {
    const i = PHASES.indexOf(name);
    if (name === 'start') return 0;
    if (i < 0 || i === PHASES.length - 1) return this.count;
    return Math.min(this.count, Math.ceil(this.count / PHASES.length) * (i + 1));
  }

  async enter(next: string): Promise<void> {
    while (this.faults.length < this.due() && !this.injectorStopped) await sleep(100);
    this.name = next;
  }
}

/**
 * One kill -9 after another, each phase's share at seeded moments within it, and each fault waited out until the
 * part runs again and /health answers 200. Every part is hit once before any twice, in a seeded order.
 */
async function injectFaults(
  lantai: SupervisedLantai,
  o: { random: () => number; phases: Phases; started: number; done(): boolean; say(line: string): void },
): Promise<void> {
  const { phases } = o;
  const order = shuffled(PARTS, o.random);
  try {
    while (phases.faults.length < phases.count && !o.done()) {
      const phase = phases.name;
      if (phases.faults.length >= phases.due(phase)) {
        await sleep(100);
        continue;
      }
      const until = Date.now() + 300 + o.random() * 2_000;
      while (Date.now() < until && !o.done() && phases.name === phase) await sleep(50);
      if (o.done() || phases.name !== phase) continue;
      const n = phases.faults.length;
      const part = n < PARTS.length ? order[n]! : PARTS[Math.floor(o.random() * PARTS.length)]!;
      const before = lantai.status()?.[part];
      if (before?.state !== 'running' || !before.pid) continue;
      const at = performance.now();
      process.kill(before.pid, 'SIGKILL');
      o.say(`fault ${n + 1}: kill -9 ${part} during ${phase}`);
      for (;;) {
        const now = lantai.status()?.[part];
        if (now?.state === 'running' && now.pid !== before.pid && (await lantai.health()) === 200) break;
        await sleep(100);
      }
      const fault = { part, phase, atSeconds: (at - o.started) / 1000, recoverySeconds: (performance.now() - at) / 1000 };
      phases.faults.push(fault);
      o.say(`         ${part} back and the API healthy after ${fault.recoverySeconds.toFixed(1)} s`);
    }
  } finally {
    phases.injectorStopped = true;
  }
}

function shuffled<T>(values: readonly T[], random: () => number): T[] {
  const out = [...values];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

type Api = ReturnType<typeof client>;

async function lifecycle(api: Api, db: Db, cases: string[], phases: Phases, say: (line: string) => void): Promise<void> {
  const run = cases[0]!.split('-')[1]!;
  const ours = { caseNumber: { in: cases } };
  const inState = (state: string) => read(() => db.item.count({ where: { ...ours, lifecycleState: state as never } }));

  await phases.enter('register');
  for (let i = 0; i < cases.length; i += 500) {
    const batch = cases.slice(i, i + 500).map((caseNumber, k) => ({
      fonds: FONDS,
      caseNumber,
      businessType: BUSINESS_TYPE,
      citizenId: '440304198506151237',
      personName: '林晓',
      clerk: '王经办',
      handledOn: `${YEAR}-0${(k % 9) + 1}-15`,
      handlingOffice: 'BS01',
    }));
    const r = await api.idempotent<{ counts: { refused: number } }>('POST', '/items/batch', 'clerk', { cases: batch });
    if (r.status !== 200 || r.body.counts.refused) throw new Error(`registration: ${r.status} ${JSON.stringify(r.body).slice(0, 500)}`);
  }
  say(`registered ${cases.length}`);

  await phases.enter('capture');
  const form = await renderPage({ lines: 24, seed: 5 });
  const items = await read(() => db.item.findMany({ where: ours, select: { id: true, caseNumber: true } }));
  let captured = 0;
  await inParallel(items, 4, async (item) => {
    const pages = [
      await renderPage({ lines: 12, seed: 1, barcode: { symbology: 'code128', text: item.caseNumber, at: 'top-right' } }),
      form,
    ];
    await capture(api, item.id, pages);
    captured += 1;
    if (captured % 100 === 0) say(`captured ${captured}`);
  });
  await phases.enter('verification');
  await until('every item verified', async () => ((await inState('verified')) === cases.length ? true : undefined));
  say('verified all');

  await phases.enter('volume');
  const assemblyId = await startStep(api, db, 'POST', '/volume-assemblies', 'archivist', { fonds: FONDS, years: [YEAR] }, () =>
    db.volumeAssembly.findFirst({ where: { fonds: { code: FONDS } }, orderBy: { createdAt: 'desc' }, select: { id: true } }),
  );
  const boxes = await until('the assembly', async () => {
    const a = await db.volumeAssembly.findUniqueOrThrow({ where: { id: assemblyId }, include: { boxes: true } });
    if (a.status === 'failed') throw new Error(`assembly failed: ${a.error}`);
    return a.status === 'assembled' ? a.boxes : undefined;
  });
  say(`assembled ${boxes.length} boxes`);

  await phases.enter('hand-over');
  const pageCount = await read(() => db.page.count({ where: { item: ours, supersededAt: null } }));
  const handOverId = await startStep(
    api,
    db,
    'POST',
    '/hand-overs',
    'archivist',
    {
      fonds: FONDS,
      boxes: boxes.map((b) => b.id),
      businessUnit: '失业保险科',
      itemCount: cases.length,
      pageCount,
      handedOverBy: '王经办',
      receivedBy: '李档案',
      witness: '周见证',
    },
    async () => {
      const box = await db.box.findUniqueOrThrow({ where: { id: boxes[0]!.id } });
      return box.handOverId ? { id: box.handOverId } : null;
    },
  );
  await until('the hand-over counted', async () => {
    const r = await api.send<{ stage: string | null; status: string }>('GET', `/hand-overs/${handOverId}`, 'manager');
    return r.status === 200 && r.body.stage === 'submitted' ? true : undefined;
  });
  const placements = boxes.map((b, i) => ({ boxId: b.id, room: 'R01', shelf: `F${run}`.slice(0, 8).toUpperCase(), position: i + 1 }));
  await decide(api, `/hand-overs/${handOverId}/decision`, 'manager', { decision: 'accept', placements });
  await until('custody', async () => ((await inState('in_archive_room')) === cases.length ? true : undefined));
  say('in the archive room');

  await phases.enter('appraisal');
  const batchId = await startStep(api, db, 'POST', '/appraisals', 'manager', { fonds: FONDS }, () =>
    db.appraisalBatch.findFirst({ where: { fonds: { code: FONDS } }, orderBy: { openedAt: 'desc' }, select: { id: true } }),
  );
  await decide(api, `/appraisals/${batchId}/decisions`, 'appraiser', {
    group: { retentionPeriod: 'D10' },
    decision: 'destroy',
    reason: '保管期限已满，无继续保存价值',
  });
  await until('the batch decided', async () =>
    (await db.appraisalBatch.findUniqueOrThrow({ where: { id: batchId } })).status === 'decided' ? true : undefined,
  );
  say('appraised');

  await phases.enter('destruction');
  const listId = await startStep(
    api,
    db,
    'POST',
    '/destruction-lists',
    'manager',
    { batch: batchId, method: '彻底删除', place: '档案室' },
    () => db.destructionList.findFirst({ where: { batchId }, select: { id: true } }),
  );
  for (const user of ['compliance1', 'compliance2', 'head'])
    await decide(api, `/destruction-lists/${listId}/approvals`, user, { decision: 'approve' });
  await until('the destruction', async () => {
    const list = await db.destructionList.findUniqueOrThrow({ where: { id: listId } });
    return ['executed', 'executed_with_failures', 'rejected'].includes(list.status) ? true : undefined;
  });
  say('destroyed');
  await phases.enter('end');
}

/** Uploads the case's pages, counting what the capture already holds after a reply lost on the way, then finishes it. */
async function capture(api: Api, itemId: string, pages: Buffer[]) {
  type Status = { capture: { stagedPages: number } | null; captureRun: { status: string } | null; lifecycleState: string };
  const staged = async () => {
    for (;;) {
      const r = await api.send<Status>('GET', `/items/${itemId}/capture`, 'clerk');
      if (r.status !== 200) {
        await sleep(300);
        continue;
      }
      if (r.body.lifecycleState !== 'registered') return Number.POSITIVE_INFINITY;
      // A run that failed (its store gone for longer than its retries) is started again with its pages.
      if (r.body.captureRun?.status === 'FAILED') {
        await api.send('POST', `/items/${itemId}/capture/restart`, 'clerk');
        continue;
      }
      return r.body.capture?.stagedPages ?? 0;
    }
  };
  for (let k = 0; k < pages.length; k++) {
    for (;;) {
      if ((await staged()) > k) break;
      const r = await api.send('POST', `/items/${itemId}/pages`, 'clerk', pages[k], 'image/png');
      if (r.status === 202) break;
      if (r.status !== 'lost') throw new Error(`upload of page ${k + 1} of ${itemId}: ${r.status} ${JSON.stringify(r.body)}`);
    }
  }
  const deadline = Date.now() + PHASE_TIMEOUT_MS;
  for (;;) {
    const r = await api.send('POST', `/items/${itemId}/capture/finish`, 'clerk');
    if (r.status === 200) return;
    if (Date.now() > deadline) throw new Error(`finish of ${itemId}: still ${r.status} after ${PHASE_TIMEOUT_MS / 60_000} min`);
    // Finished already (its reply was lost), or the run has moved on: the catalogue says which.
    if ((await staged()) === Number.POSITIVE_INFINITY) return;
    if (r.status !== 'lost' && r.status !== 409) throw new Error(`finish of ${itemId}: ${r.status} ${JSON.stringify(r.body)}`);
    await sleep(300);
  }
}

/** Starts a step; after a reply lost on the way, reads the catalogue for the step the request may have started. */
async function startStep(
  api: Api,
  db: Db,
  method: string,
  path: string,
  as: string,
  body: unknown,
  find: () => Promise<{ id: string } | null>,
): Promise<string> {
  for (;;) {
    const r = await api.send<{ id: string }>(method, path, as, body, undefined, { unavailable: 'answer' });
    if (r.status !== 'lost' && r.status < 300) return r.body.id;
    // A lost reply, or a 503 the API sent once the step may already have started (its reply could not be read back
    // from a catalogue going down): what is there decides.
    if (r.status !== 'lost' && r.status !== 503) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body).slice(0, 500)}`);
    const there = await read(find);
    if (there) return there.id;
    await sleep(300);
  }
}

/** A decision sent until it is recorded; a 409 after a lost reply means it was. */
async function decide(api: Api, path: string, as: string, body: unknown) {
  let lost = false;
  for (;;) {
    const r = await api.send('POST', path, as, body);
    if (r.status === 200) return;
    if (r.status === 'lost') {
      lost = true;
      continue;
    }
    if (r.status === 409 && lost) return;
    throw new Error(`POST ${path} as ${as}: ${r.status} ${JSON.stringify(r.body).slice(0, 500)}`);
  }
}

async function inParallel<T>(values: T[], width: number, work: (v: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < values.length) await work(values[next++]!);
    }),
  );
}

/**
 * The catalogue's account of the run: cases missing or with a page missing (lost), registered twice or with a page
 * stored twice (duplicated), not destroyed at the end (stuck), destroyed without an executed list that the agency
 * head and both witnesses approved before the item went (destroyed without approval).
 */
async function count(db: Db, cases: string[]) {
  const pages = PAGES_PER_CASE;
  const [t] = await read(
    () =>
      db.$queryRaw<{ found: number; short: number; duplicated: number; stuck: number; without_approval: number }[]>`
      WITH ours AS (SELECT * FROM item WHERE case_number = ANY(${cases})),
      current AS (SELECT item_id, count(*) AS n FROM page WHERE item_id IN (SELECT id FROM ours) AND superseded_at IS NULL GROUP BY item_id)
      SELECT
        (SELECT count(DISTINCT case_number)::int FROM ours) AS found,
        (SELECT count(*)::int FROM ours o LEFT JOIN current c ON c.item_id = o.id WHERE coalesce(c.n, 0) < ${pages}) AS short,
        (SELECT count(*)::int FROM (SELECT case_number FROM ours GROUP BY case_number HAVING count(*) > 1) d)
          + (SELECT count(*)::int FROM current WHERE n > ${pages}) AS duplicated,
        (SELECT count(*)::int FROM ours WHERE lifecycle_state <> 'destroyed') AS stuck,
        (SELECT count(*)::int FROM ours i WHERE i.lifecycle_state = 'destroyed' AND NOT EXISTS (
           SELECT 1 FROM destruction_entry e JOIN destruction_list l ON l.id = e.list_id
           WHERE e.item_id = i.id AND e.status = 'destroyed' AND l.status IN ('executed', 'executed_with_failures')
             AND (SELECT count(DISTINCT a->>'role') FROM jsonb_array_elements(l.approvals) a WHERE a->>'decision' = 'approve') >= 2
             AND (SELECT count(*) FROM jsonb_array_elements(l.approvals) a WHERE a->>'decision' = 'approve') >= 3
             AND e.destroyed_at >= (SELECT max((a->>'at')::timestamptz) FROM jsonb_array_elements(l.approvals) a))) AS without_approval`,
  );
  const states = await read(
    () =>
      db.$queryRaw<{ state: string; n: number }[]>`
      SELECT lifecycle_state::text AS state, count(*)::int AS n FROM item
      WHERE case_number = ANY(${cases}) AND lifecycle_state <> 'destroyed' GROUP BY 1`,
  );
  return {
    lost: cases.length - t!.found + t!.short,
    duplicated: t!.duplicated,
    stuck: t!.stuck,
    destroyedWithoutApproval: t!.without_approval,
    stuckStates: Object.fromEntries(states.map((s) => [s.state, s.n])),
  };
}
