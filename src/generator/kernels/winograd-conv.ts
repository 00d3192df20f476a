/**
 * The fused Winograd F(4×4, 3×3) convolution kernel (`winograd-conv.c`, WebAssembly SIMD) as a
 * TensorFlow.js kernel of the wasm backend: the modulated 3×3 convolution of a StyleGAN2 layer with
 * its whole epilogue,
 *
 *     y = clamp( lrelu_slope( scale[n, o] · conv3×3(s[n] ⊙ x, g)[n, p, o] + bias[o] + γ · noise[n, p] ) )
 *
 * (every term optional), in one call that reads x and writes y in place in tfjs's wasm heap. The
 * convolution is the Winograd algorithm of ops/winograd.ts (same matrices, same tiles) with the
 * transforms done on cache-sized chunks of tiles instead of as ~50 separate tfjs ops.
 *
 * Two binaries: the plain SIMD one and a relaxed-SIMD one with fused multiply–adds (GEMMs about
 * 1.2–1.3× faster here). The relaxed one is used where the engine validates it; in Node 20 the
 * feature is behind V8's `--experimental-wasm-relaxed-simd`, which `winogradConvSupport` switches
 * on (before compiling the module; set `ALIASFREE_RELAXED_SIMD=0` to keep the plain binary).
 */
import * as tf from '@tensorflow/tfjs-core';
import { WASM_BASE64, WASM_RELAXED_BASE64 } from './winograd-conv-wasm.js';
import {
  callKernel,
  heapMemory,
  heapOffset,
  writeParamBlock,
  type WasmBackendLike,
  type KernelArgs,
} from './tfjs-heap.js';
import { WINOGRAD_G } from '../ops/winograd.js';

const KERNEL_NAME = 'AliasfreeWinogradConv';
const IMAGE_KERNEL_NAME = 'AliasfreeImageUpsample2x';
const WEIGHT_GRAD_KERNEL_NAME = 'AliasfreeWinogradWeightGrad';
const PACK_KERNEL_NAME = 'AliasfreeWinogradPack';

/** Winograd F(4, 3) weight transform G (6 × 3; points 0, ±1, ±2, ∞), as in the tfjs-op path. */
const G43 = WINOGRAD_G[4];

/** Floats of scratch (V and M planes of one chunk) the kernel may use per call: 1 MiB. */
const CHUNK_BUDGET_FLOATS = 1 << 18;
/**
 * Fewest tiles per chunk: each chunk streams all of U (up to 81 · C_in · C_out floats, 26 MiB for
 * 512 → 256), so wide layers need many tiles per pass; the timings did not move between 1 and 4 MiB
 * budgets at this minimum (2-core EPYC, 512 KiB L2).
 */
const MIN_CHUNK = 64;

interface KernelExports {
  winograd_conv(params: number): void;
  scratch_floats(params: number): number;
  winograd_up_conv(params: number): void;
  up_scratch_floats(params: number): number;
  image_up2(params: number): void;
  winograd_weight_grad(params: number): void;
  weight_grad_scratch_floats(params: number): number;
  pack_weights(params: number): void;
}

/** Parameter block fields, in the order of the C struct `Params` (4 bytes each). */
const PARAM_FIELDS = [
  'n', 'h', 'w', 'cin', 'cout', 'pad', 'oh', 'ow', 'chunk', 'use_slope', 'use_clamp', 'noise_stride',
  'slope', 'clamp', 'noise_gain', 'x', 's', 'u', 'scale', 'bias', 'noise', 'y', 'scratch', 'fy', 'fx', 'dy',
] as const; // prettier-ignore
const FLOAT_FIELDS = new Set(['slope', 'clamp', 'noise_gain']);

/** The two builds of the kernel. */
export type WinogradConvBinary = 'plain' | 'relaxed';

let preference: 'auto' | WinogradConvBinary = 'auto';
let relaxedOk: boolean | null = null;
const modules: Partial<Record<WinogradConvBinary, WebAssembly.Module>> = {};
const instances = new WeakMap<WebAssembly.Memory, Partial<Record<WinogradConvBinary, KernelExports>>>();

function bytesOf(b64: string): Uint8Array {
  return Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
}

/** Whether relaxed SIMD validates here, switching V8's flag on in Node when allowed (once). */
function relaxedSimdAvailable(): boolean {
  if (relaxedOk !== null) return relaxedOk;
  const proc = (
    globalThis as {
      process?: { env?: Record<string, string | undefined>; getBuiltinModule?: (id: string) => unknown };
    }
  ).process;
  const bytes = bytesOf(WASM_RELAXED_BASE64);
  relaxedOk = false;
  if (proc?.env?.ALIASFREE_RELAXED_SIMD === '0') return relaxedOk;
  if (WebAssembly.validate(bytes)) return (relaxedOk = true);
  const v8 = proc?.getBuiltinModule?.('node:v8') as { setFlagsFromString?(flags: string): void } | undefined;
  if (!v8?.setFlagsFromString) return relaxedOk;
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return (relaxedOk = WebAssembly.validate(bytes));
}

