import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

export const WORKFLOW_BUNDLE_PATH = path.resolve(__dirname, '..', 'dist', 'workflow-bundle.js');

/** Builds the workflow bundle once, so workers start fast and tests share one prebuilt bundle. */
export async function buildWorkflowBundle(out = WORKFLOW_BUNDLE_PATH): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quietLogger });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, code);
  return out;
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: (m: string) => console.error(m), log: noop };

if (require.main === module) {
  buildWorkflowBundle().catch((err: Error) => {
    console.error(`workflow bundle failed: ${err.message}`);
    process.exit(1);
  });
}
