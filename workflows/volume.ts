import { ApplicationFailure, defineQuery, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { enterStep } from './step';

const { numberAndBox, markAssembled, produceVolumeDocuments, finishAssembly } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    nonRetryableErrorTypes: ['TransitionNotAllowed', 'CjkFontMissingError', 'ReferenceCodeTemplateError'],
  },
});

export interface VolumeAssemblyInput {
  assemblyId: string;
  actor: string;
}

/** 'moving' only in assemblies whose history began before items were assembled as they were numbered. */
export type AssemblyStage = 'numbering' | 'moving' | 'documents' | 'done' | 'failed';

const ASSEMBLED_WHEN_NUMBERED = 'assembled-when-numbered';

export interface AssemblyView {
  assemblyId: string;
  stage: AssemblyStage;
  items: number;
  boxes: number;
  documents: string[];
}

export const assemblyQuery = defineQuery<AssemblyView>('assembly');

/**
 * Volume assembly (组卷/装盒): the verified items of the scope are numbered without gaps, boxed (a box never mixes
 * year, retention or organisation) and so assembled, then the catalogue, labels and note sheets are printed.
 */
export async function assembleVolumes(input: VolumeAssemblyInput): Promise<AssemblyView> {
  enterStep('volume_assembly');
  const view: AssemblyView = { assemblyId: input.assemblyId, stage: 'numbering', items: 0, boxes: 0, documents: [] };
  setHandler(assemblyQuery, () => view);
  try {
    Object.assign(view, await numberAndBox({ assemblyId: input.assemblyId, actor: input.actor }));
    // Items now become assembled in the transaction that numbers them; a history begun before that moves them here.
    if (!patched(ASSEMBLED_WHEN_NUMBERED)) {
      view.stage = 'moving';
      await markAssembled({ assemblyId: input.assemblyId, actor: input.actor });
    }
    view.stage = 'documents';
    view.documents = (await produceVolumeDocuments({ assemblyId: input.assemblyId })).map((d) => d.name);
  } catch (err) {
    view.stage = 'failed';
    await finishAssembly({
      assemblyId: input.assemblyId,
      error: err instanceof ApplicationFailure || err instanceof Error ? messageOf(err) : String(err),
    });
    throw err;
  }
  await finishAssembly({ assemblyId: input.assemblyId });
  view.stage = 'done';
  return view;
}

function messageOf(err: Error): string {
  return (err.cause instanceof Error ? err.cause.message : undefined) ?? err.message;
}
