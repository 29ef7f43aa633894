export * from './item-lifecycle';
export * from './capture';
export * from './verify';
export * from './import';
export * from './scan-session';
export * from './volume';
export * from './hand-over';
