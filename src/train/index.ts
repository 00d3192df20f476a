/**
 * `aliasfree/train`: train StyleGAN2 / StyleGAN3 with the official semantics (contract:
 * ../shared/docs/api.md § aliasfree/train; spec §8): the official discriminator, the official loss
 * per phase (`lossPhase`), Adam with lazy regularisation, the G EMA, datasets in the official zip
 * format and official training snapshots.
 */
export {
  Discriminator,
  createDiscriminator,
  loadDiscriminator,
  discriminatorFromState,
  discriminatorLayout,
  discriminatorInitKwargs,
  discriminatorConfigFromInitKwargs,
  resolveDiscriminatorConfig,
  discriminatorFeatureElements,
} from './discriminator.js';
export type {
  DiscriminatorConfig,
  ResolvedDiscriminatorConfig,
  DiscriminatorStage,
} from './discriminator.js';
export { lossPhase, blurSigma, blurFilter, r1Limits } from './loss.js';
export { mbstdSubBatches } from './mbstd-groups.js';
export { r1StagedGradients } from './r1-staged.js';
export type { R1Stage, R1StagedOptions, R1StagedResult } from './r1-staged.js';
export { lossPhaseInRounds } from './rounds.js';
export type { RankPhaseCall } from './rounds.js';
export type { LossPhaseName, LossPhaseOptions, LossPhaseResult, LossGenerator } from './loss.js';
export { StyleGAN2Training } from './stylegan2-generator.js';
export { TrainableGenerator, recomputeLimits } from '../generator/stylegan3/trainable.js';
export type { TrainForwardOptions } from '../generator/stylegan3/trainable.js';
export { conv2dDiff, setTrainingConvAlgorithm, type TrainingConvAlgorithm } from './differentiable-conv.js';
export type { ConvOptions } from './differentiable-conv.js';
export { ensureTrainingGradients } from './gradients.js';
export { setFilteredLreluGradient, filteredLreluGradient } from '../generator/ops/filtered-lrelu.js';
export type { FilteredLreluGradient } from '../generator/ops/filtered-lrelu.js';
export * from './optim.js';
export * from './ema.js';
export * from './snapshot.js';
export * from './dataset/image-folder.js';
export * from './dataset/images.js';
export * from './dataset/procedural.js';
export * from './dataset/zip.js';
export * from './config.js';
export * from './loop.js';
export { train, imageGrid, explainWasmAbort } from './run.js';
export type { TrainOptions, TrainResult } from './run.js';
export { trainingGenerator, seededGeneratorState } from './networks.js';
export type { TrainG } from './networks.js';
export { DataParallelPhases } from './parallel.js';
export { stylegan3GeneratorTree, stylegan2GeneratorTree, discriminatorTree } from './snapshot-trees.js';
export type { TreeState } from './snapshot-trees.js';
export type { TreeTensor, ModuleNode } from '../io/pickle/module-tree.js';
export { swd, slicedWasserstein, laplacianPyramid, imagesToUint8 } from '../metrics/swd.js';
export type { SwdOptions, SwdResult } from '../metrics/swd.js';
export { project, wStatistics, resolveProjectOptions } from '../project/projector.js';
export type {
  ProjectOptions,
  ProjectionResult,
  ProjectionStep,
  ProjectionProgress,
  ProjectionFrame,
  ProjectionSpace,
} from '../project/projector.js';
export { projectTranslated, disposeTranslated } from '../project/translated.js';
export type { TranslatedProjectionOptions, TranslatedProjectionResult } from '../project/translated.js';
export { PROJECTION_DEFAULTS, learningRate, wNoiseScale } from '../project/schedule.js';
export type { ProjectionSchedule } from '../project/schedule.js';
export { pyramidDistance, pyramidLevels, boxDownsample2x } from '../project/loss.js';
export type { PyramidDistanceOptions } from '../project/loss.js';
export {
  noiseRegularisation,
  normaliseNoise,
  REGULARIZE_NOISE_WEIGHT,
} from '../project/noise-regularisation.js';
export { projectionNetwork } from '../project/network.js';
export type { ProjectionNetwork, ProjectionNetworkOptions } from '../project/network.js';
export { checkTarget, targetFromImage, imageToUint8, readTargetPng } from '../project/target.js';
export type { TargetShape } from '../project/target.js';
export { ScheduledAdam } from '../project/adam.js';
export { encodeNpz } from '../project/npz.js';
export type { NpzArray } from '../project/npz.js';
export { psnrCurveFigure, sideBySide } from '../project/figures.js';
export { parseShift } from '../project/shift.js';
