/**
 * A business system registering cases through the API, in a process of its own as a real one is, so that its
 * requests do not share the API's event loop. Forked by bench/registration.ts, which sends it one order.
 */
import { citizenIdCheckChar } from '../domain/citizen-id';

/** N cases of valid index data, their case numbers under `prefix`, handled over five years. */
export function casesOf(prefix: string, n: number) {
  return Array.from({ length: n }, (_, i) => {
    const first17 = `44030419${String(60 + (i % 40))}0615${String(i % 1000).padStart(3, '0')}`;
    const handledOn = new Date(Date.UTC(2020, 0, 1 + (i % 1800))).toISOString().slice(0, 10);
    return {
      fonds: 'J001',
      caseNumber: `${prefix}-${i}`,
      businessType: i % 3 ? 'GL02' : 'GL03',
      citizenId: first17 + citizenIdCheckChar(first17),
      personName: '林晓',
      clerk: '王经办',
      handledOn,
      handlingOffice: 'BS01',
      title: `林晓 参保人员登记 第${i + 1}件`,
    };
  });
}

export interface Order {
  url: string;
  /** One per client; the clients send their requests at once, each waiting for its reply before the next. */
  tokens: string[];
  prefix: string;
  cases: number;
  /** Cases per `POST /items/batch`; without it, one `POST /items` per case. */
  batch?: number;
}

export interface Report {
  seconds: number;
  created: number;
  /** Replies by HTTP status. */
  statuses: Record<string, number>;
}

async function carryOut({ url, tokens, prefix, cases, batch }: Order): Promise<Report> {
  const all = casesOf(prefix, cases);
  const requests = batch
    ? Array.from({ length: Math.ceil(cases / batch) }, (_, i) => ({
        path: '/items/batch',
        body: { cases: all.slice(i * batch, (i + 1) * batch) },
      }))
    : all.map((c) => ({ path: '/items', body: c }));
  const report: Report = { seconds: 0, created: 0, statuses: {} };
  let next = 0;
  const started = performance.now();
  await Promise.all(
    tokens.map(async (token) => {
      for (let i = next++; i < requests.length; i = next++) {
        const { path, body } = requests[i]!;
        const res = await fetch(`${url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
        });
        const reply = (await res.json()) as { counts?: { created: number } };
        report.statuses[res.status] = (report.statuses[res.status] ?? 0) + 1;
        report.created += batch ? (reply.counts?.created ?? 0) : res.status === 201 ? 1 : 0;
      }
    }),
  );
  report.seconds = (performance.now() - started) / 1000;

  return report;
}

if (process.send) {
  process.once('message', (order: Order) => {
    carryOut(order).then(
      (report) => process.send!(report, () => process.exit(0)),
      (err: Error) => {
        console.error(err.stack ?? err.message);
        process.exit(1);
      },
    );
  });
}