/** The binary `winogradConv` runs with the current preference. */
function currentBinary(): WinogradConvBinary {
  if (preference === 'plain') return 'plain';
  if (relaxedSimdAvailable()) return 'relaxed';
  if (preference === 'relaxed') throw new Error('the relaxed-SIMD build does not validate in this engine');
  return 'plain';
}

/**
 * Choose the build the fused Winograd kernels run: 'auto' (default: relaxed SIMD where the engine
 * has it, else plain SIMD), or one of them explicitly (to compare them; 'relaxed' throws on use
 * where it does not validate). The environment variable `ALIASFREE_RELAXED_SIMD=0` makes 'auto'
 * plain.
 */
export function setWinogradConvBinary(binary: 'auto' | WinogradConvBinary): void {
  if (binary !== 'auto' && binary !== 'plain' && binary !== 'relaxed')
    throw new RangeError(`binary must be 'auto', 'plain' or 'relaxed', got ${String(binary)}`);
  preference = binary;
}

function kernelModule(kind: WinogradConvBinary): WebAssembly.Module {
  return (modules[kind] ??= new WebAssembly.Module(
    bytesOf(kind === 'relaxed' ? WASM_RELAXED_BASE64 : WASM_BASE64),
  ));
}

function instanceFor(memory: WebAssembly.Memory): KernelExports {
  const kind = currentBinary();
  let perMemory = instances.get(memory);
  if (!perMemory) instances.set(memory, (perMemory = {}));
  let k = perMemory[kind];
  if (!k) {
    const inst = new WebAssembly.Instance(kernelModule(kind), { env: { memory } });
    k = perMemory[kind] = inst.exports as unknown as KernelExports;
  }
  return k;
}

/** The backend, its heap and the current build's exports on it; `who` names the kernel in errors. */
function exportsFor(
  backend: unknown,
  who: string,
): { be: WasmBackendLike; memory: WebAssembly.Memory; k: KernelExports } {
  const be = backend as WasmBackendLike;
  const memory = heapMemory(be);
  if (!memory) throw new Error(`${who}: the wasm backend does not expose its memory`);
  return { be, memory, k: instanceFor(memory) };
}

/**
 * Whether the fused Winograd kernel can run on the current tfjs backend (wasm only: it needs the
 * backend's heap), whether it uses fused multiply–adds (`relaxed`), and if not available, why.
 */
export function winogradConvSupport(): { ok: boolean; relaxed: boolean; reason: string } {
  const name = tf.getBackend();
  if (name !== 'wasm')
    return { ok: false, relaxed: false, reason: `the tfjs backend is '${name}', not 'wasm'` };
  if (!heapMemory(tf.backend()))
    return {
      ok: false,
      relaxed: false,
      reason: 'the wasm backend does not expose its memory (unexpected tfjs version)',
    };
  try {
    const kind = currentBinary();
    kernelModule(kind);
    const relaxed = kind === 'relaxed';
    return {
      ok: true,
      relaxed,
      reason: relaxed ? 'wasm backend, relaxed SIMD (fused multiply–adds)' : 'wasm backend, SIMD',
    };
  } catch (e) {
    return {
      ok: false,
      relaxed: false,
      reason: `the kernel does not compile here (WebAssembly SIMD?): ${String(e)}`,
    };
  }
}

/** Weights of one 3×3 layer transformed and packed for the kernel (owns one tensor). */
export interface WinogradConvWeight {
  /** The transformed weights U_ξ = (G g Gᵀ)_ξ, 36 · C_out/8 · C_in · 8 floats in panels of 8 output channels. */
  readonly packed: tf.Tensor1D;
  /** C_in. */
  readonly inChannels: number;
  /** C_out. */
  readonly outChannels: number;
}

/**
 * Transform (in float64) and pack 3×3 weights given as `[C_out, C_in, 3, 3]` (the official OIHW
 * layout, as a flat array) for `winogradConv`. C_in must be a multiple of 4 and C_out of 8 (the
 * kernel's vector and register tile sizes).
 */
export function prepareWinogradConvWeight(
  oihw: ArrayLike<number>,
  cout: number,
  cin: number,
): WinogradConvWeight {
  checkChannels(cin, cout, oihw.length);
  const packed = new Float32Array(36 * cin * cout);
  const plane = cin * cout;
  const g = new Float64Array(9);
  const t = new Float64Array(18);
  const u = new Float64Array(36);
  for (let o = 0; o < cout; o++) {
    for (let i = 0; i < cin; i++) {
      const base = (o * cin + i) * 9;
      for (let r = 0; r < 9; r++) g[r] = oihw[base + r];
      sandwich(G43_FLAT, 6, g, t, u);
      const at = (((o >> 3) * cin + i) << 3) + (o & 7);
      for (let xi = 0; xi < 36; xi++) packed[xi * plane + at] = u[xi];
    }
  }
  return { packed: tf.tensor1d(packed, 'float32'), inChannels: cin, outChannels: cout };
}

