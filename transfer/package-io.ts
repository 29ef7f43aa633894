import fs from 'node:fs/promises';
import path from 'node:path';
import type { ObjectStore } from '../store/object-store';
import { isSafeBagPath } from './bagit';

/** Where a package is written; paths are relative to the bag root ("bagit.txt", "data/records/…"). */
export interface PackageTarget {
  write(relPath: string, body: Buffer): Promise<void>;
}

/** Where a received package is read from, with the same relative paths. */
export interface PackageSource {
  list(): Promise<{ path: string; size: number }[]>;
  read(relPath: string): Promise<Buffer>;
}

export class UnsafePackagePathError extends Error {
  override name = 'UnsafePackagePathError';
  constructor(relPath: string) {
    super(`"${relPath}" is not a path inside a package`);
  }
}

function checked(relPath: string): string {
  if (!isSafeBagPath(relPath)) throw new UnsafePackagePathError(relPath);
  return relPath;
}

export function directoryTarget(dir: string): PackageTarget {
  return {
    async write(relPath, body) {
      const file = path.join(dir, checked(relPath));
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, body);
    },
  };
}

/** Lists regular files only: a symbolic link in a received package is never followed out of it. */
export function directorySource(dir: string): PackageSource {
  return {
    async list() {
      const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
      const files = entries.filter((e) => e.isFile());
      return Promise.all(
        files.map(async (e) => {
          const full = path.join(e.parentPath, e.name);
          return { path: path.relative(dir, full).split(path.sep).join('/'), size: (await fs.lstat(full)).size };
        }),
      );
    },
    read: (relPath) => fs.readFile(path.join(dir, checked(relPath))),
  };
}

const CONTENT_TYPES: Record<string, string> = {
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml',
  '.pem': 'application/x-pem-file',
  '.sig': 'application/octet-stream',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.jp2': 'image/jp2',
};

function withSlash(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

export function s3Target(store: Pick<ObjectStore, 'put'>, bucket: string, prefix: string): PackageTarget {
  const root = withSlash(prefix);
  return {
    async write(relPath, body) {
      const contentType = CONTENT_TYPES[path.extname(relPath).toLowerCase()] ?? 'application/octet-stream';
      await store.put({ bucket, key: root + checked(relPath), body, contentType });
    },
  };
}

export function s3Source(store: Pick<ObjectStore, 'list' | 'get'>, bucket: string, prefix: string): PackageSource {
  const root = withSlash(prefix);
  return {
    async list() {
      const objects = await store.list(bucket, root);
      return objects.filter((o) => !o.key.endsWith('/')).map((o) => ({ path: o.key.slice(root.length), size: o.size }));
    },
    read: (relPath) => store.get({ bucket, key: root + checked(relPath) }),
  };
}
