/**
 * `aliasfree/data`: the trained networks shipped in the package's `data/` folder — list them
 * (`trainedNetworks`), read their manifest (how they were trained, their SWD and EQ beside the
 * untrained network of the same config) and load one (`loadTrained`, the snapshot's G_ema, its
 * files checked first). Nothing is read when this module is imported; a pickle is parsed only when
 * asked for.
 */
export {
  defaultDataDir,
  manifestPath,
  readManifest,
  trainedNetworks,
  trainedEntry,
  trainedDisplayName,
  verifyEntryFiles,
  sha256File,
} from './listing.js';
export type { DataDirOption, TrainedListing } from './listing.js';
export {
  loadTrained,
  untrainedGenerator,
  generatorKwargs,
  renderRecorded,
  compareRecordedImage,
  IMAGE_TOLERANCE,
} from './trained.js';
export type { LoadedTrained, ImageComparison } from './trained.js';
export { TRAINED_SCHEMA, ManifestError, validateManifest } from './manifest.js';
export type {
  TrainedManifest,
  TrainedEntry,
  TrainedFamily,
  TrainedDataset,
  TrainedMachine,
  TrainedRun,
  RecordedImage,
  SwdValue,
  EqValue,
  TrainedMetrics,
} from './manifest.js';