/**
 * Transform and pack 3×3 weights given as a tfjs HWIO tensor `[3, 3, C_in, C_out]` for
 * `winogradConvChannels`, in the kernel (`pack_weights`: float32, no copy through JavaScript),
 * for any channel counts: C_in is zero-padded to a multiple of 4 and C_out to one of 8 (the packed
 * weight's `inChannels`/`outChannels` are the padded counts). With `flipped`, the weights packed
 * are those of the conv that computes a ∂L/∂x, w̃[a, b, i, o] = w[2 − a, 2 − b, o, i], for `hwio`
 * of shape [3, 3, C_out, C_in] (no reversed or transposed copy is made). Wasm backend only.
 */
export function packWinogradConvWeight(
  hwio: tf.Tensor4D,
  { flipped = false }: { flipped?: boolean } = {},
): WinogradConvWeight {
  const support = winogradConvSupport();
  if (!support.ok) throw new Error(`winograd weight packing unavailable: ${support.reason}`);
  if (hwio.rank !== 4 || hwio.shape[0] !== 3 || hwio.shape[1] !== 3 || hwio.dtype !== 'float32')
    throw new RangeError(`hwio must be a float32 [3, 3, C_in, C_out] tensor, got [${hwio.shape.join(', ')}]`);
  const [cin, cout] = flipped ? [hwio.shape[3], hwio.shape[2]] : [hwio.shape[2], hwio.shape[3]];
  ensureRegistered();
  const packed = tf.engine().runKernel(PACK_KERNEL_NAME, { x: hwio }, {
    flipped,
  } as unknown as tf.NamedAttrMap) as tf.Tensor1D;
  const [inChannels, outChannels] = paddedChannels(cin, cout);
  return { packed, inChannels, outChannels };
}

/** conv0 weights transformed and packed for `winogradUpConv` (owns two tensors). */
export interface WinogradUpConvWeight {
  /**
   * 99 · C_out/8 · C_in · 8 floats in panels of 8 output channels: the 81 planes of the 2-D tiles
   * U_ab = Σ_rc Ĝ[a][r]·W[r][c]·Ĝ[b][c], then 9 + 9 for the last even row and column of the
   * transposed conv's output (1-D, with the kernel's last row W[2][·] and last column W[·][2]).
   */
  readonly packed: tf.Tensor1D;
  /** The filter's correlation taps, 4 along y then 4 along x (gain included). */
  readonly taps: tf.Tensor1D;
  /** C_in. */
  readonly inChannels: number;
  /** C_out. */
  readonly outChannels: number;
}

/**
 * Ĝ of the up conv (9 × 3, over the taps W₀, W₁, W₂ of one axis): F(4, 2)'s G on the even outputs'
 * taps (g₀, g₁) = (W₂, W₀) — rows (½, 0), (½, ½), (⅙, −⅙), (⅙, ⅓), (0, 1) — then W₁ for each of
 * the four odd outputs (see the kernel's section comment).
 */
const G_UP: readonly (readonly number[])[] = [
  [0, 0, 1 / 2],
  [1 / 2, 0, 1 / 2],
  [-1 / 6, 0, 1 / 6],
  [1 / 3, 0, 1 / 6],
  [1, 0, 0],
  [0, 1, 0],
  [0, 1, 0],
  [0, 1, 0],
  [0, 1, 0],
];
/** Products per axis of the up conv's tile (4 inputs). */
const UP_PRODUCTS = G_UP.length;
const G_UP_FLAT = Float64Array.from(G_UP.flat());
const G43_FLAT = Float64Array.from(G43.flat());

/**
 * u = Ĝ g Ĝᵀ for one 3 × 3 kernel g and a p × 3 matrix Ĝ (both row-major; u p × p, t 3p of
 * scratch), in two separable passes, t = Ĝ g then u = t Ĝᵀ: 9p + 3p² products instead of the
 * direct sum's 9p². Packing a 512 → 512 conv0 (81 planes) took 0.9 s with the direct sum, 0.27 s
 * so; it is the weights' one-time cost on a layer's first call.
 */
