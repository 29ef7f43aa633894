import { readFile, rm } from 'node:fs/promises';
import sharp from 'sharp';
import type { ScannedPage } from '../types';
import type { ScanPlan } from './plan';
import { SaneCommandError } from './scanimage';

const CONTENT_TYPE = { png: 'image/png', tiff: 'image/tiff', jpeg: 'image/jpeg' } as const;

/** Takes a finished page file out of the work directory, checking that it decodes before anyone stores it. */
export async function takePage(file: string, index: number, plan: ScanPlan, deviceId: string): Promise<ScannedPage> {
  const image = await readFile(file);
  await rm(file);
  const meta = await sharp(image)
    .metadata()
    .catch(() =>
      Promise.reject(
        new SaneCommandError({ status: undefined, detail: `page ${index} is not a readable ${plan.format} image`, atOpen: false }),
      ),
    );
  return {
    index,
    image,
    format: plan.format,
    contentType: CONTENT_TYPE[plan.format],
    width: meta.width,
    height: meta.height,
    resolution: plan.resolution ?? meta.density ?? 0,
    mode: plan.mode ?? ((meta.channels ?? 1) >= 3 ? 'colour' : 'grey'),
    source: plan.source,
    // Duplex batches start on a front, so odd indexes are fronts and even ones backs.
    side: plan.duplex ? (index % 2 === 1 ? 'front' : 'back') : undefined,
    deviceId,
  };
}
