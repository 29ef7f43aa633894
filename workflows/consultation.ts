import { ApplicationFailure, allHandlersFinished, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import {
  CONSULTATION_ACTIVITIES,
  ConsultationError,
  consultationQuery,
  decideConsultation,
  lendPaper,
  renewConsultation,
  returnPaper,
  type ConsultationDecision,
  type ConsultationInput,
  type ConsultationView,
  type ConsultationWorkflow,
  type Lending,
  type PaperReturn,
  type Renewal,
} from '../contracts/consultation';
import { approves, USE_FORM_LABELS } from '../domain/consultation';
import { enterStep } from './step';

const {
  grantAccess,
  refuseConsultation,
  extendAccess,
  endAccess,
  closeConsultation,
  recordLoans,
  recordReturn,
  remindOverdueLoans,
  escalateOverdueLoans,
} = proxyActivities<ReturnType<typeof createActivities>>(CONSULTATION_ACTIVITIES);

/**
 * Consultation (利用): the request waits for approval at its level; the approval grants access until its time limit,
 * renewable once; paper lent under it is due back then, is reminded when overdue and escalated to the archive
 * manager if it still does not come back, and the request ends when its time is up and every paper is returned.
 */
export const consultRecords: ConsultationWorkflow = async (input) => {
  enterStep('consultation');
  const view: ConsultationView = {
    consultationId: input.consultationId,
    stage: 'awaiting_approval',
    expiresAt: null,
    renewed: false,
    loans: [],
  };
  let timeChanged = false;
  setHandler(consultationQuery, () => view);

  setHandler(
    decideConsultation,
    async (d) => {
      if (d.decision === 'refuse') {
        view.stage = 'deciding';
        try {
          await refuseConsultation({ consultationId: input.consultationId, decidedBy: d.actor, reason: d.reason! });
        } catch (err) {
          view.stage = 'awaiting_approval';
          throw err;
        }
        view.stage = 'refused';
        return { stage: view.stage, expiresAt: null };
      }
      await approve(d.actor, d.actorId);
      return { stage: view.stage, expiresAt: view.expiresAt };
    },
    { validator: (d: ConsultationDecision) => validateDecision(view, input, d) },
  );
  setHandler(
    renewConsultation,
    async (r) => {
      const previous = view.expiresAt!;
      const expiresAt = new Date(Date.parse(previous) + input.renewalMs).toISOString();
      // The new time is taken before the activity runs, so the timer cannot end a grant that is being renewed.
      view.renewed = true;
      view.expiresAt = expiresAt;
      timeChanged = true;
      try {
        await extendAccess({ consultationId: input.consultationId, expiresAt, actor: r.actor });
      } catch (err) {
        view.renewed = false;
        view.expiresAt = previous;
        timeChanged = true;
        throw err;
      }
      for (const loan of view.loans) if (!loan.returned) loan.dueAt = expiresAt;
      return { expiresAt };
    },
    { validator: (r: Renewal) => validateRenewal(view, input, r) },
  );
  setHandler(
    lendPaper,
    async (l) => {
      const dueAt = view.expiresAt!;
      const loans = l.itemIds.map((itemId) => ({ itemId, dueAt, returned: false, reminded: false, escalated: false }));
      view.loans.push(...loans);
      try {
        await recordLoans({ consultationId: input.consultationId, itemIds: l.itemIds, actor: l.actor, dueAt });
      } catch (err) {
        view.loans = view.loans.filter((loan) => !loans.includes(loan));
        throw err;
      }
      return { dueAt };
    },
    { validator: (l: Lending) => validateLending(view, input, l) },
  );
  setHandler(
    returnPaper,
    async (r) => {
      const loan = view.loans.find((x) => x.itemId === r.itemId)!;
      loan.returned = true;
      await recordReturn({ consultationId: input.consultationId, itemId: r.itemId, actor: r.actor, condition: r.condition });
      return { outstanding: outstanding().length };
    },
    { validator: (r: PaperReturn) => validateReturn(view, r) },
  );

  const outstanding = () => view.loans.filter((l) => !l.returned);

  async function approve(actor: string, actorId: string): Promise<void> {
    view.stage = 'deciding';
    const expiresAt = new Date(Date.now() + input.grantTtlMs).toISOString();
    try {
      await grantAccess({ consultationId: input.consultationId, decidedBy: actor, decidedById: actorId, expiresAt });
    } catch (err) {
      view.stage = 'awaiting_approval';
      throw err;
    }
    view.expiresAt = expiresAt;
    view.stage = 'approved';
  }

  await condition(() => view.stage === 'approved' || view.stage === 'refused');
  if (view.stage === 'refused') {
    await condition(allHandlersFinished);
    return view;
  }

  // The grant's expires_at stops access by itself (CASL reads it); this timer records the end and starts the reminders.
  for (;;) {
    timeChanged = false;
    if (!(await condition(() => timeChanged, Math.max(0, Date.parse(view.expiresAt!) - Date.now())))) break;
  }
  view.stage = 'expired';
  await endAccess({ consultationId: input.consultationId });
  if (outstanding().length) {
    await remindOverdueLoans({ consultationId: input.consultationId, itemIds: outstanding().map((l) => l.itemId) });
    for (const l of outstanding()) l.reminded = true;
    if (!(await condition(() => outstanding().length === 0, input.loanEscalationMs))) {
      await escalateOverdueLoans({ consultationId: input.consultationId, itemIds: outstanding().map((l) => l.itemId) });
      for (const l of outstanding()) l.escalated = true;
      await condition(() => outstanding().length === 0);
    }
  }
  await condition(allHandlersFinished);
  if (view.loans.length) {
    await closeConsultation({ consultationId: input.consultationId });
    view.stage = 'closed';
  }
  return view;
};

function validateDecision(view: ConsultationView, input: ConsultationInput, d: ConsultationDecision): void {
  if (view.stage !== 'awaiting_approval') refuse(`request ${input.number} is ${view.stage}, not awaiting approval`);
  const ownRecords = input.selfServiceBy !== undefined && d.actorId === input.selfServiceBy && d.decision === 'approve';
  if (!ownRecords && !approves(d.actorRoles, input.approver))
    refuse(
      input.approver === 'agency_head'
        ? `request ${input.number} names items at a level the agency head approves; your roles do not approve it`
        : `request ${input.number} is approved by the archive manager; your roles do not approve it`,
    );
  if (d.decision === 'refuse' && !d.reason?.trim()) refuse('a refusal needs its reason');
}

function validateRenewal(view: ConsultationView, input: ConsultationInput, r: Renewal): void {
  if (view.stage !== 'approved') refuse(`request ${input.number} is ${view.stage}; only a running approval is renewed`);
  if (view.renewed) refuse(`request ${input.number} was renewed once already; a grant is renewed only once`);
  if (!approves(r.actorRoles, input.approver)) refuse(`request ${input.number} is renewed by whoever may approve it; your roles do not`);
}

function validateLending(view: ConsultationView, input: ConsultationInput, l: Lending): void {
  if (input.form !== 'borrow') refuse(`request ${input.number} is for ${USE_FORM_LABELS[input.form]}, not for borrowing the paper`);
  if (view.stage !== 'approved') refuse(`request ${input.number} is ${view.stage}; paper is lent only under a running approval`);
  if (!l.itemIds.length) refuse('name the items lent');
  for (const id of l.itemIds) {
    if (!input.itemIds.includes(id)) refuse(`item ${id} is not on request ${input.number}`);
    if (view.loans.some((x) => x.itemId === id)) refuse(`item ${id} was lent under request ${input.number} already`);
  }
  if (new Set(l.itemIds).size !== l.itemIds.length) refuse('an item is named twice');
}

function validateReturn(view: ConsultationView, r: PaperReturn): void {
  const loan = view.loans.find((x) => x.itemId === r.itemId);
  if (!loan) refuse(`item ${r.itemId} was not lent under this request`);
  if (loan.returned) refuse(`item ${r.itemId} was returned already`);
  if (!r.condition.trim()) refuse('record the condition the paper came back in');
}

function refuse(message: string): never {
  throw ApplicationFailure.nonRetryable(message, ConsultationError.Refused);
}
