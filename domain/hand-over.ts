/** Where an accepted box is kept: room and shelf codes as painted on the shelf, and the box's place on it. */
export interface Placement {
  boxId: string;
  room: string;
  shelf: string;
  position: number;
}

export type HandOverDecision =
  { decision: 'accept'; actor: string; placements: Placement[] } | { decision: 'return'; actor: string; reasons: string[] };

/** The business unit's corrected list after a return: its counts again, and what it changed. */
export interface Resubmission {
  actor: string;
  itemCount: number;
  pageCount: number;
  note: string;
}

export type HandOverRound =
  | { kind: 'returned'; actor: string; reasons: string[]; at: string }
  | { kind: 'resubmitted'; actor: string; itemCount: number; pageCount: number; note: string; at: string };

export type HandOverStage = 'checking' | 'submitted' | 'returned' | 'accepting' | 'accepted';
