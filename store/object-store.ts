import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  S3Client,
  S3ServiceException,
  type BucketLocationConstraint,
  type CreateBucketCommandInput,
  type HeadObjectCommandOutput,
  type ObjectLockRetentionMode,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Config } from '../config';
import { digestsOf, hexToBase64, type Digests } from './digest';
import {
  KeyUnavailableError,
  ObjectDamagedError,
  ObjectLockedError,
  ObjectNotFoundError,
  StoreError,
  StoreUnavailableError,
} from './errors';
import type { Keyring } from './keyring';
import { HEADER_BYTES, isSealed, open, readHeader, seal, SEAL_ALGORITHM, SEAL_OVERHEAD, unwrapDataKey, type SealHeader } from './sealing';

export {
  KeyUnavailableError,
  ObjectDamagedError,
  ObjectLockedError,
  ObjectNotFoundError,
  StoreError,
  StoreUnavailableError,
} from './errors';
export { digestsOf, type Digests } from './digest';

/**
 * Encryption at rest by Lantai (store/sealing.ts): new objects of `buckets` are sealed with the keyring's current
 * KEK; every read opens a sealed object, whatever its bucket, and passes a plaintext one (written before) through.
 */
export interface Sealing {
  keyring: Keyring;
  buckets: string[];
  /** The newest wrapping of a data key, when a key rotation made one (catalogue/data-keys.ts). */
  rewrapped?: (dataKeyId: string) => Promise<{ kekId: string; wrappedKey: Buffer } | undefined>;
}

export type RetentionMode = 'GOVERNANCE' | 'COMPLIANCE';

export interface ObjectRef {
  bucket: string;
  key: string;
  versionId?: string;
}

export interface PutInput {
  bucket: string;
  key: string;
  body: Buffer;
  contentType: string;
  retainUntil?: Date;
  /** GOVERNANCE unless said otherwise: a COMPLIANCE date set by mistake can never be shortened, not even by the bucket owner. */
  retentionMode?: RetentionMode;
  legalHold?: boolean;
  /** Seal (or not) whatever the bucket's rule: documents with personal data in the packages bucket are sealed. */
  seal?: boolean;
}

/** Size and digests are those of the plaintext, which fixity is about, sealed or not. */
export interface StoredObject extends Digests {
  bucket: string;
  key: string;
  versionId: string;
  size: number;
}

export interface ObjectHead {
  bucket: string;
  key: string;
  versionId: string | undefined;
  /** The plaintext's size (for a sealed object, what it opens to). */
  size: number;
  storedSize: number;
  /** The KEK id of a sealed object, undefined for a plaintext one. */
  sealedWith: string | undefined;
  contentType: string | undefined;
  lastModified: Date | undefined;
  etag: string | undefined;
  metadata: Record<string, string>;
  retention: { mode: RetentionMode; retainUntil: Date } | undefined;
  legalHold: boolean;
}

export interface VerifyInput extends Digests {
  bucket: string;
  key: string;
  /** Omitted: check whatever the store now serves under the key, which is how tampering shows up. */
  versionId?: string;
  size: number;
}

export interface Verification {
  ok: boolean;
  problems: string[];
}

export interface ObjectVersion {
  key: string;
  versionId: string;
  isLatest: boolean;
  deleteMarker: boolean;
  size: number | undefined;
  lastModified: Date | undefined;
}

/** A version the store would not delete, with the store's words for why. */
export interface UndeletedVersion {
  key: string;
  versionId: string;
  code: string;
  message: string;
}

/** Versions one DeleteObjects request takes at most. */
export const DELETE_BATCH = 1000;

export interface ListedObject {
  key: string;
  size: number;
}

export interface BucketState {
  bucket: string;
  created: boolean;
  versioning: string | undefined;
  objectLock: boolean;
}

