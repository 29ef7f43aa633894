import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Kek } from './sealing';

/**
 * The key-encryption keys (KEKs) that wrap the data keys of sealed objects, kept in a folder outside the store
 * (`LANTAI_KEK_DIR`, by default `<data>/keys/kek`), like the SM2 signing key: one file `<id>.kek` per KEK (its 16
 * bytes in hex, mode 0600) and a file `current` naming the one new objects use. A KEK's id is derived from its
 * bytes, so a file whose content was swapped is refused. Old KEKs stay until no stored object needs them.
 */
export interface Keyring {
  dir: string;
  /** The KEK new objects are sealed with; read again when `current` changed (a rotation by `./lantai keys`). */
  current(): Kek;
  /** The KEK of that id, or undefined when the folder has none (retired, or never here). */
  byId(id: string): Kek | undefined;
  ids(): string[];
}

/** The keyring cannot be used: its folder, its `current` file or a KEK file is missing or unreadable. */
export class KeyringError extends Error {
  override name = 'KeyringError';
}

const CURRENT = 'current';
const SUFFIX = '.kek';

export function kekIdOf(key: Buffer): string {
  return createHash('sm3').update('lantai-kek/1\n').update(key).digest('hex').slice(0, 32);
}

/** Loads the keyring, creating the folder and a first KEK when `create` and the folder holds none. */
export function loadKeyring(dir: string, { create = false }: { create?: boolean } = {}): Keyring {
  if (create && !fs.existsSync(path.join(dir, CURRENT)) && listIds(dir).length === 0) addKek(dir);
  let keys = readAll(dir);
  let currentId = readCurrent(dir, keys);
  let currentStamp = stampOf(dir);
  const reload = () => {
    keys = readAll(dir);
    currentId = readCurrent(dir, keys);
    currentStamp = stampOf(dir);
  };
  return {
    dir,
    current() {
      if (stampOf(dir) !== currentStamp) reload();
      return keys.get(currentId)!;
    },
    byId(id) {
      if (!keys.has(id) && listIds(dir).includes(id)) reload();
      return keys.get(id);
    },
    ids: () => [...keys.keys()],
  };
}

/** A new random KEK, made current; the ones before stay for what they wrap. */
export function addKek(dir: string): Kek {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = randomBytes(16);
  const id = kekIdOf(key);
  fs.writeFileSync(path.join(dir, `${id}${SUFFIX}`), `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  // Written aside and renamed, so a reader never sees a half-written name.
  const tmp = path.join(dir, `${CURRENT}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, `${id}\n`, { mode: 0o600 });
  fs.renameSync(tmp, path.join(dir, CURRENT));
  return { id, key };
}

/** Removes a KEK that is not current; the caller has made sure nothing needs it any more. */
export function removeKek(dir: string, id: string): void {
  const keys = readAll(dir);
  if (!keys.has(id)) throw new KeyringError(`KEK ${id} is not in ${dir}`);
  if (readCurrent(dir, keys) === id) throw new KeyringError(`KEK ${id} is the current one: rotate first`);
  fs.rmSync(path.join(dir, `${id}${SUFFIX}`));
}

function listIds(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(SUFFIX))
    .map((f) => f.slice(0, -SUFFIX.length));
}

function readAll(dir: string): Map<string, Kek> {
  if (!fs.existsSync(dir)) throw new KeyringError(`the KEK folder ${dir} does not exist (LANTAI_KEK_DIR); restore it from a backup`);
  const keys = new Map<string, Kek>();
  for (const id of listIds(dir)) {
    const file = path.join(dir, `${id}${SUFFIX}`);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new KeyringError(`cannot read the KEK file ${file}: ${(err as Error).message}`);
    }
    if (!/^[0-9a-f]{32}$/.test(text)) throw new KeyringError(`the KEK file ${file} does not hold 16 bytes in hex`);
    const key = Buffer.from(text, 'hex');
    if (kekIdOf(key) !== id) throw new KeyringError(`the KEK file ${file} holds another key than its name says`);
    keys.set(id, { id, key });
  }
  return keys;
}

function readCurrent(dir: string, keys: Map<string, Kek>): string {
  const file = path.join(dir, CURRENT);
  let id: string;
  try {
    id = fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new KeyringError(`cannot read ${file}, which names the current KEK: ${(err as Error).message}`);
  }
  if (!keys.has(id)) throw new KeyringError(`${file} names KEK ${id}, which is not in ${dir}`);
  return id;
}

function stampOf(dir: string): number {
  try {
    return fs.statSync(path.join(dir, CURRENT)).mtimeMs;
  } catch {
    return -1;
  }
}
