/**
 * The messages between the studio page (`app.ts`) and its rendering Web Worker (`worker.ts`), and
 * the view state that a render request carries. Plain data only (structured-cloneable), so the
 * same types describe what the page sends, what the worker answers and what the URL holds.
 */

/** Where a network comes from. */
export type NetworkSource =
  /** A built-in config with seeded (untrained) weights: `channelMax` as the CLI's small default. */
  | { kind: 'config'; config: string; resolution: number; channelMax: number; weightSeed: number }
  /** An official `network.pkl` (or one the project wrote), parsed in the worker. */
  | { kind: 'pickle'; name: string; bytes: ArrayBuffer }
  /** A pickle the studio server serves (`aliasfree studio --weights a.pkl`), fetched by the worker. */
  | { kind: 'url'; name: string; url: string };

/** One layer of a loaded network as the page lists it (`input`, `L0_36_512`, …, `output`). */
export interface StudioLayer {
  name: string;
  /** Map size incl. margins, pixels. */
  size: number;
  channels: number;
  /** Sampling rate s (samples per canvas unit); the image has s = size. */
  samplingRate: number;
  /** Cutoff f_c and half-width f_h (cycles per canvas unit); null where undefined (StyleGAN2). */
  cutoff: number | null;
  halfWidth: number | null;
  /** Radial (jinc) down filter: its band is a disc, not a square. */
  radial: boolean;
}

/** What the worker reports about a loaded network. */
export interface NetworkInfo {
  /** Display name, e.g. `T 64² (seed 0)` or the file name. */
  name: string;
  architecture: 'stylegan3' | 'stylegan2';
  resolution: number;
  zDim: number;
  numWs: number;
  /** Number of trainable parameters (state entries, float32). */
  parameters: number;
  layers: StudioLayer[];
  /** Whether the network has per-layer noise inputs (the noise widget applies). */
  hasNoise: boolean;
  /** Whether the input exposes a transform (the equivariance widget applies). */
  hasTransform: boolean;
}

/** Noise mode of StyleGAN2 networks (official `noise_mode`). */
export type NoiseMode = 'const' | 'random' | 'none';

/** Everything a frame depends on (the controls; animations only change these numbers). */
export interface ViewState {
  /** Latent seed; a fractional seed blends the ws of ⌊seed⌋ and ⌊seed⌋ + 1. */
  seed: number;
  /** Truncation ψ and cutoff (number of ws truncated; null = all). */
  psi: number;
  cutoff: number | null;
  /** Style mixing: ws [mixFrom, mixTo) come from `mixSeed` when `mix` is on. */
  mix: boolean;
  mixSeed: number;
  mixFrom: number;
  mixTo: number;
  /** StyleGAN2 noise inputs ('random' draws new noise every frame). */
  noiseMode: NoiseMode;
  /** Seed of the 'random' noise draws (a non-negative integer; the animation steps it per frame). */
  noiseSeed: number;
  /** Image translation in image widths and rotation in turns (official visualiser units). */
  tx: number;
  ty: number;
  rotate: number;
  /** Snap the translation to whole output pixels. */
  roundPixels: boolean;
  /** Resample the shown map back with the inverse transform. */
  untransform: boolean;
  /** Shown map: `output` (the image), `input` or a layer name; a second network uses the same index. */
  layer: string;
  /** First channel shown; 3 channels as RGB or 1 as grey. */
  channel: number;
  rgb: boolean;
  /** Divide each shown channel by its max |x|. */
  normalize: boolean;
  /** Brightness gain in dB (×10^(dB/20)). */
  gainDb: number;
  /** FFT of all channels (true) or the shown ones. */
  fftAll: boolean;
  /** FFT colour range ±R dB and Kaiser β. */
  fftRangeDb: number;
  fftBeta: number;
  /** Compute the per-layer EQ-PSNR readout (one extra untransformed frame per latent). */
  eq: boolean;
}

/** Page → worker. */
export type WorkerRequest =
  | { type: 'init'; backend: string; threads: boolean; wasmPath: string }
  | { type: 'load'; id: number; slot: number; source: NetworkSource }
  | { type: 'unload'; slot: number }
  /** `targets`: the networks to draw and the map each shows (a second network: same list index). */
  | { type: 'render'; id: number; targets: { slot: number; layer: string }[]; state: ViewState };

/** Mean, standard deviation and max |x| of a set of channels. */
export interface MapStats {
  mean: number;
  std: number;
  maxAbs: number;
}

/** One network's frame. */
export interface SlotFrame {
  slot: number;
  /** Name of the shown map in this network (`output`, `L3_36_512`, …). */
  layer: string;
  /** The image, NCHW [1, C, H, W] float32 as the generator returns it (before display mapping). */
  image: { shape: number[]; data: Float32Array };
  /** The shown map as rendered (NCHW [1, C, H, W], before untransform and display mapping). */
  map: { shape: number[]; data: Float32Array };
  /** RGBA pixels of the image, of the shown map view and of its FFT view. */
  imageRgba: { width: number; height: number; data: Uint8ClampedArray };
  mapRgba: { width: number; height: number; data: Uint8ClampedArray };
  fftRgba: { width: number; height: number; data: Uint8ClampedArray };
  /** Statistics of the shown map (official layer widget): all channels, and the shown ones. */
  stats: { all: MapStats; shown: MapStats };
  /** 10·log10 of the shown map's energy fraction beyond f_c and beyond f_c + f_h (current frame). */
  beyondCutoffDb: number | null;
  beyondStopbandDb: number | null;
  /** Per-map EQ-PSNR (dB) of the current transform against the untransformed frame, or null. */
  eqPsnrDb: Record<string, number | null> | null;
  /** Synthesis time of this frame in the worker, ms. */
  renderMs: number;
}

/** Worker → page. */
export type WorkerReply =
  | { type: 'ready'; backend: string; detail: string; configs: string[] }
  | { type: 'loaded'; id: number; slot: number; info: NetworkInfo }
  | { type: 'load-error'; id: number; slot: number; message: string }
  | { type: 'frame'; id: number; frames: SlotFrame[]; totalMs: number }
  | { type: 'render-error'; id: number; message: string }
  | { type: 'fatal'; message: string };
