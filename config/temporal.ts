import fs from 'node:fs';
import type { Config } from './index';

/** Connection options for an embedded dev server or an existing cluster (TLS, mTLS or API key). */
export function temporalConnectionOptions(t: Config['temporal']) {
  const read = (file: string | undefined) => (file ? fs.readFileSync(file) : undefined);
  return {
    address: t.address,
    apiKey: t.apiKey,
    tls: t.tls
      ? {
          serverNameOverride: t.tls.serverName,
          serverRootCACertificate: read(t.tls.ca),
          clientCertPair: t.tls.cert && t.tls.key ? { crt: read(t.tls.cert)!, key: read(t.tls.key)! } : undefined,
        }
      : t.apiKey
        ? true
        : undefined,
  };
}
