import { defineSearchAttributeKey } from '@temporalio/common';

/** Custom search attributes registered in Lantai's namespace, so an archive manager can list items by state. */
export const SEARCH_ATTRIBUTE_TYPES = {
  LantaiLifecycleState: 'Keyword',
  LantaiFonds: 'Keyword',
  LantaiArchivalCode: 'Keyword',
  LantaiWaitingOn: 'Keyword',
} as const;

export const lifecycleStateKey = defineSearchAttributeKey('LantaiLifecycleState', 'KEYWORD');
export const fondsKey = defineSearchAttributeKey('LantaiFonds', 'KEYWORD');
export const archivalCodeKey = defineSearchAttributeKey('LantaiArchivalCode', 'KEYWORD');
export const waitingOnKey = defineSearchAttributeKey('LantaiWaitingOn', 'KEYWORD');