function sandwich(G: Float64Array, p: number, g: Float64Array, t: Float64Array, u: Float64Array): void {
  for (let a = 0; a < p; a++) {
    const g0 = G[3 * a],
      g1 = G[3 * a + 1],
      g2 = G[3 * a + 2];
    t[3 * a] = g0 * g[0] + g1 * g[3] + g2 * g[6];
    t[3 * a + 1] = g0 * g[1] + g1 * g[4] + g2 * g[7];
    t[3 * a + 2] = g0 * g[2] + g1 * g[5] + g2 * g[8];
  }
  for (let a = 0; a < p; a++) {
    const t0 = t[3 * a],
      t1 = t[3 * a + 1],
      t2 = t[3 * a + 2];
    for (let b = 0; b < p; b++) u[a * p + b] = t0 * G[3 * b] + t1 * G[3 * b + 1] + t2 * G[3 * b + 2];
  }
}

/**
 * Pack StyleGAN2's up-sampling conv0 for `winogradUpConv`: weights `[C_out, C_in, 3, 3]` (official
 * OIHW, flat; the transposed conv's taps, unflipped) and the filter's 4 correlation taps per axis
 * `fy`, `fx` (T → O: O[Y] = Σ_t T[Y − 1 + t]·f[t], the up-sampling gain included). C_in must be a
 * multiple of 4 and C_out of 8.
 */
export function prepareWinogradUpConvWeight(
  oihw: ArrayLike<number>,
  cout: number,
  cin: number,
  fy: ArrayLike<number>,
  fx: ArrayLike<number>,
): WinogradUpConvWeight {
  checkChannels(cin, cout, oihw.length);
  if (fy.length !== 4 || fx.length !== 4)
    throw new RangeError(`the filter needs 4 taps per axis, got ${fy.length} and ${fx.length}`);
  const P = UP_PRODUCTS;
  // Planes 0 … 80: the 2-D tiles, U_ab = Σ_rc Ĝ[a][r]·W[r][c]·Ĝ[b][c]; 81 … 89: T's last even row,
  // Σ_c Ĝ[b][c]·W[2][c]; 90 … 98: its last even column, Σ_r Ĝ[a][r]·W[r][2] (see the kernel).
  const packed = new Float32Array((P * P + 2 * P) * cin * cout);
  const plane = cin * cout;
  const g = new Float64Array(9);
  const t = new Float64Array(3 * P);
  const u = new Float64Array(P * P);
  for (let o = 0; o < cout; o++) {
    for (let i = 0; i < cin; i++) {
      const base = (o * cin + i) * 9;
      for (let r = 0; r < 9; r++) g[r] = oihw[base + r];
      sandwich(G_UP_FLAT, P, g, t, u);
      const at = (((o >> 3) * cin + i) << 3) + (o & 7);
      for (let xi = 0; xi < P * P; xi++) packed[xi * plane + at] = u[xi];
      for (let a = 0; a < P; a++) {
        const g0 = G_UP_FLAT[3 * a],
          g1 = G_UP_FLAT[3 * a + 1],
          g2 = G_UP_FLAT[3 * a + 2];
        packed[(P * P + a) * plane + at] = g0 * g[6] + g1 * g[7] + g2 * g[8]; // Σ_c Ĝ[a][c]·W[2][c]
        packed[(P * P + P + a) * plane + at] = g0 * g[2] + g1 * g[5] + g2 * g[8]; // Σ_r Ĝ[a][r]·W[r][2]
      }
    }
  }
  return {
    packed: tf.tensor1d(packed, 'float32'),
    taps: tf.tensor1d(Float32Array.from([...Array.from(fy), ...Array.from(fx)]), 'float32'),
    inChannels: cin,
    outChannels: cout,
  };
}

function checkChannels(cin: number, cout: number, length: number): void {
  if (!Number.isInteger(cin) || cin < 4 || cin % 4 !== 0)
    throw new RangeError(`C_in must be a positive multiple of 4, got ${cin}`);
  if (!Number.isInteger(cout) || cout < 8 || cout % 8 !== 0)
    throw new RangeError(`C_out must be a positive multiple of 8, got ${cout}`);
  if (length !== cout * cin * 9)
    throw new RangeError(`weights must hold C_out·C_in·9 = ${cout * cin * 9} values, got ${length}`);
}

/** Options of `winogradConv`: the epilogue terms (each optional) and the padding. */
export interface WinogradConvOptions {
  /** Zero padding on each side (default 1: output size = input size). */
  pad?: number;
  /** Input styles s [N, C_in] (multiplied into x on load). */
  styles?: tf.Tensor2D | null;
  /** Output scale [N, C_out] (demodulation × activation gain). */
  scale?: tf.Tensor2D | null;
  /** Bias [C_out]. */
  bias?: tf.Tensor1D | null;
  /** Per-pixel noise: one map [H_o·W_o] for every sample, or [N, H_o·W_o]; times `noiseGain`. */
  noise?: tf.Tensor | null;
  noiseGain?: number;
  /** Leaky ReLU slope (null: none) and clamp ±c (null: none), applied last. */
  slope?: number | null;
  clamp?: number | null;
}

