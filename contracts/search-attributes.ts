import { defineSearchAttributeKey } from '@temporalio/common';

/**
 * Custom search attributes registered in Lantai's namespace, so the Temporal UI lists what is in flight: by step,
 * fonds and what it waits on. `LantaiLifecycleState` was set by the older per-item workflows; the upgrade reads it.
 */
export const SEARCH_ATTRIBUTE_TYPES = {
  LantaiStep: 'Keyword',
  LantaiLifecycleState: 'Keyword',
  LantaiFonds: 'Keyword',
  LantaiArchivalCode: 'Keyword',
  LantaiWaitingOn: 'Keyword',
} as const;

export const lifecycleStateKey = defineSearchAttributeKey('LantaiLifecycleState', 'KEYWORD');
export const fondsKey = defineSearchAttributeKey('LantaiFonds', 'KEYWORD');
export const archivalCodeKey = defineSearchAttributeKey('LantaiArchivalCode', 'KEYWORD');
export const waitingOnKey = defineSearchAttributeKey('LantaiWaitingOn', 'KEYWORD');
export const stepKey = defineSearchAttributeKey('LantaiStep', 'KEYWORD');

/** The lifecycle steps and other long work that run as workflows, as `LantaiStep` names them. */
export const STEPS = [
  'capture',
  'verification',
  'import',
  'scan_session',
  'volume_assembly',
  'hand_over',
  'transfer',
  'accession',
  'inventory',
  'appraisal',
  'destruction',
  'consultation',
] as const;
export type Step = (typeof STEPS)[number];

/** The search attribute naming the fonds a step works in, given when the step is started. */
export const inFonds = (fondsCode: string) => [{ key: fondsKey, value: fondsCode }];
