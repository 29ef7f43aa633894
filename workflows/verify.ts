import { ApplicationFailure, condition, continueAsNew, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { Finding } from '../domain/capture';
import {
  VERIFICATION_ACTIVITIES,
  VerificationError,
  decideQuality,
  reviewSample,
  verificationQuery,
  type QualityDecision,
  type SampleReview,
  type VerificationView,
  type VerifyWorkflow,
} from '../contracts/verification';
import { setWaiting } from './scanning';
import { enterStep } from './step';

const { checkItem, recordFindings, raiseAlarm, resolveFindings, storePages, chooseForSampling, passSampling, moveItem } =
  proxyActivities<ReturnType<typeof createActivities>>(VERIFICATION_ACTIVITIES);

/**
 * Verify (质检): automatic checks per page and per item; a failure raises an alarm and waits for a
 * rescan or an archivist's override with a reason; a share of verified items goes to a sampling check.
 */
export const verifyItem: VerifyWorkflow = async (input) => {
  enterStep('verification');
  const view: VerificationView = { itemId: input.itemId, waitingOn: 'none', findings: [], rounds: 0 };
  let decision: QualityDecision | undefined;
  let review: SampleReview | undefined;
  setHandler(verificationQuery, () => view);
  setHandler(
    decideQuality,
    (d) => {
      decision = d;
      return { accepted: true };
    },
    { validator: (d: QualityDecision) => validateDecision(view, d) },
  );
  setHandler(
    reviewSample,
    (r) => {
      review = r;
      return { accepted: true };
    },
    { validator: (r: SampleReview) => validateReview(view, r) },
  );

  let overridden = false;
  view.findings = input.sentBack
    ? await recordFindings({ itemId: input.itemId, findings: input.sentBack.findings, detectedBy: input.sentBack.actor })
    : await checkItem({ itemId: input.itemId });
  while (view.findings.length > 0) {
    view.rounds += 1;
    await moveItem({ itemId: input.itemId, to: 'verification_failed', actor: 'quality check', reason: summary(view.findings) });
    await raiseAlarm({ itemId: input.itemId, findings: view.findings });
    setWaiting(view, 'quality_decision');
    await condition(() => decision !== undefined);
    const d = decision!;
    decision = undefined;
    setWaiting(view, 'none');
    if (d.kind === 'override') {
      await resolveFindings({ itemId: input.itemId, resolution: 'overridden', actor: d.actor, reason: d.reason });
      overridden = true;
      break;
    }
    await storePages({ itemId: input.itemId, pages: d.pages });
    await resolveFindings({ itemId: input.itemId, resolution: 'rescanned', actor: d.actor, pageNumbers: d.pages.map((p) => p.replaces!) });
    await moveItem({ itemId: input.itemId, to: 'captured', actor: d.actor, reason: 'rescanned' });
    view.findings = await checkItem({ itemId: input.itemId });
  }
  const sampled = await chooseForSampling({ itemId: input.itemId });
  await moveItem({ itemId: input.itemId, to: 'verified', actor: overridden ? 'archivist override' : 'quality check' });

  if (sampled) {
    setWaiting(view, 'sampling_review');
    await condition(() => review !== undefined);
    setWaiting(view, 'none');
    if (review!.outcome === 'send_back') {
      await continueAsNew<VerifyWorkflow>({ itemId: input.itemId, sentBack: { findings: review!.findings!, actor: review!.actor } });
    }
    await passSampling({ itemId: input.itemId });
  }
  return { outcome: overridden ? 'overridden' : 'verified' };
};

function validateDecision(view: VerificationView, d: QualityDecision): void {
  if (view.waitingOn !== 'quality_decision') fail('this item is not waiting for a quality decision');
  if (d.kind === 'override' && !d.reason?.trim()) fail('an override needs a recorded reason');
  if (d.kind === 'rescan') {
    if (!d.pages?.length) fail('a rescan needs at least one page');
    const failing = new Set(view.findings.map((f) => f.pageNumber).filter((n) => n !== undefined));
    for (const p of d.pages) {
      if (!Number.isInteger(p.replaces) || p.replaces! < 1) fail('each rescanned page must say which page number it replaces');
      if (failing.size > 0 && !failing.has(p.replaces!) && !view.findings.some((f) => f.pageNumber === undefined)) {
        fail(`page ${p.replaces} did not fail; pages that failed: ${[...failing].join(', ')}`);
      }
    }
  }
}

function validateReview(view: VerificationView, r: SampleReview): void {
  if (view.waitingOn !== 'sampling_review') fail('this item is not waiting for a sampling review');
  if (r.outcome === 'send_back' && !r.findings?.length) fail('sending an item back needs at least one finding');
}

function fail(message: string): never {
  throw ApplicationFailure.nonRetryable(message, VerificationError.DecisionRefused);
}

function summary(findings: Finding[]): string {
  return findings.map((f) => (f.pageNumber ? `${f.type} (page ${f.pageNumber})` : f.type)).join(', ');
}
