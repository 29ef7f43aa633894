import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findWorkflowImportViolations } from '../ops/check-workflow-imports';

const fixtureRoots: string[] = [];

/** Writes a throwaway project tree and returns its root. */
function project(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lantai-workflow-imports-'));
  fixtureRoots.push(root);
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  return root;
}

afterAll(() => {
  for (const root of fixtureRoots) fs.rmSync(root, { recursive: true, force: true });
});

const pureRetention = `export function retentionEnds(closedYear: number, years: number): number {
  return closedYear + 1 + years;
}
`;

const prismaActivities = `import { PrismaClient } from '@prisma/client';
export function createActivities(db: PrismaClient) {
  return { async closeVolume(id: string) { await db.$connect(); return id; } };
}
`;

describe('workflow import graph check', () => {
  it('passes a workflow that imports only the workflow SDK and a pure helper', () => {
    const root = project({
      'workflows/retention.ts': `import { sleep } from '@temporalio/workflow';
import { retentionEnds } from '../domain/retention';
export async function retentionWorkflow(year: number) { await sleep('1 day'); return retentionEnds(year, 30); }
`,
      'domain/retention.ts': pureRetention,
    });

    expect(findWorkflowImportViolations(root)).toEqual([]);
  });

  it('catches a workflow that imports fs directly', () => {
    const root = project({
      'workflows/export-volume.ts': `import fs from 'fs';
export function exportVolume(file: string) { return fs.existsSync(file); }
`,
    });

    const violations = findWorkflowImportViolations(root);

    expect(violations).toHaveLength(1);
    expect(violations[0]).toContain(`workflows/export-volume.ts imports 'fs'`);
  });

  it('catches Prisma reached through a pure-looking shared module and names the chain', () => {
    const root = project({
      'workflows/transfer.ts': `import { describeFonds } from '../shared/fonds';
export async function transferWorkflow(code: string) { return describeFonds(code); }
`,
      'shared/fonds.ts': `export { describeFonds } from './fonds-lookup';
`,
      'shared/fonds-lookup/index.ts': `import { PrismaClient } from '@prisma/client';
export function describeFonds(code: string) { return new PrismaClient().fonds.findUnique({ where: { code } }); }
`,
    });

    expect(findWorkflowImportViolations(root)).toEqual([
      expect.stringContaining(`workflows/transfer.ts -> shared/fonds.ts -> shared/fonds-lookup/index.ts imports '@prisma/client'`),
    ]);
  });

  it('allows activities to be imported as types only', () => {
    const root = project({
      'workflows/close-volume.ts': `import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { type createActivities as factory } from '../activities/index';
export type { createActivities } from '../activities';
const { closeVolume } = proxyActivities<ReturnType<typeof createActivities>>({ startToCloseTimeout: '1 minute' });
export async function closeVolumeWorkflow(id: string): Promise<ReturnType<typeof factory> | string> { return closeVolume(id); }
`,
      'activities/index.ts': prismaActivities,
    });

    expect(findWorkflowImportViolations(root)).toEqual([]);
  });

  it('catches value imports, re-exports and dynamic imports that reach outside the sandbox', () => {
    const root = project({
      'workflows/destruction.ts': `import { type createActivities, createActivities as build } from '../activities';
export * from '../store/object-store';
export async function destroy() { const c = await import('node:crypto'); return [c, build, require('pg')]; }
export type Factory = typeof createActivities;
`,
      'activities/index.ts': prismaActivities,
      'store/object-store.ts': `export const bucket = 'records';
`,
    });

    const violations = findWorkflowImportViolations(root);

    expect(violations).toHaveLength(4);
    expect(violations).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`workflows/destruction.ts imports '../activities' (line 1: activities/`),
        expect.stringContaining(`imports '../store/object-store' (line 2: store/`),
        expect.stringContaining(`imports 'node:crypto' (line 3: Node built-in)`),
        expect.stringContaining(`imports 'pg' (line 3:`),
      ]),
    );
  });

  it('finds no violations in the Lantai workflows', () => {
    expect(findWorkflowImportViolations(path.resolve(__dirname, '..'))).toEqual([]);
  });
});
