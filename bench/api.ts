import type { AddressInfo } from 'node:net';
import { createApp } from '../api/app';
import type { ApiContext } from '../api/context';
import { DEMO_PASSWORD_DEFAULT } from '../prisma/seed';
import { fetchSend, secretsInMemory, signIn } from '../ops/sign-in-client';

/** The real API on an ephemeral port, with a caller that throws on any refusal, for a benchmark's steps. */
export async function benchApi(ctx: ApiContext) {
  const server = createApp(ctx).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const secrets = secretsInMemory();

  async function call<T = Record<string, unknown>>(method: string, url: string, token: string | undefined, body?: unknown): Promise<T> {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as T;
    if (res.status >= 400) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  return {
    url: base,
    call,
    /** Signs a demo user in, with the second factor their roles need (an authenticator enrolled for them here). */
    login: (username: string): Promise<string> => signIn(fetchSend(base), username, DEMO_PASSWORD_DEFAULT, secrets),
    /** Polls a view until its `field` takes one of the wanted values. */
    async until(url: string, token: string, wanted: string[], field = 'status'): Promise<Record<string, unknown>> {
      for (;;) {
        const view = await call('GET', url, token);
        if (wanted.includes(String(view[field]))) return view;
        if (view.status === 'failed') throw new Error(`${url} failed: ${JSON.stringify(view)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    close(): void {
      server.closeAllConnections();
      server.close();
    },
  };
}