function kernelFunc({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { be, memory, k } = exportsFor(backend, 'winograd conv');
  const x = inputs.x as tf.TensorInfo;
  const u = inputs.u as tf.TensorInfo;
  const a = attrs as unknown as {
    up: number;
    cout: number;
    pad: number;
    slope: number;
    clamp: number;
    noiseGain: number;
    noiseStride: number;
  };
  const [n, h, w, cin] = x.shape;
  const up = a.up === 2;
  const oh = up ? 2 * h : h + 2 * a.pad - 2;
  const ow = up ? 2 * w : w + 2 * a.pad - 2;
  const out = be.makeOutput([n, oh, ow, a.cout], 'float32');
  // Tiles per chunk: V and M planes within the budget, at least MIN_CHUNK (the GEMMs reuse U),
  // at most all tiles (conv1: of every sample; conv0: of one sample, as it runs sample by sample;
  // its tiles of 4 inputs cover positions 0 … H, see the kernel).
  const planes = up ? UP_PRODUCTS ** 2 : 36;
  const tiles = up
    ? Math.floor((h + 4) / 4) * Math.floor((w + 4) / 4)
    : n * Math.ceil(oh / 4) * Math.ceil(ow / 4);
  const fit = Math.max(MIN_CHUNK, Math.floor(CHUNK_BUDGET_FLOATS / (planes * (cin + a.cout)) / 4) * 4);
  const chunk = Math.min(fit, Math.ceil(tiles / 4) * 4);
  const taps = inputs.taps as tf.TensorInfo | undefined;
  const off = (t: tf.TensorInfo | undefined) => (t ? heapOffset(be, t) : 0);
  const values: Record<(typeof PARAM_FIELDS)[number], number> = {
    n, h, w, cin, cout: a.cout, pad: a.pad, oh, ow, chunk,
    use_slope: Number.isNaN(a.slope) ? 0 : 1, use_clamp: a.clamp >= 0 ? 1 : 0, noise_stride: a.noiseStride,
    slope: Number.isNaN(a.slope) ? 0 : a.slope, clamp: a.clamp, noise_gain: a.noiseGain,
    x: off(x), s: off(inputs.s as tf.TensorInfo | undefined), u: off(u),
    scale: off(inputs.scale as tf.TensorInfo | undefined), bias: off(inputs.bias as tf.TensorInfo | undefined),
    noise: off(inputs.noise as tf.TensorInfo | undefined), y: off(out), scratch: 0,
    fy: off(taps), fx: taps ? off(taps) + 16 : 0, dy: 0,
  }; // prettier-ignore
  callKernel(
    be,
    'winograd conv',
    {
      blockBytes: PARAM_FIELDS.length * 4,
      fill: (block, scratch) =>
        writeParamBlock(memory, block, PARAM_FIELDS, { ...values, scratch }, FLOAT_FIELDS),
      scratchFloats: (block) => (up ? k.up_scratch_floats(block) : k.scratch_floats(block)),
      run: (block) => (up ? k.winograd_up_conv(block) : k.winograd_conv(block)),
    },
    [out],
  );
  return out;
}

/** The skip image's up-sampling: NCHW [N, C, H, W] → [N, C, 2H, 2W]. */
function imageKernelFunc({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { be, memory, k } = exportsFor(backend, 'image up-sampling');
  const x = inputs.x as tf.TensorInfo;
  const taps = inputs.taps as tf.TensorInfo;
  const [n, c, h, w] = x.shape;
  const out = be.makeOutput([n, c, 2 * h, 2 * w], 'float32');
  const values = Object.fromEntries(PARAM_FIELDS.map((f) => [f, 0])) as Record<
    (typeof PARAM_FIELDS)[number],
    number
  >;
  Object.assign(values, { n: n * c, h, w, x: heapOffset(be, x), y: heapOffset(be, out) });
  Object.assign(values, { fy: heapOffset(be, taps), fx: heapOffset(be, taps) + 16 });
  callKernel(
    be,
    'image up-sampling',
    {
      blockBytes: PARAM_FIELDS.length * 4,
      fill: (block, scratch) =>
        writeParamBlock(memory, block, PARAM_FIELDS, { ...values, scratch }, FLOAT_FIELDS),
      scratchFloats: () => n * c * h * 2 * w, // the x-pass result
      run: (block) => k.image_up2(block),
    },
    [out],
  );
  return out;
}

/**
 * Tiles per chunk of the weight gradient: one chunk's V and H planes (36 · tiles · (C_in + C_out)
 * floats) within 2 Mi floats, between 32 and 256 tiles. Why not smaller: each chunk adds its
 * products into all of P (36 · C_in · C_out floats), so a chunk must carry enough tiles to repay
 * that pass over P.
 */
function weightGradChunk(tiles: number, cin: number, cout: number): number {
  const fit = Math.floor((1 << 21) / (36 * (cin + cout)));
  return Math.max(1, Math.min(tiles, Math.max(32, Math.min(256, fit))));
}

function weightGradKernelFunc({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { be, memory, k } = exportsFor(backend, 'winograd weight gradient');
  const x = inputs.x as tf.TensorInfo;
  const dy = inputs.dy as tf.TensorInfo;
  const { pad } = attrs as unknown as { pad: number };
  const [n, h, w, cin] = x.shape;
  const [, oh, ow, cout] = dy.shape;
  const out = be.makeOutput([3, 3, cin, cout], 'float32');
  const values = Object.fromEntries(PARAM_FIELDS.map((f) => [f, 0])) as Record<
    (typeof PARAM_FIELDS)[number],
    number
  >;
  const tiles = n * Math.ceil(oh / 4) * Math.ceil(ow / 4);
  Object.assign(values, { n, h, w, cin, cout, pad, oh, ow, chunk: weightGradChunk(tiles, cin, cout) });
  Object.assign(values, { x: heapOffset(be, x), dy: heapOffset(be, dy), y: heapOffset(be, out) });
  callKernel(
    be,
    'winograd weight gradient',
    {
      blockBytes: PARAM_FIELDS.length * 4,
      fill: (block, scratch) =>
        writeParamBlock(memory, block, PARAM_FIELDS, { ...values, scratch }, FLOAT_FIELDS),
      scratchFloats: (block) => k.weight_grad_scratch_floats(block),
      run: (block) => k.winograd_weight_grad(block),
    },
    [out],
  );
  return out;
}

function packKernelFunc({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { be, memory, k } = exportsFor(backend, 'winograd weight packing');
  const x = inputs.x as tf.TensorInfo;
  const flipped = Boolean((attrs as unknown as { flipped: boolean }).flipped);
  const [cin, cout] = flipped ? [x.shape[3], x.shape[2]] : [x.shape[2], x.shape[3]];
  const [cinP, coutP] = paddedChannels(cin, cout);
  const out = be.makeOutput([36 * cinP * coutP], 'float32');
  const fields = ['cin', 'cout', 'cin_p', 'cout_p', 'flipped', 'hwio', 'u'] as const;
  const values = { cin, cout, cin_p: cinP, cout_p: coutP, flipped: flipped ? 1 : 0 };
  callKernel(
    be,
    'winograd weight packing',
    {
      blockBytes: fields.length * 4,
      fill: (block) =>
        writeParamBlock(
          memory,
          block,
          fields,
          { ...values, hwio: heapOffset(be, x), u: heapOffset(be, out) },
          new Set<string>(),
        ),
      scratchFloats: () => 0,
      run: (block) => k.pack_weights(block),
    },
    [out],
  );
  return out;
}

let registered = false;
function ensureRegistered(): void {
  if (registered) return;
  const kernels: [string, (args: KernelArgs) => tf.TensorInfo][] = [
    [KERNEL_NAME, kernelFunc],
    [IMAGE_KERNEL_NAME, imageKernelFunc],
    [WEIGHT_GRAD_KERNEL_NAME, weightGradKernelFunc],
    [PACK_KERNEL_NAME, packKernelFunc],
  ];
  for (const [kernelName, fn] of kernels)
    if (!tf.getKernel(kernelName, 'wasm'))
      tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: fn as unknown as tf.KernelFunc });
  registered = true;
}

/**
 * The checks and the kernel call shared by `winogradConv` (up = 1) and `winogradUpConv` (up = 2):
 * x, the weights and every epilogue operand for an output of `oh` × `ow`.
 */
function runConv(
  x: tf.Tensor4D,
  u: tf.Tensor1D,
  taps: tf.Tensor1D | null,
  cin: number,
  cout: number,
  up: 1 | 2,
  pad: number,
  opts: WinogradConvOptions,
): tf.Tensor4D {
  const support = winogradConvSupport();
  if (!support.ok) throw new Error(`winograd conv unavailable: ${support.reason}`);
  const { styles = null, scale = null, bias = null, noise = null, noiseGain = 1 } = opts;
  const { slope = null, clamp = null } = opts;
  if (x.dtype !== 'float32' || x.rank !== 4) throw new TypeError(`x must be a float32 NHWC tensor`);
  const [n, h, w] = x.shape;
  if (x.shape[3] !== cin) throw new RangeError(`x has ${x.shape[3]} channels, the weights expect ${cin}`);
  const [oh, ow] = up === 2 ? [2 * h, 2 * w] : [h + 2 * pad - 2, w + 2 * pad - 2];
  if (oh < 1 || ow < 1) throw new RangeError(`a ${h}×${w} input with pad ${pad} has no output`);
  const need = (t: tf.Tensor | null, what: string, shape: number[]) => {
    if (t && (t.size !== shape.reduce((p, q) => p * q, 1) || t.dtype !== 'float32'))
      throw new RangeError(`${what} must be float32 [${shape.join(', ')}], got [${t.shape.join(', ')}]`);
  };
  need(styles, 'styles', [n, cin]);
  need(scale, 'scale', [n, cout]);
  need(bias, 'bias', [cout]);
  let noiseStride = 0;
  if (noise) {
    if (noise.size === n * oh * ow && n > 1) noiseStride = oh * ow;
    else need(noise, 'noise', [oh * ow]);
  }
  ensureRegistered();
  const inputs: tf.NamedTensorMap = { x, u };
  if (taps) inputs.taps = taps;
  if (styles) inputs.s = styles;
  if (scale) inputs.scale = scale;
  if (bias) inputs.bias = bias;
  if (noise) inputs.noise = noise;
  const attrs = { up, cout, pad, slope: slope ?? NaN, clamp: clamp ?? -1, noiseGain, noiseStride };
  return tf.engine().runKernel(KERNEL_NAME, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/**
 * The fused layer (see the module comment): x NHWC [N, H, W, C_in] → [N, H + 2·pad − 2,
 * W + 2·pad − 2, C_out]. Needs the wasm backend (`winogradConvSupport()`); not differentiable
 * (inference only). Float32 error against float64: that of Winograd F(4, 3) (≈ 1e−5 relative at
 * C_in = 256, see ops/winograd.ts).
 */
export function winogradConv(
  x: tf.Tensor4D,
  weight: WinogradConvWeight,
  opts: WinogradConvOptions = {},
): tf.Tensor4D {
  const { pad = 1 } = opts;
  if (!Number.isInteger(pad) || pad < 0 || pad > 2) throw new RangeError(`pad must be 0, 1 or 2, got ${pad}`);
  return runConv(x, weight.packed, null, weight.inChannels, weight.outChannels, 1, pad, opts);
}

/** Channel counts rounded up to the kernels' multiples: 4 for C_in (a SIMD vector), 8 for C_out (a register tile). */
function paddedChannels(cin: number, cout: number): [number, number] {
  return [Math.ceil(cin / 4) * 4, Math.ceil(cout / 8) * 8];
}

/** t with its last axis zero-padded to `to` entries (t itself when it has them; null stays null). */
function padLast<T extends tf.Tensor>(t: T | null, to: number): T | null {
  if (!t) return null;
  const extra = to - t.shape[t.rank - 1];
  if (extra === 0) return t;
  const p = t.shape.map((): [number, number] => [0, 0]);
  p[t.rank - 1] = [0, extra];
  return tf.pad(t, p) as T;
}

/**
 * `winogradConv` for channel counts that are not the kernel's multiples: `weight` from
 * `prepareWinogradConvWeightHWIO` (padded counts), x [N, H, W, C_in] with C_in ≤ the padded count
 * (x's channels and the styles are zero-padded to it), the scale and bias [·, C_out] padded with
 * zeros, and the output cropped to `cout` channels. Where nothing needs padding this is
 * `winogradConv` itself. Padding costs a copy of x (and of the output); it pays wherever the conv is
 * big enough for Winograd at all.
 */
export function winogradConvChannels(
  x: tf.Tensor4D,
  weight: WinogradConvWeight,
  cout: number,
  opts: WinogradConvOptions = {},
): tf.Tensor4D {
  const cinP = weight.inChannels;
  const coutP = weight.outChannels;
  const cin = x.shape[3];
  if (cin > cinP || cout > coutP || cinP - cin >= 4 || coutP - cout >= 8)
    throw new RangeError(
      `x has ${cin} channels and ${cout} are asked for; the weights are packed for ${cinP} → ${coutP}`,
    );
  if (cin === cinP && cout === coutP) return winogradConv(x, weight, opts);
  return tf.tidy(() => {
    const y = winogradConv(padLast(x, cinP)!, weight, {
      ...opts,
      styles: padLast(opts.styles ?? null, cinP),
      scale: padLast(opts.scale ?? null, coutP),
      bias: padLast(opts.bias ?? null, coutP),
    });
    return cout === coutP ? y : (tf.slice(y, [0, 0, 0, 0], [-1, -1, -1, cout]) as tf.Tensor4D);
  });
}

/**
 * StyleGAN2's up-sampling conv0 with the layer epilogue in one call (see the kernel's section
 * comment): x NHWC [N, H, W, C_in] → [N, 2H, 2W, C_out], the official transposed 3×3
 * conv (stride 2) of s ⊙ x and the 4×4 filter, then scale, bias, noise, leaky ReLU and clamp as
 * in `winogradConv`. Needs the wasm backend; inference only.
 */
export function winogradUpConv(
  x: tf.Tensor4D,
  weight: WinogradUpConvWeight,
  opts: Omit<WinogradConvOptions, 'pad'> = {},
): tf.Tensor4D {
  return runConv(x, weight.packed, weight.taps, weight.inChannels, weight.outChannels, 2, 0, opts);
}

/**
 * The skip architecture's up-sampling of the RGB image, `upsample2d(img, f, up = 2)` for a 4-tap
 * separable filter, given by its correlation taps `taps` = [c_y (4), c_x (4)] (the same taps as
 * `prepareWinogradUpConvWeight`'s `fy`, `fx`): NCHW [N, C, H, W] → [N, C, 2H, 2W]. Needs the wasm
 * backend.
 */
export function upsampleImage2x(img: tf.Tensor4D, taps: tf.Tensor1D): tf.Tensor4D {
  const support = winogradConvSupport();
  if (!support.ok) throw new Error(`image up-sampling kernel unavailable: ${support.reason}`);
  if (img.dtype !== 'float32' || img.rank !== 4) throw new TypeError('img must be a float32 NCHW tensor');
  if (taps.size !== 8 || taps.dtype !== 'float32')
    throw new RangeError(`taps must be float32 [8], got [${taps.shape}]`);
  ensureRegistered();
  return tf.engine().runKernel(IMAGE_KERNEL_NAME, { x: img, taps }, {}) as tf.Tensor4D;
}

/**
 * The weight gradient of a stride-1 3 × 3 convolution as Winograd F(4×4, 3×3) (training): for x
 * NHWC [N, H, W, C_in], zero padding `pad` (0, 1 or 2) and the upstream gradient dy [N, H + 2·pad − 2,
 * W + 2·pad − 2, C_out] of y = conv3×3(x, g), returns HWIO [3, 3, C_in, C_out]
 *
 *     ∂L/∂g[a, b, i, o] = Σ_{n, p} x[n, p + (a, b) − pad, i] · dy[n, p, o]
 *
 * computed as Gᵀ (Σ_tiles (Bᵀ d B) ⊗ (A dy Aᵀ)) G (see the kernel's section comment): 2.25
 * products per output pixel and tap pair instead of 9. C_in must be a multiple of 4 and C_out of 8;
 * wasm backend only (`winogradConvSupport`). Not differentiable (the kernel has no gradient): for
 * a gradient that is itself differentiated use the matrix-product form.
 *
 * @example
 * const dW = winogradWeightGradient(x, dy, 1); // [3, 3, C_in, C_out], as tf.conv2d's filter
 */
export function winogradWeightGradient(x: tf.Tensor4D, dy: tf.Tensor4D, pad: number): tf.Tensor4D {
  const support = winogradConvSupport();
  if (!support.ok) throw new Error(`winograd weight gradient unavailable: ${support.reason}`);
  if (!Number.isInteger(pad) || pad < 0 || pad > 2) throw new RangeError(`pad must be 0, 1 or 2, got ${pad}`);
  if (x.dtype !== 'float32' || x.rank !== 4) throw new TypeError('x must be a float32 NHWC tensor');
  if (dy.dtype !== 'float32' || dy.rank !== 4) throw new TypeError('dy must be a float32 NHWC tensor');
  const [n, h, w, cin] = x.shape;
  const cout = dy.shape[3];
  const oh = h + 2 * pad - 2,
    ow = w + 2 * pad - 2;
  if (oh < 1 || ow < 1) throw new RangeError(`a ${h}×${w} input with pad ${pad} has no output`);
  if (dy.shape[0] !== n || dy.shape[1] !== oh || dy.shape[2] !== ow)
    throw new RangeError(
      `dy must be [${n}, ${oh}, ${ow}, C_out] for x [${x.shape.join(', ')}] and pad ${pad}, got [${dy.shape.join(', ')}]`,
    );
  if (cin % 4 !== 0) throw new RangeError(`C_in must be a multiple of 4, got ${cin}`);
  if (cout % 8 !== 0) throw new RangeError(`C_out must be a multiple of 8, got ${cout}`);
  ensureRegistered();
  return tf
    .engine()
    .runKernel(WEIGHT_GRAD_KERNEL_NAME, { x, dy }, { pad } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/**
 * `winogradWeightGradient` for any channel counts: x's channels zero-padded to a multiple of 4 and
 * dy's to one of 8 (the padded channels contribute zero rows and columns), the result cropped to
 * [3, 3, C_in, C_out].
 */
export function winogradWeightGradientChannels(x: tf.Tensor4D, dy: tf.Tensor4D, pad: number): tf.Tensor4D {
  const cin = x.shape[3];
  const cout = dy.shape[3];
  const [cinP, coutP] = paddedChannels(cin, cout);
  return tf.tidy(() => {
    const g = winogradWeightGradient(padLast(x, cinP)!, padLast(dy, coutP)!, pad);
    return cinP === cin && coutP === cout ? g : (tf.slice(g, [0, 0, 0, 0], [3, 3, cin, cout]) as tf.Tensor4D);
  });
}