const DIGEST_METADATA = { sha256: 'sha256', sm3: 'sm3' } as const;
// On a sealed version: the algorithm, the KEK it was sealed with and the plaintext's size (metadata never changes).
const SEAL_METADATA = { algorithm: 'lantai-seal', kek: 'lantai-kek', plainSize: 'lantai-plain-size' } as const;
const DATA_KEYS_CACHED = 10_000;
const NOT_FOUND = new Set(['NoSuchKey', 'NoSuchVersion', 'NotFound', 'NoSuchBucket']);
const BUCKET_EXISTS = new Set(['BucketAlreadyOwnedByYou', 'BucketAlreadyExists']);

export type ObjectStore = ReturnType<typeof createObjectStore>;

export function createObjectStore(s3Config: Config['s3'], sealing?: Sealing, client: S3Client = createS3Client(s3Config)) {
  const buckets = Object.values(s3Config.buckets);
  const dataKeys = new Map<string, Buffer>();

  async function ensureBuckets(): Promise<BucketState[]> {
    const states: BucketState[] = [];
    for (const bucket of buckets) states.push(await ensureBucket(bucket));
    return states;
  }

  async function ensureBucket(bucket: string): Promise<BucketState> {
    const created = await createBucketIfMissing(bucket);
    const versioning = await enableVersioning(bucket);
    return { bucket, created, versioning, objectLock: await hasObjectLock(bucket) };
  }

  async function createBucketIfMissing(bucket: string): Promise<boolean> {
    try {
      await client.send(new CreateBucketCommand(createBucketInput(bucket, s3Config.region)));
      return true;
    } catch (err) {
      if (errorName(err) && BUCKET_EXISTS.has(errorName(err)!)) return false;
      throw storeFailure(`cannot create bucket ${bucket}`, err);
    }
  }

  async function enableVersioning(bucket: string): Promise<string | undefined> {
    const current = await client.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    if (current.Status === 'Enabled') return current.Status;
    await client.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    return (await client.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status;
  }

  async function hasObjectLock(bucket: string): Promise<boolean> {
    try {
      const lock = await client.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
      return lock.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled';
    } catch (err) {
      if (errorName(err) === 'ObjectLockConfigurationNotFoundError') return false;
      throw storeFailure(`cannot read the Object Lock configuration of bucket ${bucket}`, err);
    }
  }

  async function put(input: PutInput): Promise<StoredObject> {
    const digests = digestsOf(input.body);
    const kek = sealing && (input.seal ?? sealing.buckets.includes(input.bucket)) ? sealing.keyring.current() : undefined;
    const body = kek ? seal(input.body, kek).sealed : input.body;
    // The metadata's digests are of the bytes stored, which a backup checks without any key; the catalogue keeps the plaintext's.
    const stored = kek ? digestsOf(body) : digests;
    try {
      const out = await client.send(
        new PutObjectCommand({
          Bucket: input.bucket,
          Key: input.key,
          Body: body,
          ContentType: input.contentType,
          ContentLength: body.length,
          ChecksumAlgorithm: 'SHA256',
          ChecksumSHA256: hexToBase64(stored.sha256),
          Metadata: {
            [DIGEST_METADATA.sha256]: stored.sha256,
            [DIGEST_METADATA.sm3]: stored.sm3,
            ...(kek && {
              [SEAL_METADATA.algorithm]: SEAL_ALGORITHM,
              [SEAL_METADATA.kek]: kek.id,
              [SEAL_METADATA.plainSize]: String(input.body.length),
            }),
          },
          ...lockHeaders(input),
        }),
      );
      if (!out.VersionId) throw new StoreError(`bucket ${input.bucket} returned no version id: versioning must be enabled`);
      return {
        bucket: input.bucket,
        key: input.key,
        versionId: out.VersionId,
        size: input.body.length,
        ...digests,
      };
    } catch (err) {
      throw storeFailure(`cannot store ${input.bucket}/${input.key}`, err);
    }
  }

  /** The object's plaintext: a sealed object is opened (its tag checked), a plaintext one passed through. */
  async function get(ref: ObjectRef): Promise<Buffer> {
    const { body, metadata } = await getStored(ref);
    if (!metadata[SEAL_METADATA.algorithm] && !isSealed(body)) return body;
    try {
      return open(body, await dataKeyOf(readHeader(body), ref));
    } catch (err) {
      if ((err as Error).name === 'SealBrokenError')
        throw new ObjectDamagedError(`${describe(ref)} does not open: ${(err as Error).message}`, { cause: err });
      throw err;
    }
  }

  /** The bytes as stored, ciphertext for a sealed object: for backups, the key rotation and tests. */
  async function getStored(ref: ObjectRef, range?: string): Promise<{ body: Buffer; metadata: Record<string, string> }> {
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key, VersionId: ref.versionId, Range: range }));
      if (!out.Body) throw new StoreError(`${describe(ref)} came back without a body`);
      return { body: Buffer.from(await out.Body.transformToByteArray()), metadata: out.Metadata ?? {} };
    } catch (err) {
      throw storeFailure(`cannot read ${describe(ref)}`, err);
    }
  }

  /** A sealed version's header (one ranged read), undefined for a plaintext one. */
  async function sealHeader(ref: ObjectRef): Promise<SealHeader | undefined> {
    const { body, metadata } = await getStored(ref, `bytes=0-${HEADER_BYTES - 1}`);
    if (!metadata[SEAL_METADATA.algorithm] && !isSealed(body)) return undefined;
    try {
      return readHeader(body);
    } catch (err) {
      throw new ObjectDamagedError(`${describe(ref)}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** The data key, from the object's own wrapping when its KEK is here, else from the newest wrapping a rotation made. */
  async function dataKeyOf(header: SealHeader, ref: ObjectRef): Promise<Buffer> {
    const known = dataKeys.get(header.dataKeyId);
    if (known) return known;
    if (!sealing) throw new KeyUnavailableError(`${describe(ref)} is sealed (SM4) and this process has no keyring`);
    let kek = sealing.keyring.byId(header.kekId);
    let wrapped = header.wrappedKey;
    if (!kek) {
      const newer = await sealing.rewrapped?.(header.dataKeyId);
      kek = newer && sealing.keyring.byId(newer.kekId);
      if (!newer || !kek)
        throw new KeyUnavailableError(
          `${describe(ref)} is sealed with KEK ${newer?.kekId ?? header.kekId}, which is not in the keyring ${sealing.keyring.dir} (LANTAI_KEK_DIR): restore it from a backup`,
        );
      wrapped = newer.wrappedKey;
    }
    const key = unwrapDataKey(wrapped, header.dataKeyId, kek);
    if (dataKeys.size >= DATA_KEYS_CACHED) dataKeys.delete(dataKeys.keys().next().value!);
    dataKeys.set(header.dataKeyId, key);
    return key;
  }

  async function head(ref: ObjectRef): Promise<ObjectHead> {
    try {
      const out = await client.send(new HeadObjectCommand({ Bucket: ref.bucket, Key: ref.key, VersionId: ref.versionId }));
      return toHead(ref, out);
    } catch (err) {
      throw storeFailure(`cannot read ${describe(ref)}`, err);
    }
  }

  async function verify(expected: VerifyInput): Promise<Verification> {
    let body: Buffer;
    try {
      body = await get(expected);
    } catch (err) {
      if (errorName(err) === 'ObjectNotFoundError') return { ok: false, problems: [`${describe(expected)} is missing from the store`] };
      if (errorName(err) === 'ObjectDamagedError') return { ok: false, problems: [(err as Error).message] };
      throw err;
    }
    const problems = compareWithRecord(expected, body);
    return { ok: problems.length === 0, problems };
  }

  async function deleteVersion(input: ObjectRef & { versionId: string; bypassGovernance?: boolean }): Promise<void> {
    try {
      await client.send(
        new DeleteObjectCommand({
          Bucket: input.bucket,
          Key: input.key,
          VersionId: input.versionId,
          BypassGovernanceRetention: input.bypassGovernance || undefined,
        }),
      );
    } catch (err) {
      // Servers word the refusal differently (AWS: 403 AccessDenied, MinIO: 400 InvalidRequest), so ask the version itself.
      if (isRefusal(err)) {
        const lock = await lockOf(input).catch(() => undefined);
        if (lock) throw new ObjectLockedError(input.bucket, input.key, input.versionId, lock, { cause: err });
      }
      throw storeFailure(`cannot delete ${describe(input)}`, err);
    }
  }

  /**
   * Deletes up to DELETE_BATCH versions (or delete markers) of one bucket in one request, never bypassing
   * governance retention; returns the versions the store refused or failed to delete. A version already gone counts as deleted.
   */
  async function deleteVersions(bucket: string, versions: readonly { key: string; versionId: string }[]): Promise<UndeletedVersion[]> {
    if (versions.length === 0) return [];
    if (versions.length > DELETE_BATCH)
      throw new StoreError(`one request deletes at most ${DELETE_BATCH} versions, not ${versions.length}`);
    try {
      const out = await client.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Quiet: true, Objects: versions.map((v) => ({ Key: v.key, VersionId: v.versionId })) },
        }),
      );
      return (out.Errors ?? [])
        .filter((e) => !NOT_FOUND.has(e.Code ?? ''))
        .map((e) => ({ key: e.Key ?? '', versionId: e.VersionId ?? '', code: e.Code ?? 'Unknown', message: e.Message ?? '' }));
    } catch (err) {
      throw storeFailure(`cannot delete ${versions.length} version(s) in bucket ${bucket}`, err);
    }
  }

  /** The lock holding a version, or undefined when nothing holds it and the refusal had another cause. */
  async function lockOf(ref: ObjectRef): Promise<ObjectLockedError['lock'] | undefined> {
    const { retention, legalHold } = await head(ref);
    const retained = retention !== undefined && retention.retainUntil.getTime() > Date.now();
    if (!retained && !legalHold) return undefined;
    return { mode: retained ? retention.mode : undefined, retainUntil: retained ? retention.retainUntil : undefined, legalHold };
  }

  /** Turns an Object Lock legal hold on or off for one version; while on, nobody can delete the version. */
  async function setLegalHold(ref: ObjectRef & { versionId: string }, on: boolean): Promise<void> {
    try {
      await client.send(
        new PutObjectLegalHoldCommand({
          Bucket: ref.bucket,
          Key: ref.key,
          VersionId: ref.versionId,
          LegalHold: { Status: on ? 'ON' : 'OFF' },
        }),
      );
    } catch (err) {
      throw storeFailure(`cannot set the legal hold of ${describe(ref)}`, err);
    }
  }

  /** Sets an Object Lock retention date on one version; a date can be extended, never shortened without bypass. */
  async function setRetention(
    ref: ObjectRef & { versionId: string },
    retainUntil: Date,
    mode: RetentionMode = 'GOVERNANCE',
  ): Promise<void> {
    try {
      await client.send(
        new PutObjectRetentionCommand({
          Bucket: ref.bucket,
          Key: ref.key,
          VersionId: ref.versionId,
          Retention: { Mode: mode, RetainUntilDate: retainUntil },
        }),
      );
    } catch (err) {
      throw storeFailure(`cannot set the retention of ${describe(ref)}`, err);
    }
  }

  async function listVersions(bucket: string, prefix: string): Promise<ObjectVersion[]> {
    const versions: ObjectVersion[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    try {
      do {
        const page = await client.send(
          new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }),
        );
        for (const v of page.Versions ?? []) versions.push(toVersion(v, false));
        for (const m of page.DeleteMarkers ?? []) versions.push(toVersion(m, true));
        keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
        versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
      } while (keyMarker !== undefined);
    } catch (err) {
      throw storeFailure(`cannot list the versions under ${bucket}/${prefix}`, err);
    }
    return versions;
  }

  /**
   * One page of the versions under `prefix` (keys in order, each key's versions newest first), from where the page
   * before ended; `next` is absent on the last page. Delete markers are left out.
   */
  async function listVersionsPage(
    bucket: string,
    prefix: string,
    from: { keyMarker?: string; versionIdMarker?: string } = {},
    maxKeys = 1000,
  ): Promise<{ versions: ObjectVersion[]; next?: { keyMarker: string; versionIdMarker?: string } }> {
    try {
      const page = await client.send(
        new ListObjectVersionsCommand({
          Bucket: bucket,
          Prefix: prefix,
          KeyMarker: from.keyMarker,
          VersionIdMarker: from.versionIdMarker,
          MaxKeys: maxKeys,
        }),
      );
      const versions = (page.Versions ?? []).map((v) => toVersion(v, false));
      const next =
        page.IsTruncated && page.NextKeyMarker
          ? { keyMarker: page.NextKeyMarker, ...(page.NextVersionIdMarker ? { versionIdMarker: page.NextVersionIdMarker } : {}) }
          : undefined;
      return next ? { versions, next } : { versions };
    } catch (err) {
      throw storeFailure(`cannot list the versions under ${bucket}/${prefix}`, err);
    }
  }

  /** The current objects under `prefix` (no older versions, no delete markers). */
  async function list(bucket: string, prefix: string): Promise<ListedObject[]> {
    const objects: ListedObject[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const o of page.Contents ?? []) if (o.Key !== undefined) objects.push({ key: o.Key, size: o.Size ?? 0 });
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    } catch (err) {
      throw storeFailure(`cannot list ${bucket}/${prefix}`, err);
    }
    return objects;
  }

  /** Whether any current object lies under `prefix`; a bucket that does not exist is an ObjectNotFoundError. */
  async function holdsAny(bucket: string, prefix: string): Promise<boolean> {
    try {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }));
      return (page.KeyCount ?? page.Contents?.length ?? 0) > 0;
    } catch (err) {
      throw storeFailure(`cannot list ${bucket}/${prefix}`, err);
    }
  }

  /** Checks that every configured bucket answers; resolves to the round-trip time in milliseconds. */
  async function ping(): Promise<number> {
    const started = performance.now();
    try {
      await Promise.all(buckets.map((bucket) => client.send(new HeadBucketCommand({ Bucket: bucket }))));
    } catch (err) {
      throw new StoreUnavailableError(
        `object store at ${s3Config.endpoint} does not answer for buckets ${buckets.join(', ')}: ${messageOf(err)}`,
        {
          cause: err,
        },
      );
    }
    return Math.round(performance.now() - started);
  }

  /** A URL that reads this one version's stored bytes for `seconds`: ciphertext, for a sealed object. */
  async function presignGet(ref: ObjectRef, seconds: number): Promise<string> {
    return getSignedUrl(client, new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key, VersionId: ref.versionId }), {
      expiresIn: seconds,
    });
  }

  return {
    /** The KEKs this store seals and opens with, when it has any. */
    keyring: sealing?.keyring,
    ensureBuckets,
    presignGet,
    put,
    get,
    getStored,
    sealHeader,
    head,
    verify,
    deleteVersion,
    deleteVersions,
    lockOf,
    setLegalHold,
    setRetention,
    listVersions,
    listVersionsPage,
    list,
    holdsAny,
    ping,
  };
}

export function createS3Client(s3Config: Config['s3']): S3Client {
  return new S3Client({
    endpoint: s3Config.endpoint,
    region: s3Config.region,
    forcePathStyle: s3Config.forcePathStyle,
    credentials: { accessKeyId: s3Config.accessKeyId, secretAccessKey: s3Config.secretAccessKey },
  });
}

function createBucketInput(bucket: string, region: string): CreateBucketCommandInput {
  // us-east-1 is the one region S3 refuses to be named as a LocationConstraint.
  const location = region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } };
  return { Bucket: bucket, ObjectLockEnabledForBucket: true, ...location };
}

function lockHeaders(input: PutInput) {
  return {
    ...(input.retainUntil && {
      ObjectLockMode: (input.retentionMode ?? 'GOVERNANCE') satisfies ObjectLockRetentionMode,
      ObjectLockRetainUntilDate: input.retainUntil,
    }),
    ...(input.legalHold && { ObjectLockLegalHoldStatus: 'ON' as const }),
  };
}

function compareWithRecord(expected: VerifyInput, body: Buffer): string[] {
  const where = describe(expected);
  const actual = digestsOf(body);
  const problems: string[] = [];
  if (body.length !== expected.size) problems.push(`${where}: size is ${body.length} bytes, the record says ${expected.size}`);
  if (actual.sha256 !== expected.sha256) problems.push(`${where}: SHA-256 is ${actual.sha256}, the record says ${expected.sha256}`);
  if (actual.sm3 !== expected.sm3) problems.push(`${where}: SM3 is ${actual.sm3}, the record says ${expected.sm3}`);
  return problems;
}

function toHead(ref: ObjectRef, out: HeadObjectCommandOutput): ObjectHead {
  const storedSize = out.ContentLength ?? 0;
  const sealedWith = out.Metadata?.[SEAL_METADATA.kek];
  const plainSize = Number(out.Metadata?.[SEAL_METADATA.plainSize]);
  return {
    bucket: ref.bucket,
    key: ref.key,
    versionId: out.VersionId,
    size: sealedWith ? (Number.isSafeInteger(plainSize) ? plainSize : storedSize - SEAL_OVERHEAD) : storedSize,
    storedSize,
    sealedWith,
    contentType: out.ContentType,
    lastModified: out.LastModified,
    etag: out.ETag,
    metadata: out.Metadata ?? {},
    retention:
      out.ObjectLockMode && out.ObjectLockRetainUntilDate
        ? { mode: out.ObjectLockMode, retainUntil: out.ObjectLockRetainUntilDate }
        : undefined,
    legalHold: out.ObjectLockLegalHoldStatus === 'ON',
  };
}

function toVersion(
  v: { Key?: string; VersionId?: string; IsLatest?: boolean; Size?: number; LastModified?: Date },
  deleteMarker: boolean,
): ObjectVersion {
  return {
    key: v.Key ?? '',
    versionId: v.VersionId ?? 'null',
    isLatest: v.IsLatest ?? false,
    deleteMarker,
    size: deleteMarker ? undefined : v.Size,
    lastModified: v.LastModified,
  };
}

function describe(ref: ObjectRef): string {
  return `${ref.bucket}/${ref.key}${ref.versionId ? ` version ${ref.versionId}` : ''}`;
}

function errorName(err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined;
}

/** Whether a DeleteObjects error code is the store refusing (AWS: AccessDenied, MinIO: InvalidRequest), so Object Lock may be why. */
export function isRefusalCode(code: string): boolean {
  return code === 'AccessDenied' || code === 'InvalidRequest';
}

function isRefusal(err: unknown): boolean {
  const status = err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;
  return status === 400 || status === 403;
}

function messageOf(err: unknown): string {
  if (err instanceof S3ServiceException) return `${err.name} (HTTP ${err.$metadata.httpStatusCode ?? '?'}): ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

// Failures of the connection or of the store itself, not of the request: the store is down, not the object.
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'TimeoutError',
  'ServiceUnavailable',
  'SlowDown',
  'InternalError',
]);

function unreachable(err: unknown): boolean {
  // The SDK wraps a socket's error (ECONNREFUSED) in an error of its own; the code is on the cause.
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1) {
    const code = (e as { code?: string }).code;
    if (UNREACHABLE.has(code ?? '') || UNREACHABLE.has(e.name) || /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH)\b/.test(e.message))
      return true;
  }
  return false;
}

function storeFailure(context: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  if (unreachable(err))
    return new StoreUnavailableError(`${context}: the object store does not answer (${messageOf(err)})`, { cause: err });
  if (NOT_FOUND.has(errorName(err) ?? '')) return new ObjectNotFoundError(`${context}: not found (${errorName(err)})`, { cause: err });
  return new StoreError(`${context}: ${messageOf(err)}`, { cause: err });
}
