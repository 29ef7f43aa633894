import { patched, upsertSearchAttributes } from '@temporalio/workflow';
import { fondsKey, stepKey, type Step } from '../contracts/search-attributes';

/**
 * Marks the running workflow as this step (and, when it knows it, its fonds), so the Temporal UI lists what is in
 * flight with `LantaiStep="<step>"`; a step started through the API has its fonds from the start.
 */
export function enterStep(step: Step, fondsCode?: string): void {
  // A step begun by an older Lantai replays without the marking it never made.
  if (!patched('lantai-step-search-attributes')) return;
  upsertSearchAttributes([{ key: stepKey, value: step }, ...(fondsCode ? [{ key: fondsKey, value: fondsCode }] : [])]);
}
