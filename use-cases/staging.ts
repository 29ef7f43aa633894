import { randomUUID } from 'node:crypto';
import type { Actor } from '../api/access';
import type { ApiContext } from '../api/context';
import { AppError, badRequest } from '../api/errors';
import type { StagedPage } from '../domain/capture';
import { decodesWhole, openImage, PAGE_FORMATS } from '../imaging';

/** Checks an uploaded page image can be read and stages it; a bad image is refused and nothing is stored. */
export async function stageUpload(ctx: ApiContext, actor: Actor, body: unknown, stagingId: string): Promise<StagedPage> {
  if (!Buffer.isBuffer(body) || body.length === 0)
    throw badRequest('the body must be the page image (Content-Type image/jpeg, image/png, image/tiff or image/x-portable-anymap)');
  const unreadable = (err: Error) => {
    throw badRequest(`the page image cannot be read: ${err.message}`, [{ field: 'body', problem: 'unreadable image' }]);
  };
  const image = await openImage(body).catch(unreadable);
  if (!(PAGE_FORMATS as readonly string[]).includes(image.format))
    throw new AppError(
      415,
      'unsupported_media_type',
      `the body is ${image.format.toUpperCase()}, not a page image: send JPEG, PNG, TIFF or PNM`,
    );
  await decodesWhole(image).catch(unreadable);
  const stored = await ctx.store.put({
    bucket: ctx.config.s3.buckets.images,
    key: `staging/${stagingId}/upload-${randomUUID()}`,
    body,
    contentType: `image/${image.format}`,
  });
  return { bucket: stored.bucket, key: stored.key, versionId: stored.versionId, source: `upload:${actor.username}` };
}
