import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  defineQuery,
  defineUpdate,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { DestructionOutcome } from '../activities/destruction';
import {
  approvalRoleFor,
  approvalsWanted,
  isApproved,
  isRejected,
  type ApprovalRequest,
  type DestructionApproval,
} from '../domain/destruction';
import { waitingOnKey } from '../contracts/search-attributes';
import { enterStep } from './step';

const { removeHeldItems, recordApproval, escalateApproval, produceDestructionDocuments, finishDestruction } = proxyActivities<
  ReturnType<typeof createActivities>
>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 20,
    nonRetryableErrorTypes: ['CjkFontMissingError'],
  },
});

// Deleting a long list takes a while; each page of items heartbeats, and a retry carries on with what is still listed.
const { destroyListedItems } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '12 hours',
  heartbeatTimeout: '20 seconds',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: ['DestructionNotApproved'],
  },
});

export interface DestructionInput {
  listId: string;
  proposedBy: string;
  /** How long approvals may wait before the list is escalated; again after each further wait. */
  approvalTimeoutMs: number;
  /** When the destruction is carried out (ISO time), with the witnesses present; at once on approval when absent. */
  scheduledFor?: string;
}

export type DestructionStage = 'awaiting_approval' | 'rejected' | 'scheduled' | 'executing' | 'executed';

export interface DestructionView {
  listId: string;
  stage: DestructionStage;
  approvals: DestructionApproval[];
  waitingFor: string[];
  escalations: number;
  outcome: DestructionOutcome | null;
}

export const destructionQuery = defineQuery<DestructionView>('destruction');
export const decideDestruction = defineUpdate<DestructionApproval, [ApprovalRequest & { at: string }]>('decideDestruction');

/**
 * Destruction (销毁): the list waits for the agency head and two witnesses, holds are checked at proposal, at
 * approval and again at execution, then every listed item's objects are deleted and a certificate is kept.
 */
export async function destroyRecords(input: DestructionInput): Promise<DestructionView> {
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
    { validator: (request: ApprovalRequest & { at: string }) => void approvalFor(request, view.approvals, input.proposedBy) },
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
}

function approvalFor(request: ApprovalRequest & { at: string }, approvals: DestructionApproval[], proposedBy: string): DestructionApproval {
  const slot = approvalRoleFor(request, approvals, proposedBy);
  if ('refusal' in slot) throw ApplicationFailure.nonRetryable(slot.refusal, 'ApprovalRefused');
  if (request.decision === 'reject' && !request.comment?.trim())
    throw ApplicationFailure.nonRetryable('a rejection needs its reason', 'ApprovalRefused');
  return {
    role: slot.role,
    username: request.username,
    displayName: request.displayName,
    decision: request.decision,
    comment: request.comment?.trim() || null,
    at: request.at,
  };
}
