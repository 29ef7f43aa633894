export * from './types';
export { buildPackage, PackageLayoutError, PageFixityError } from './build-package';
export { checkPackage } from './check-package';
export { checkRecordSet } from './record-rules';
export { readPackageRecords } from './record-metadata';
export { DEFAULT_ALLOWED_FORMATS } from './formats';
export {
  directorySource,
  directoryTarget,
  s3Source,
  s3Target,
  UnsafePackagePathError,
  type PackageSource,
  type PackageTarget,
} from './package-io';
export { XmlError } from './xml';
