/** The states an item passes through, from capture to destruction (DOMAIN.md, "The lifecycle"). */
export const LIFECYCLE_STATES = [
  'registered',
  'pending_initial_review',
  'captured',
  'verification_failed',
  'verified',
  'assembled',
  'in_archive_room',
  'transferred',
  'under_appraisal',
  'destroyed',
] as const;

export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

const NEXT: Record<LifecycleState, readonly LifecycleState[]> = {
  registered: ['captured', 'pending_initial_review'],
  pending_initial_review: ['captured', 'registered'],
  captured: ['verified', 'verification_failed'],
  verification_failed: ['captured', 'verified'],
  verified: ['assembled', 'verification_failed'],
  assembled: ['in_archive_room'],
  in_archive_room: ['transferred', 'under_appraisal'],
  transferred: [],
  under_appraisal: ['in_archive_room', 'destroyed'],
  destroyed: [],
};

/** Final states: the item has left the agency's custody or no longer exists. */
export function isFinal(state: LifecycleState): boolean {
  return NEXT[state].length === 0;
}

export function canMove(from: LifecycleState, to: LifecycleState): boolean {
  return NEXT[from].includes(to);
}

export function nextStates(from: LifecycleState): readonly LifecycleState[] {
  return NEXT[from];
}

/** The states an item can be in just before it becomes `to`. */
export function previousStates(to: LifecycleState): LifecycleState[] {
  return LIFECYCLE_STATES.filter((from) => NEXT[from].includes(to));
}

/** Every allowed move, once: the catalogue's `lifecycle_move` table is filled from this list at migration. */
export const LIFECYCLE_MOVES: readonly { from: LifecycleState; to: LifecycleState }[] = LIFECYCLE_STATES.flatMap((from) =>
  NEXT[from].map((to) => ({ from, to })),
);

export function isLifecycleState(value: unknown): value is LifecycleState {
  return typeof value === 'string' && (LIFECYCLE_STATES as readonly string[]).includes(value);
}
