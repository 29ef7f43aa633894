export * from './item-lifecycle';
