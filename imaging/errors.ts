/**
 * The bytes are not an image this module can decode (unknown format, truncated, corrupt, empty).
 * Permanent: retrying will not help, the page must be rescanned or re-uploaded. Told apart by `name`
 * (Temporal's nonRetryableErrorTypes and jest's module copies see only the name).
 */
export class UnreadableImageError extends Error {
  override name = 'UnreadableImageError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
