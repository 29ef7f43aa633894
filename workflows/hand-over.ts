import { ApplicationFailure, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import {
  HAND_OVER_ACTIVITIES,
  HandOverError,
  decideHandOver,
  handOverQuery,
  resubmitHandOver,
  type HandOverView,
  type HandOverWorkflow,
} from '../contracts/hand-over';
import type { HandOverDecision, Placement, Resubmission } from '../domain/hand-over';
import { enterStep } from './step';

const { checkHandOver, recordHandOverRound, placeBoxes, printShelfLabels, takeCustody } =
  proxyActivities<ReturnType<typeof createActivities>>(HAND_OVER_ACTIVITIES);

/**
 * Hand-over to the archive room (移交): the list is counted against its boxes; the archive manager accepts it,
 * recording where each box is shelved, or returns it with reasons until the business unit resubmits it right.
 */
export const handOverToArchiveRoom: HandOverWorkflow = async (input) => {
  enterStep('hand_over');
  const view: HandOverView = { handOverId: input.handOverId, stage: 'checking', discrepancies: [], rounds: 0, shelfBarcodes: [] };
  let decision: HandOverDecision | undefined;
  let resubmission: Resubmission | undefined;
  setHandler(handOverQuery, () => view);
  setHandler(
    decideHandOver,
    async (d) => {
      if (d.decision === 'return') {
        decision = d;
        view.stage = 'returned';
        return { returned: true as const };
      }
      view.stage = 'accepting';
      try {
        ({ shelfBarcodes: view.shelfBarcodes } = await placeBoxes({
          handOverId: input.handOverId,
          actor: d.actor,
          placements: d.placements,
        }));
      } catch (err) {
        view.stage = 'submitted';
        throw err;
      }
      decision = d;
      return { shelfBarcodes: view.shelfBarcodes };
    },
    { validator: (d: HandOverDecision) => validateDecision(view, input.boxIds, d) },
  );
  setHandler(
    resubmitHandOver,
    (r) => {
      resubmission = r;
      view.stage = 'checking';
      return { resubmitted: true as const };
    },
    { validator: (r: Resubmission) => validateResubmission(view, r) },
  );

  for (;;) {
    view.stage = 'checking';
    view.discrepancies = await checkHandOver({ handOverId: input.handOverId });
    view.stage = 'submitted';
    await condition(() => decision !== undefined);
    const d = decision!;
    decision = undefined;
    if (d.decision === 'accept') break;
    await recordHandOverRound({
      handOverId: input.handOverId,
      index: view.rounds++,
      round: { kind: 'returned', actor: d.actor, reasons: d.reasons, at: new Date().toISOString() },
    });
    await condition(() => resubmission !== undefined);
    const r = resubmission!;
    resubmission = undefined;
    await recordHandOverRound({
      handOverId: input.handOverId,
      index: view.rounds++,
      round: { kind: 'resubmitted', ...r, at: new Date().toISOString() },
    });
  }
  await printShelfLabels({ handOverId: input.handOverId });
  await takeCustody({ handOverId: input.handOverId, actor: 'archive room' });
  view.stage = 'accepted';
  return view;
};

function validateDecision(view: HandOverView, boxIds: string[], d: HandOverDecision): void {
  if (view.stage !== 'submitted') refuse(`the hand-over list is ${view.stage}, not waiting for a decision`);
  if (d.decision === 'return') {
    if (!d.reasons?.some((r) => r.trim())) refuse('a returned list needs at least one reason');
    return;
  }
  if (view.discrepancies.length) refuse(`the count does not agree, so the list can only be returned: ${view.discrepancies.join('; ')}`);
  const placed = new Map<string, Placement>();
  for (const p of d.placements ?? []) {
    if (!boxIds.includes(p.boxId)) refuse(`box ${p.boxId} is not on this list`);
    if (placed.has(p.boxId)) refuse(`box ${p.boxId} is placed twice`);
    placed.set(p.boxId, p);
  }
  const unplaced = boxIds.filter((id) => !placed.has(id));
  if (unplaced.length) refuse(`every box needs a place (room, shelf, position); ${unplaced.length} have none`);
  const places = new Set([...placed.values()].map((p) => `${p.room}/${p.shelf}/${p.position}`));
  if (places.size !== placed.size) refuse('two boxes are given the same place');
}

function validateResubmission(view: HandOverView, r: Resubmission): void {
  if (view.stage !== 'returned') refuse(`the hand-over list is ${view.stage}; only a returned list is resubmitted`);
  if (!Number.isInteger(r.itemCount) || r.itemCount < 0 || !Number.isInteger(r.pageCount) || r.pageCount < 0)
    refuse('item and page counts must be whole numbers');
}

function refuse(message: string): never {
  throw ApplicationFailure.nonRetryable(message, HandOverError.Refused);
}
