import fs from 'node:fs';
import { defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
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

/**
 * A client connection for the API: a person is waiting, so a Temporal that does not answer is reported (503)
 * after a few quick retries, not after the SDK's default ten; and the channel tries to reconnect every few
 * seconds, not backing off to minutes, so the API recovers soon after Temporal returns.
 */
export function temporalApiConnectionOptions(t: Config['temporal']) {
  return {
    ...temporalConnectionOptions(t),
    interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 3 }))],
    channelArgs: { 'grpc.initial_reconnect_backoff_ms': 500, 'grpc.max_reconnect_backoff_ms': 3000 },
  };
}
