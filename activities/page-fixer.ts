import type { ImagingPool } from '../imaging';
import type { Db } from '../prisma/client';
import type { ItemWithFonds } from '../catalogue/captures';
import { recordFixedPage, slipAlreadyRead } from '../catalogue/pages';
import type { ObjectStore } from '../store/object-store';
import { fixityStatement, type Signer } from '../store/signing';
import type { Config } from '../config';
import { pageObjectKey } from './page-keys';
import type { QualityRules } from './quality';

export type PageFixer = ReturnType<typeof pageFixer>;

/**
 * Fixes one page: measured, deskewed and cropped, stored under the item's code and page number, digested
 * (SHA-256, SM3) and signed (SM2), recorded; a page of the same number is superseded and stays in the history.
 */
export function pageFixer({
  db,
  store,
  signer,
  config,
  rules,
  imaging,
}: {
  db: Db;
  store: ObjectStore;
  signer: Signer;
  config: Config;
  rules: QualityRules;
  imaging: ImagingPool;
}) {
  return async ({
    item,
    raw,
    source,
    pageNumber,
    deviceDpi,
  }: {
    item: ItemWithFonds;
    raw: Buffer;
    source: string;
    pageNumber: number;
    deviceDpi?: number;
  }): Promise<void> => {
    // Measured once, on the page as it came: deskew and crop do not change sharpness, ink or red marks.
    const analysis = await imaging.analysePage(raw);
    const prepared = await imaging.preparePage(raw, { deskew: true, crop: true, maxSkewToCorrect: rules.maxSkewDegrees });
    // The slip is read until it is found: most pages carry no barcode, and looking costs more than finding.
    const barcodes = (await slipAlreadyRead(db, item, pageNumber)) ? [] : await imaging.decodeBarcodes(raw);
    const key = pageObjectKey(item, pageNumber, prepared.format);
    const stored = await store.put({
      bucket: config.s3.buckets.images,
      key,
      body: prepared.image,
      contentType: `image/${prepared.format}`,
    });
    const signature = signer.sign(
      fixityStatement({
        itemId: item.id,
        pageNumber,
        bucket: stored.bucket,
        key: stored.key,
        size: stored.size,
        sha256: stored.sha256,
        sm3: stored.sm3,
      }),
    );
    await recordFixedPage(db, {
      itemId: item.id,
      pageNumber,
      bucket: stored.bucket,
      key: stored.key,
      versionId: stored.versionId,
      size: stored.size,
      format: prepared.format,
      dpi: analysis.dpi ?? deviceDpi ?? prepared.dpi ?? null,
      sha256: stored.sha256,
      sm3: stored.sm3,
      signature,
      signingKeyId: signer.keyId,
      source,
      analysis: {
        skewDegrees: analysis.skewDegrees,
        rotationApplied: prepared.rotationApplied,
        sharpness: analysis.sharpness,
        blurred: analysis.blurred,
        blank: analysis.blank,
        inkRatio: analysis.inkRatio,
        redRatio: analysis.redRatio,
        redMarkPresent: analysis.redMarkPresent,
        colour: analysis.colour,
        width: prepared.width,
        height: prepared.height,
        barcodes: barcodes.map((b) => ({ format: b.format, text: b.text })),
      },
    });
  };
}
