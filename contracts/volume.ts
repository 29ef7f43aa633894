import type { ActivityOptions } from '@temporalio/common';
import { defineQuery } from '@temporalio/workflow';
import { StepError } from './errors';

/** Volume assembly (组卷/装盒), shared by its workflow, its activities and the API. */

export const VOLUME_ASSEMBLY_WORKFLOW = 'assembleVolumes';
export type VolumeAssemblyWorkflow = (input: VolumeAssemblyInput) => Promise<AssemblyView>;
export const volumeAssemblyWorkflowId = (assemblyId: string) => `volume-${assemblyId}`;

export interface VolumeAssemblyInput {
  assemblyId: string;
  actor: string;
}

/** 'moving' only in assemblies whose history began before items were assembled as they were numbered. */
export type AssemblyStage = 'numbering' | 'moving' | 'documents' | 'done' | 'failed';

export interface AssemblyView {
  assemblyId: string;
  stage: AssemblyStage;
  items: number;
  boxes: number;
  documents: string[];
}

export const assemblyQuery = defineQuery<AssemblyView>('assembly');

/** A document a step printed and kept in the packages bucket. */
export interface StoredDocument {
  name: string;
  bucket: string;
  key: string;
  size: number;
  sha256: string;
  contentType: string;
}

/** The documents of an assembly: the catalogue (归档文件目录) as PDF and Excel, spine and item labels, note sheets (备考表). */
export const VOLUME_DOCUMENTS = ['catalogue.pdf', 'catalogue.xlsx', 'spine-labels.pdf', 'item-labels.pdf', 'note-sheets.pdf'] as const;
export type VolumeDocumentName = (typeof VOLUME_DOCUMENTS)[number];
/** The media type each document is stored and served as. */
export const VOLUME_DOCUMENT_TYPES: Record<VolumeDocumentName, string> = {
  'catalogue.pdf': 'application/pdf',
  'catalogue.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'spine-labels.pdf': 'application/pdf',
  'item-labels.pdf': 'application/pdf',
  'note-sheets.pdf': 'application/pdf',
};
export const volumeDocumentKey = (assemblyId: string, name: VolumeDocumentName) => `volumes/${assemblyId}/${name}`;

export const VolumeError = {
  /** The fonds' archival code template cannot form a code; an archive manager must correct the arrangement. */
  ReferenceCodeTemplate: 'ReferenceCodeTemplateError',
} as const;

/** Numbering heartbeats per chunk and the documents per document, so a large assembly stays well within the timeouts. */
export const VOLUME_ACTIVITIES: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    nonRetryableErrorTypes: [StepError.TransitionNotAllowed, StepError.CjkFontMissing, VolumeError.ReferenceCodeTemplate],
  },
};
