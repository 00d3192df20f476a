/**
 * aliasfree/generator — the StyleGAN3 generator (configs T, R and the ladder D–H) and the StyleGAN2
 * generator (configs A, B, C) on TensorFlow.js.
 * See ../../docs and the API contract (shared/docs/api.md, section `aliasfree/generator`).
 */
export * from './types.js';
export * from './config.js';
export * from './stylegan3/geometry.js';
export * from './stylegan3/parameters.js';
export { setBackend, backendInfo, ensureBackend, describeBackend } from './backend.js';
export type { BackendName, BackendInfo, BackendAttempt } from './backend.js';
export type { WebgpuAdapterSummary, WebgpuAdapterMode } from './webgpu.js';
export type { StateRole } from './state.js';
export { SynthesisLayer } from './stylegan3/synthesis-layer.js';
export { Generator, parseTransform, channelBounds } from './stylegan3/generator.js';
export type {
  LayerInfo,
  LatentInput,
  MappingOptions,
  SynthesisOptions,
  SynthesisResult,
  Transform3x3,
} from './stylegan3/generator.js';
export {
  createGenerator,
  loadGenerator,
  saveGenerator,
  generatorFromSnapshot,
  initialState,
  validateState,
  designLayerFilter,
  initKwargsFromConfig,
  stateLayout,
} from './weights.js';
export type { GeneratorSnapshot, StateDict, StateTensor, AnyGenerator } from './weights.js';
export { StyleGAN2Generator, mappingReference } from './stylegan2/generator.js';
export type {
  StyleGAN2SynthesisOptions,
  StyleGAN2LayerInfo,
  NoiseMode,
  StyleGAN2Params,
  StyleGAN2SynthesisResult,
} from './stylegan2/generator.js';
export {
  isStyleGAN2Config,
  isStyleGAN2Kwargs,
  resolveStyleGAN2Config,
  styleGAN2ConfigFromInitKwargs,
  STYLEGAN2_DEFAULTS,
} from './stylegan2/config.js';
export type {
  StyleGAN2Config,
  ResolvedStyleGAN2Config,
  StyleGAN2Architecture,
  StyleGAN2Input,
} from './stylegan2/config.js';
export { styleGAN2Layout, styleGAN2StateLayout, styleGAN2ParameterBreakdown } from './stylegan2/layout.js';
export type {
  StyleGAN2ParameterBreakdown,
  StyleGAN2StateEntry,
  StyleGAN2StateRole,
} from './stylegan2/layout.js';
export type { StyleGAN2Layout, StyleGAN2BlockSpec, StyleGAN2LayerSpec } from './stylegan2/layout.js';
export { ensureGradients } from './ops/gradients.js';
export { upfirdn2dTf, filter2dTf, upsample2dTf, downsample2dTf, conv2dResampleTf } from './ops/resample.js';
export type {
  ResampleFilter,
  Conv2dResampleOptions,
  ResamplePadding,
  Upfirdn2dTfOptions,
  ResampleScaling,
} from './ops/resample.js';
export { Rng } from './rng.js';
export { memoryLimits, setMemoryLimits } from './limits.js';
export {
  modulatedConv2d,
  modulatedConv2dNHWC,
  prepareModConvWeight,
  setConvAlgorithm,
  convAlgorithm,
} from './ops/modulated-conv.js';
export type { ConvAlgorithm, PreparedModConvWeight } from './ops/modulated-conv.js';
export type { WinogradTile, WinogradWeight, RunKernels, TapRun } from './ops/winograd.js';
export { GeneratorPool } from './parallel/pool.js';
export type { PoolOptions, PoolGenerateOptions, PoolSplit, Images } from './parallel/pool.js';
export {
  filteredLreluTf,
  FilteredLreluPlan,
  setFilteredLreluAlgorithm,
  filteredLreluAlgorithm,
} from './ops/filtered-lrelu.js';
export type { FilteredLreluParams, FilterTaps, FilteredLreluAlgorithm } from './ops/filtered-lrelu.js';
export { fusedFilteredLrelu, fusedFilteredLreluSupport } from './kernels/filtered-lrelu.js';
export type { FusedFilteredLreluSpec } from './kernels/filtered-lrelu.js';
export {
  winogradConv,
  winogradUpConv,
  upsampleImage2x,
  prepareWinogradConvWeight,
  prepareWinogradUpConvWeight,
  winogradConvSupport,
  setWinogradConvBinary,
} from './kernels/winograd-conv.js';
export type {
  WinogradConvWeight,
  WinogradUpConvWeight,
  WinogradConvOptions,
  WinogradConvBinary,
} from './kernels/winograd-conv.js';
export { biasActTf } from './ops/bias-act.js';
export type { BiasActOptions } from './ops/bias-act.js';
export { equivariance, psnrFromSums, ALL_METRICS } from '../metrics/equivariance.js';
export type {
  EquivarianceMetric,
  EquivarianceOptions,
  EquivarianceResult,
  EquivarianceReplay,
  EquivarianceTarget,
} from '../metrics/equivariance.js';
export { measureLayers, summarizeLayers, bandEnergyFractionDb } from '../metrics/layers.js';
export type { LayerMeasurement, MeasureLayersOptions, AliasSummary } from '../metrics/layers.js';
export { runLadder, ladderMarkdown, LADDER_CONFIGS } from '../metrics/ladder.js';
export type { LadderConfigName } from '../metrics/ladder.js';
export type { LadderRow, LadderOptions } from '../metrics/ladder.js';
export { PAPER_LADDER, PAPER_SOURCE, paperLadderRow } from '../metrics/paper.js';
export type { PaperLadderRow } from '../metrics/paper.js';
