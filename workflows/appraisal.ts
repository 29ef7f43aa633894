import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import {
  APPRAISAL_ACTIVITIES,
  AppraisalError,
  appraisalQuery,
  recordAppraisal,
  type AppraisalBatchOpened,
  type AppraisalDecisionRequest,
  type AppraisalView,
  type AppraisalWorkflow,
} from '../contracts/appraisal';
import { APPRAISAL_DECISIONS } from '../domain/appraisal';
import { enterStep } from './step';

const { openAppraisalBatch, recordAppraisalDecisions, settleAppraisal } =
  proxyActivities<ReturnType<typeof createActivities>>(APPRAISAL_ACTIVITIES);

/**
 * Appraisal (鉴定): the items whose retention ran out go before the committee; each member decides every item,
 * alone or by group, with a reason; then the outcome rule settles each item.
 */
export const appraiseExpiredRecords: AppraisalWorkflow = async (input) => {
  enterStep('appraisal', input.fondsCode);
  const view: AppraisalView = { batch: input.opened ?? null, outstanding: Number.POSITIVE_INFINITY, settled: null };
  setHandler(appraisalQuery, () => view);
  // Registered before the batch opens: a member may decide as soon as the batch is listed, before its opening returns here.
  setHandler(
    recordAppraisal,
    async (request) => {
      await condition(() => view.batch !== null);
      const batch = view.batch!;
      validateDecision(batch, request);
      const result = await recordAppraisalDecisions({ ...request, batchId: batch.batchId });
      // Decisions only ever add up, so the smallest count reported is the latest, whatever order replies arrive in.
      view.outstanding = Math.min(view.outstanding, result.outstanding);
      return result;
    },
    { validator: (request: AppraisalDecisionRequest) => validateDecision(view.batch, request) },
  );

  const batch = view.batch ?? (await openAppraisalBatch({ ...input, workflowId: workflowInfo().workflowId }));
  view.batch = batch;
  view.outstanding = Math.min(view.outstanding, input.outstanding ?? batch.items * batch.members.length);

  await condition(() => view.outstanding === 0 || workflowInfo().continueAsNewSuggested);
  await condition(allHandlersFinished);
  if (view.outstanding > 0) return continueAsNew<typeof appraiseExpiredRecords>({ ...input, opened: batch, outstanding: view.outstanding });
  const settled = await settleAppraisal({ batchId: batch.batchId });
  view.settled = settled;
  return settled;
};

function validateDecision(batch: AppraisalBatchOpened | null, request: AppraisalDecisionRequest): void {
  const refuse = (message: string) => {
    throw ApplicationFailure.nonRetryable(message, AppraisalError.DecisionRefused);
  };
  if (batch && !batch.members.includes(request.member))
    refuse(`${request.member} is not on the committee of this batch (${batch.members.join(', ')})`);
  if (!APPRAISAL_DECISIONS.includes(request.decision)) refuse(`decision must be one of ${APPRAISAL_DECISIONS.join(', ')}`);
  if (!request.reason.trim()) refuse('every decision needs its reason');
  if (request.decision === 'keep' && (!request.newPeriod || request.newPeriod === 'Y'))
    refuse('keeping an item needs its new fixed period (D5 … D100); to keep it for ever, make it permanent');
  if (request.decision !== 'keep' && request.newPeriod) refuse('a new period goes only with a decision to keep');
  if (!request.items?.length && !request.group) refuse('name the items, or a group by retention period and year');
}
