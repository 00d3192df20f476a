/**
 * Official StyleGAN3 network pickles in pure TypeScript: a restricted unpickler (no code execution),
 * the legacy torch storage reader, and the snapshot reader / summary / writer / converter.
 */
export * from './values.js';
export { unpickle, DEFAULT_LIMITS, type UnpicklerLimits, type UnpickleOptions } from './unpickler.js';
export {
  readLegacyStorage,
  writeLegacyStorage,
  halfToFloat,
  TorchStorage,
  TorchTensor,
  STORAGE_TYPES,
} from './torch-legacy.js';
export * from './network.js';
export * from './network-files.js';
