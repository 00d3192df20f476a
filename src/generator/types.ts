/**
 * Shared types of the generator: the plain config object (official constructor arguments in
 * camelCase plus the ladder switches) and the per-layer geometry computed from it once, up front.
 *
 * Paper symbols (docs: ../shared/docs/alias-free-spec.md §2.3–2.5):
 *   s = sampling rate, f_c = cutoff, f_h = transition half-width, f_t = stopband, m = lreluUpsampling,
 *   n = filterSize, N = numLayers, N_crit = numCritical.
 */

/** How a layer's filter is made. `null` in a LayerSpec means "no filter" (factor 1). */
export type FilterSpec =
  | {
      /** Kaiser-windowed sinc (separable) or jinc (radial) low-pass, `designLowpassFilter` arguments. */
      kind: 'kaiser';
      numtaps: number;
      cutoff: number; // f_c, cycles per canvas unit
      width: number; // 2·f_h (firwin's transition width)
      fs: number; // rate the filter runs at (s')
      radial: boolean;
    }
  | {
      /** Fixed binomial FIR (StyleGAN2's [1,3,3,1]), normalised to unit DC gain (configs A–D). */
      kind: 'binomial';
      taps: number[];
    };

/** The StyleGAN3 generator hyper-parameters (official `Generator` kwargs in camelCase) plus the ladder switches of configs D–H; presets in `configs`. */
export interface GeneratorConfig {
  /** s_N: output resolution in pixels (power of two). */
  imgResolution: number;
  imgChannels: number;
  zDim: number;
  wDim: number;
  /** Conditioning labels (0 = unconditional). */
  cDim?: number;
  /** Mapping depth (official mapping_kwargs.num_layers). */
  mappingLayers: number;
  channelBase: number;
  channelMax: number;
  /** N: synthesis layers without ToRGB. */
  numLayers?: number;
  /** N_crit: critically sampled layers at the end. */
  numCritical?: number;
  /** f_c,0: cutoff of the first layer = Fourier feature bandwidth. */
  firstCutoff?: number;
  /** f_t,0: stopband of the first layer (2^2.1). */
  firstStopband?: number;
  /** f_t,N / f_c,N (2^0.3). */
  lastStopbandRel?: number;
  /** Extra pixels on each side of every map (10). */
  marginSize?: number;
  /** Final RGB scale (0.25). */
  outputScale?: number;
  /** n: filter taps relative to the lower rate (6). */
  filterSize?: number;
  /** m: nonlinearity oversampling (2). */
  lreluUpsampling?: number;
  /** Radial (jinc) downsampling filters, config R. */
  useRadialFilters?: boolean;
  /** Conv kernel size: 3 (T), 1 (R). */
  convKernel?: number;
  /** Clamp of activations (256). */
  convClamp?: number | null;
  /** Decay of the magnitude EMA during training (0.5^(batch/20000)). */
  magnitudeEmaBeta?: number;
  /** Decay of the tracked w average (0.998). */
  wAvgBeta?: number;
  /** Learning-rate multiplier of the mapping network (0.01). */
  mappingLrMultiplier?: number;
  /**
   * Official num_fp16_res (4): layers with s·2^numFp16Res > s_N are flagged `useFp16`. Only a flag
   * here (the official code runs them in float16 on CUDA); kept so geometry matches layers.json.
   */
  numFp16Res?: number;
  /** Ladder switches (configs D–H); absent/defaults = the official T/R behaviour. */
  ladder?: LadderSwitches;
}

