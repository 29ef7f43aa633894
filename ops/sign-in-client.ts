import { base32Decode, TOTP_STEP_SECONDS, totp } from '../domain/totp';

/** One JSON request to the API as a client sends it: status and parsed body. */
export type Send = (
  method: 'GET' | 'POST',
  path: string,
  token: string | undefined,
  body?: unknown,
) => Promise<{ status: number; body: unknown }>;

/** The TOTP secrets a client enrolled, by user name, so it can sign those users in again. */
export interface SecretKeeper {
  get(username: string): string | undefined;
  set(username: string, secret: string): void;
}

export const secretsInMemory = (): SecretKeeper => {
  const secrets = new Map<string, string>();
  return { get: (u) => secrets.get(u), set: (u, s) => void secrets.set(u, s) };
};

/**
 * Signs a user in through the API's real path as a person would: the password, then, for a user whose roles need a
 * second factor, their authenticator's code, enrolling an authenticator of this client's own first when the user has
 * none (its secret kept by `secrets`). A code whose time step was taken already waits for the next step.
 */
export async function signIn(send: Send, username: string, password: string, secrets: SecretKeeper): Promise<string> {
  const login = await send('POST', '/auth/login', undefined, { username, password });
  const body = login.body as { status?: string; token?: string };
  if (login.status !== 200 || !body.token) throw new Error(`login ${username}: ${login.status} ${JSON.stringify(login.body)}`);
  const token = body.token;
  if (body.status === 'signed_in') return token;
  if (body.status === 'mfa_enrolment_required') {
    const started = await send('POST', '/auth/mfa/enrolment', token);
    const { secret } = started.body as { secret: string };
    if (started.status !== 201) throw new Error(`enrol ${username}: ${started.status} ${JSON.stringify(started.body)}`);
    secrets.set(username, secret);
    const confirmed = await send('POST', '/auth/mfa/enrolment/confirm', token, { code: totp(base32Decode(secret), Date.now()) });
    if (confirmed.status !== 200) throw new Error(`confirm ${username}: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
    return token;
  }
  const secret = secrets.get(username);
  if (!secret) throw new Error(`login ${username}: enrolled with an authenticator this client does not hold`);
  // The current step's code, else the next one (within the tolerance), else the next one once its time has come.
  const stepMs = TOTP_STEP_SECONDS * 1000;
  for (const [offset, wait] of [
    [0, 0],
    [stepMs, 0],
    [stepMs, stepMs - (Date.now() % stepMs) + 200],
  ] as const) {
    if (wait) await new Promise((r) => setTimeout(r, wait));
    const code = totp(base32Decode(secret), Date.now() + offset);
    const done = await send('POST', '/auth/mfa', token, { code });
    if (done.status === 200) return token;
    if (done.status !== 401) throw new Error(`second factor ${username}: ${done.status} ${JSON.stringify(done.body)}`);
  }
  throw new Error(`second factor ${username}: no code was accepted`);
}

/** `Send` over fetch to the API at `base`. */
export const fetchSend =
  (base: string): Send =>
  async (method, path, token, body) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
