import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import {
  DESTROY_ITEMS_ACTIVITY,
  DESTRUCTION_ACTIVITIES,
  DestructionError,
  decideDestruction,
  destructionQuery,
  type DestructionDecision,
  type DestructionView,
  type DestructionWorkflow,
} from '../contracts/destruction';
import { approvalRoleFor, approvalsWanted, isApproved, isRejected, type DestructionApproval } from '../domain/destruction';
import { waitingOnKey } from '../contracts/search-attributes';
import { enterStep } from './step';

const { removeHeldItems, recordApproval, escalateApproval, produceDestructionDocuments, finishDestruction } =
  proxyActivities<ReturnType<typeof createActivities>>(DESTRUCTION_ACTIVITIES);

const { destroyListedItems } = proxyActivities<ReturnType<typeof createActivities>>(DESTROY_ITEMS_ACTIVITY);

/**
 * Destruction (销毁): the list waits for the agency head and two witnesses, holds are checked at proposal, at
 * approval and again at execution, then every listed item's objects are deleted and a certificate is kept.
 */
export const destroyRecords: DestructionWorkflow = async (input) => {
  enterStep('destruction');
  const view: DestructionView = {
    listId: input.listId,
    stage: 'awaiting_approval',
    approvals: [],
    waitingFor: approvalsWanted([]),
    escalations: 0,
    outcome: null,
  };
  setHandler(destructionQuery, () => view);
  setHandler(
    decideDestruction,
    async (request) => {
      const approval = approvalFor(request, view.approvals, input.proposedBy);
      // The place is taken before the activity runs, so two people cannot both fill the last witness place.
      view.approvals = [...view.approvals, approval];
      try {
        await recordApproval({ listId: input.listId, approval });
      } catch (err) {
        view.approvals = view.approvals.filter((a) => a !== approval);
        throw err;
      }
      view.waitingFor = approvalsWanted(view.approvals);
      return approval;
    },
    { validator: (request: DestructionDecision) => void approvalFor(request, view.approvals, input.proposedBy) },
  );

  await removeHeldItems({ listId: input.listId, stage: 'proposal' });
  upsertSearchAttributes([{ key: waitingOnKey, value: 'destruction_approval' }]);
  while (!(await condition(() => isApproved(view.approvals) || isRejected(view.approvals), input.approvalTimeoutMs))) {
    view.escalations += 1;
    await escalateApproval({ listId: input.listId, escalation: view.escalations, waitingFor: view.waitingFor });
  }
  await condition(allHandlersFinished);
  upsertSearchAttributes([{ key: waitingOnKey, value: null }]);
  if (isRejected(view.approvals)) {
    view.stage = 'rejected';
    return view;
  }

  await removeHeldItems({ listId: input.listId, stage: 'approval' });
  view.stage = 'scheduled';
  if (input.scheduledFor) await sleep(Math.max(0, Date.parse(input.scheduledFor) - Date.now()));
  view.stage = 'executing';
  await removeHeldItems({ listId: input.listId, stage: 'execution' });
  await destroyListedItems({ listId: input.listId, actor: `destruction list ${input.listId}` });
  await produceDestructionDocuments({ listId: input.listId });
  view.outcome = await finishDestruction({ listId: input.listId });
  view.stage = 'executed';
  return view;
};

function approvalFor(request: DestructionDecision, approvals: DestructionApproval[], proposedBy: string): DestructionApproval {
  const slot = approvalRoleFor(request, approvals, proposedBy);
  if ('refusal' in slot) throw ApplicationFailure.nonRetryable(slot.refusal, DestructionError.ApprovalRefused);
  if (request.decision === 'reject' && !request.comment?.trim())
    throw ApplicationFailure.nonRetryable('a rejection needs its reason', DestructionError.ApprovalRefused);
  return {
    role: slot.role,
    username: request.username,
    displayName: request.displayName,
    decision: request.decision,
    comment: request.comment?.trim() || null,
    at: request.at,
  };
}
