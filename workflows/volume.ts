import { ApplicationFailure, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { VOLUME_ACTIVITIES, assemblyQuery, type AssemblyView, type VolumeAssemblyWorkflow } from '../contracts/volume';
import { enterStep } from './step';

const { numberAndBox, markAssembled, produceVolumeDocuments, finishAssembly } =
  proxyActivities<ReturnType<typeof createActivities>>(VOLUME_ACTIVITIES);

const ASSEMBLED_WHEN_NUMBERED = 'assembled-when-numbered';

/**
 * Volume assembly (组卷/装盒): the verified items of the scope are numbered without gaps, boxed (a box never mixes
 * year, retention or organisation) and so assembled, then the catalogue, labels and note sheets are printed.
 */
export const assembleVolumes: VolumeAssemblyWorkflow = async (input) => {
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
};

function messageOf(err: Error): string {
  return (err.cause instanceof Error ? err.cause.message : undefined) ?? err.message;
}
