import type { Config } from '../config';
import { rewrappedDataKey } from '../catalogue/data-keys';
import type { Db } from '../prisma/client';
import { loadKeyring } from './keyring';
import { createObjectStore, type ObjectStore } from './object-store';

/**
 * The object store as the API and the worker use it: page images (the images bucket) sealed with SM4 under the
 * keyring's current KEK when encryption is on (LANTAI_ENCRYPTION), every sealed object opened on reading; the
 * first KEK is made on the first start, also with encryption off (it signs the OCR workers' page links). Without `db` (a scanning workstation's worker, which only writes staged pages), no KEK is
 * made: a workstation on a machine of its own is given a copy of the KEK folder.
 */
export function sealedObjectStore(config: Config, db?: Db): ObjectStore {
  const keyring = loadKeyring(config.encryption.kekDir, { create: db !== undefined });
  return createObjectStore(config.s3, {
    keyring,
    buckets: config.encryption.enabled ? [config.s3.buckets.images] : [],
    rewrapped: db ? (id) => rewrappedDataKey(db, id) : undefined,
  });
}
