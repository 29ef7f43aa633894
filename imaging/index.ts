export { analysePage, DEFAULT_PAGE_THRESHOLDS, type PageAnalysis, type PageThresholds } from './analyse-page';
export { decodeBarcodes, DEFAULT_BARCODE_FORMATS, type BarcodeReading, type DecodedBarcode, type Point } from './barcodes';
export type { ColourMode } from './colour';
export { UnreadableImageError } from './errors';
export {
  DEFAULT_MAX_SKEW_TO_CORRECT,
  preparePage,
  type CropBox,
  type PreparedPage,
  type PrepareOptions,
  type PreservationFormat,
} from './prepare-page';
export { ANALYSIS_LONG_SIDE } from './raster';
export { decodesWhole, openImage, PAGE_FORMATS, type SourceImage } from './source';
export { createImagingPool, type ImagingPool } from './pool';