/** How configs D–H depart from T (paper Fig. 3, spec §8): sampling schedule, cutoff rule, channel rule and the learned input transform. */
export interface LadderSwitches {
  /** 'flexible' = Eqs. 35–36 (T, R); 'rigid' = StyleGAN2-like 2× schedule, 2 layers per rate (D–H). */
  schedule?: 'flexible' | 'rigid';
  /** Rigid schedule cutoff rule: 'critical' f_c = s/2 (D, E, F) or 'noncritical' f_c = s/2 − f_h (G, H). */
  cutoff?: 'critical' | 'noncritical';
  /** Channel rule: C(s) (D–F) or C(2 f_c) (G on). */
  channels?: 'rate' | 'cutoff';
  /** Learned input transform from w (H on). */
  learnedInputTransform?: boolean;
  /** Up filter kind: Kaiser n=6 (E on) or binomial [1,3,3,1] (D). */
  upFilter?: 'kaiser' | 'binomial';
  /** Sampling rate of the input Fourier features (16 for T/R, 4 for the rigid configs). */
  inputSamplingRate?: number;
}

/** The input (Fourier feature) layer's geometry. */
export interface InputSpec {
  channels: number;
  size: number; // pixels, canvas + margins
  samplingRate: number;
  bandwidth: number;
  /**
   * True when the band fills the whole grid (s₀/2 − bandwidth ≤ 0, the rigid configs): the official
   * amplitude fade clamp(1 − (‖f‖ − bw)/(s₀/2 − bw), 0, 1) would divide by zero, so it becomes a hard
   * cut (1 for ‖f‖ ≤ bw, 0 beyond). False for T/R (fade over (2, 8]).
   */
  hardBandCut: boolean;
  /** Learned transform (r_c, r_s, t_x, t_y) from ws[0] (H, T, R); without it there is no input affine. */
  learnedTransform: boolean;
}

/** One synthesis layer's geometry, computed once from the config (names follow layers.json). */
export interface LayerSpec {
  /** Official name, e.g. `L0_36_512`, `L14_256_3`. */
  name: string;
  index: number;
  inSamplingRate: number;
  outSamplingRate: number;
  tmpSamplingRate: number;
  inCutoff: number;
  outCutoff: number;
  inHalfWidth: number;
  outHalfWidth: number;
  /**
   * f_t of the output: the schedule's minimum stopband. Flexible (T, R): Eq. 35's f_t[i] (official
   * `stopbands[i]`; the actual stopband edge f_c + f_h = max(f_t, s/2) can lie above it). Rigid (D–H),
   * which defines the band by f_h instead: f_c + f_h.
   */
  outStopband: number;
  inSize: number;
  outSize: number;
  inChannels: number;
  outChannels: number;
  convKernel: number;
  upFactor: number;
  upTaps: number;
  downFactor: number;
  downTaps: number;
  /** Padding [x0, x1, y0, y1] of the filtered nonlinearity (negative = crop). */
  padding: [number, number, number, number];
  isTorgb: boolean;
  isCriticallySampled: boolean;
  downRadial: boolean;
  upFilter: FilterSpec | null;
  downFilter: FilterSpec | null;
  /** Gain and slope of the nonlinearity: √2 and 0.2 (1 and 1 for ToRGB). */
  gain: number;
  slope: number;
  /** f_t of the input (= the previous layer's outStopband; for layer 0 the input signal's). */
  inStopband: number;
  /** Official use_fp16 flag (s·2^numFp16Res > s_N); informational, we always compute in float32. */
  useFp16: boolean;
}

/** Everything the synthesis network's shape depends on, computed once from a config (`computeGeometry`): the input layer and every layer's rates, cutoffs, sizes and filters. */
export interface SynthesisGeometry {
  input: InputSpec;
  layers: LayerSpec[];
  /** num_ws = numLayers + 2 (input affine, layers, ToRGB). */
  numWs: number;
  /** The config the geometry was computed from, every default filled in (see `resolveConfig`). */
  config: ResolvedConfig;
}

/**
 * A config with every optional field resolved to its value (official defaults, or derived values such
 * as the rigid schedule's layer count) and every ladder switch set. `convClamp` stays nullable.
 */
export type ResolvedConfig = Required<Omit<GeneratorConfig, 'ladder' | 'convClamp'>> & {
  convClamp: number | null;
  ladder: Required<LadderSwitches>;
};
