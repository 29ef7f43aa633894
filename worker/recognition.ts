import type { Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy } from '@temporalio/common';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { RECOGNITION_WORKFLOW, RECOGNITION_WORKFLOW_ID } from '../contracts/recognition';

/**
 * Makes the archive's one recognition workflow (全文识别) run: started when it is not running (a new archive, or one
 * that was terminated), left alone when it is. Every worker start makes sure, so nothing has to remember to.
 */
export async function ensureRecognition(temporal: Client, config: Config, log: Logger): Promise<void> {
  const handle = await temporal.workflow.start(RECOGNITION_WORKFLOW, {
    workflowId: RECOGNITION_WORKFLOW_ID,
    taskQueue: config.temporal.taskQueue,
    args: [],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
  });
  log.info({ workflowId: handle.workflowId, ocrTaskQueue: config.ocr.taskQueue }, 'recognition workflow running');
}
