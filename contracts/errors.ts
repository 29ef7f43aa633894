/**
 * Failure names shared by several steps. Temporal knows a failure by its name: a step's retry policy lists the
 * permanent ones in `nonRetryableErrorTypes`, and an activity throws them as `ApplicationFailure.nonRetryable(message,
 * name)` or as an `Error` subclass of that name. A step's own failures are named in its contract.
 */
export const StepError = {
  /** A lifecycle move the catalogue refused: the item is not in the state the step expects. */
  TransitionNotAllowed: 'TransitionNotAllowed',
  /** The catalogue holds something else under the same key (a case number, a page), so retrying cannot help. */
  CatalogueConflict: 'CatalogueConflict',
  /** No fonds has the code the step was given. */
  UnknownFonds: 'UnknownFonds',
  /** The configured CJK font cannot be read, so no Chinese document can be rendered until it is fixed. */
  CjkFontMissing: 'CjkFontMissingError',
  /** A page image that cannot be decoded. */
  UnreadableImage: 'UnreadableImageError',
  /** An object the step was handed is not in the store (the store's own name for it, `store/errors.ts`). */
  ObjectNotFound: 'ObjectNotFoundError',
} as const;
