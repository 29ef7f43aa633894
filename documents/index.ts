export { catalogueToPdf } from './catalogue-pdf';
export { catalogueToXlsx } from './catalogue-xlsx';
export { CjkFontMissingError, DEFAULT_CJK_FONT, CJK_FONT_VARIABLE, cjkFontPath, loadCjkFont, type CjkFont } from './font';
export { itemLabelsToPdf, shelfLabelsToPdf, DEFAULT_ITEM_LABEL_SIZE, type Label } from './item-labels';
export { noteSheetsToPdf } from './note-sheet';
export { spineLabelsToPdf, DEFAULT_SPINE_SIZE } from './spine-labels';
export { CATALOGUE_COLUMNS, retentionLabel, type BoxDescription, type CatalogueEntry, type LabelSize, type NoteSheet } from './types';
