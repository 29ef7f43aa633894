/**
 * Errors are told apart by `name`, not `instanceof`: Temporal's nonRetryableErrorTypes and jest's
 * module copies both see only the name.
 */
export class StoreError extends Error {
  override name = 'StoreError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class ObjectNotFoundError extends StoreError {
  override name = 'ObjectNotFoundError';
}

export class ObjectLockedError extends StoreError {
  override name = 'ObjectLockedError';
  constructor(
    readonly bucket: string,
    readonly key: string,
    readonly versionId: string,
    readonly lock: { mode?: string; retainUntil?: Date; legalHold: boolean },
    options?: { cause?: unknown },
  ) {
    super(`${bucket}/${key} version ${versionId} is protected by Object Lock (${describeLock(lock)}) and cannot be deleted`, options);
  }
}

export class StoreUnavailableError extends StoreError {
  override name = 'StoreUnavailableError';
}

function describeLock(lock: ObjectLockedError['lock']): string {
  const parts: string[] = [];
  if (lock.mode) parts.push(`${lock.mode} retention${lock.retainUntil ? ` until ${lock.retainUntil.toISOString()}` : ''}`);
  if (lock.legalHold) parts.push('legal hold');
  return parts.join(', ') || 'refused by the server';
}

/** A sealed object that does not open: its bytes were changed (the SM4-GCM tag fails). */
export class ObjectDamagedError extends StoreError {
  override name = 'ObjectDamagedError';
}

/** A sealed object whose KEK is not in the keyring (lost, retired too early, or not restored). */
export class KeyUnavailableError extends StoreError {
  override name = 'KeyUnavailableError';
}
