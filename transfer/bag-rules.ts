import { BAGIT_TXT, DIGEST_ALGORITHMS, manifestName, parseManifest, tagManifestName } from './bagit';
import type { Found } from './carrier';
import { failure } from './failure';
import { at, codeOfPath } from './package-paths';
import { PACKAGE_LAYOUT, type PackageFailure } from './types';

const REQUIRED_FILES = [
  'bagit.txt',
  'bag-info.txt',
  ...DIGEST_ALGORITHMS.map(manifestName),
  ...DIGEST_ALGORITHMS.map(tagManifestName),
  ...Object.values(PACKAGE_LAYOUT).filter((p) => !p.endsWith('/')),
];

const LAYOUT_FILES = new Set<string>(Object.values(PACKAGE_LAYOUT));

export function structureFailures(found: Found): PackageFailure[] {
  const failures = REQUIRED_FILES.filter((p) => !found.listed.has(p)).map((p) =>
    failure('package-structure', `${p} is missing from the package`, { file: p }),
  );
  for (const path of found.listed.keys()) {
    if (path.startsWith('data/') && !LAYOUT_FILES.has(path) && codeOfPath(path) === undefined)
      failures.push(failure('package-structure', `${path} has no place in a transfer package`, { file: path }));
  }
  const bagit = found.bodies.get('bagit.txt');
  if (bagit && bagit.toString('utf8').replace(/\r\n?/g, '\n') !== BAGIT_TXT) {
    failures.push(failure('package-structure', 'bagit.txt does not declare BagIt-Version 1.0 with UTF-8 tag files', { file: 'bagit.txt' }));
  }
  return failures;
}

/** Every payload file against both manifests: SHA-256 for any BagIt tool, SM3 for the national standard. */
/** A manifest as found, its malformed lines reported as structure failures; undefined when the file is absent. */
function readManifest(found: Found, name: string, failures: PackageFailure[]) {
  const body = found.bodies.get(name);
  if (!body) return undefined;
  const manifest = parseManifest(body.toString('utf8'), name);
  failures.push(...manifest.problems.map((p) => failure('package-structure', p, { file: name })));
  return manifest;
}

export function manifestFailures(found: Found): PackageFailure[] {
  const failures: PackageFailure[] = [];
  const absentFrom = new Map<string, string[]>();
  const listedButAbsent = new Map<string, string[]>();
  const payload = [...found.listed.keys()].filter((p) => p.startsWith('data/'));
  for (const algorithm of DIGEST_ALGORITHMS) {
    const name = manifestName(algorithm);
    const manifest = readManifest(found, name, failures);
    if (!manifest) continue;
    for (const [path, digest] of manifest.digests) {
      const facts = found.facts.get(path);
      if (!path.startsWith('data/'))
        failures.push(failure('package-structure', `${name} lists ${path}, which is not payload`, { file: name }));
      else if (!found.listed.has(path)) listedButAbsent.set(path, [...(listedButAbsent.get(path) ?? []), name]);
      else if (facts && facts[algorithm] !== digest)
        failures.push(failure('digest-mismatch', `${path}: ${algorithm} is ${facts[algorithm]}, ${name} says ${digest}`, at(path)));
    }
    for (const path of payload) if (!manifest.digests.has(path)) absentFrom.set(path, [...(absentFrom.get(path) ?? []), name]);
  }
  for (const [path, manifests] of listedButAbsent)
    failures.push(failure('missing-file', `${path} is listed in ${manifests.join(' and ')} but absent`, at(path)));
  for (const [path, manifests] of absentFrom) {
    const where = manifests.length === DIGEST_ALGORITHMS.length ? 'in no manifest' : `missing from ${manifests.join(', ')}`;
    failures.push(failure('unlisted-file', `${path} is present but ${where}`, at(path)));
  }
  return failures;
}

export function tagManifestFailures(found: Found): PackageFailure[] {
  const failures: PackageFailure[] = [];
  const tagManifests = new Set(DIGEST_ALGORITHMS.map(tagManifestName));
  const tagFiles = [...found.listed.keys()].filter((p) => !p.startsWith('data/') && !tagManifests.has(p));
  for (const algorithm of DIGEST_ALGORITHMS) {
    const name = tagManifestName(algorithm);
    const manifest = readManifest(found, name, failures);
    if (!manifest) continue;
    for (const [path, digest] of manifest.digests) {
      const facts = found.facts.get(path);
      if (!found.listed.has(path)) failures.push(failure('missing-file', `${path} is listed in ${name} but absent`, { file: path }));
      else if (facts && facts[algorithm] !== digest)
        failures.push(failure('digest-mismatch', `${path}: ${algorithm} is ${facts[algorithm]}, ${name} says ${digest}`, { file: path }));
    }
    for (const path of tagFiles)
      if (!manifest.digests.has(path)) failures.push(failure('unlisted-file', `tag file ${path} is not in ${name}`, { file: path }));
  }
  return failures;
}
