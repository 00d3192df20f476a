/**
 * Modulated convolution of StyleGAN2/3 on TensorFlow.js (official `modulated_conv2d` of
 * networks_stylegan3.py). For batch item n, output channel o and input channel i:
 *
 *     ŵ = w / rms_{i,kh,kw}(w)   and   ŝ = s / rms_{n,i}(s)            (only with demodulation)
 *     w'[n,o,i,·] = ŵ[o,i,·] · ŝ[n,i]
 *     d[n,o] = 1 / √(Σ_{i,kh,kw} w'[n,o,i,·]² + 1e−8)                 (only with demodulation)
 *     y[n,o] = Σ_i (w'[n,o,i] · d[n,o] · g[n,i]) ⋆ x[n,i]             (g = input gain)
 *
 * where ⋆ is a cross-correlation with zero padding `padding` on each side. Note that rms(s) is taken
 * over the whole style tensor, across the batch, exactly as the official code does.
 *
 * tfjs conv2d has no grouped (per-sample) weights, so the modulation moves onto the activations:
 * y = d[n,o] · (ŵ ⋆ (ŝ[n,i]·g[n,i]·x[n,i])) — one conv with shared weights for the whole batch,
 * and d[n,o] = 1/√(ŝ² @ Σ_k ŵ² + 1e−8) is a small 2-D matMul.
 *
 * The shared-weight conv ŵ ⋆ (·) runs either as `tf.conv2d` ("direct") or, for 3×3 kernels, as
 * Winograd F(4×4, 3×3) (`./winograd.ts`: 36 products per 4×4 output tile instead of 144, as 2-D
 * matMuls). `setConvAlgorithm` picks; 'auto' (default) uses Winograd on the wasm backend when the
 * conv is big enough for its fixed per-call cost (~100 small ops) to pay off — see
 * `useWinograd` for the measured rule.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  prepareWinogradWeight,
  winogradConv3x3NHWC,
  disposeWinogradWeight,
  type WinogradTile,
  type WinogradWeight,
} from './winograd.js';
import {
  packWinogradConvWeight,
  winogradConvChannels,
  winogradConvSupport,
  type WinogradConvWeight,
} from '../kernels/winograd-conv.js';

/** How the 3×3 conv of `modulatedConv2dNHWC` runs: see `setConvAlgorithm`. */
export type ConvAlgorithm = 'auto' | 'direct' | 'winograd' | 'fused';

let algorithm: ConvAlgorithm = 'auto';
let winogradTile: WinogradTile = 4;

/**
 * Choose the conv algorithm of every modulated conv (module-wide; for tests and benchmarks):
 * 'direct' = `tf.conv2d`; 'winograd' = Winograd F(m×m, 3×3) as tfjs ops for every 3×3 kernel
 * (1×1 kernels always run direct); 'fused' = the fused WebAssembly Winograd F(4×4, 3×3) kernel
 * for every 3×3 kernel with padding ≤ 2 (wasm backend only; a clear error elsewhere); 'auto' =
 * Winograd where `useWinograd` says it is faster, as the fused kernel on wasm (see
 * `useFusedKernel`). `tile` is the op path's output tile m (4: F(4×4,3×3), 4× fewer
 * multiplications, float32 error ≈ 1e−5·max|y|; 2: F(2×2,3×3), 2.25× fewer, ≈ 2e−6·max|y|).
 */
export function setConvAlgorithm(alg: ConvAlgorithm, tile: WinogradTile = 4): void {
  if (alg !== 'auto' && alg !== 'direct' && alg !== 'winograd' && alg !== 'fused') {
    throw new RangeError(`algorithm must be 'auto', 'direct', 'winograd' or 'fused', got ${String(alg)}`);
  }
  if (tile !== 2 && tile !== 4) throw new RangeError(`tile must be 2 or 4, got ${String(tile)}`);
  algorithm = alg;
  winogradTile = tile;
}

/** The current choice of `setConvAlgorithm`. */
export function convAlgorithm(): { algorithm: ConvAlgorithm; tile: WinogradTile } {
  return { algorithm, tile: winogradTile };
}

/**
 * The 'auto' rule: Winograd for a 3×3 conv on the wasm backend when it has at least
 * `AUTO_MIN_MACS` multiply–accumulates per sample (H_o·W_o·C_in·C_out·9). Measured on the 2-core
 * CPU, per conv in isolation and per T-256/T-1024 layer: F(4,3) costs a fixed ≈ 1.5 ms (≈ 100 small
 * ops) plus ¼ of the direct GEMM work, so it loses below ≈ 20 M MAC (e.g. 36² × 32 → 32: 1.1 ms
 * direct vs 1.7 ms) and wins from ≈ 40 M MAC (36² × 64 → 64: 8 ms vs 3 ms; every 3×3 layer of
 * T-256: 2–3×, of T-1024: 1.2–3.7×, the least for the 1044² layers with ≤ 81 channels).
 */
export const AUTO_MIN_MACS = 3e7;

/** Whether `modulatedConv2dNHWC` runs this conv (weights `w`, output H_o × W_o) as Winograd. */
export function useWinograd(w: PreparedModConvWeight, outH: number, outW: number): boolean {
  if (w.kernel !== 3 || algorithm === 'direct') return false;
  if (algorithm === 'winograd' || algorithm === 'fused') return true;
  if (tf.getBackend() !== 'wasm') return false;
  return outH * outW * w.inChannels * w.outChannels * 9 >= AUTO_MIN_MACS;
}

/**
 * Whether `modulatedConv2dNHWC` runs this conv on the fused WebAssembly Winograd kernel
 * (kernels/winograd-conv.ts): 'fused', or 'auto' on the wasm backend where `useWinograd` picks
 * Winograd; 3×3, padding ≤ 2. The kernel does the same F(4×4, 3×3) products as the op path
 * without its ~100 tfjs ops per call (transforms, matMuls, the modulation and demodulation
 * passes); channel counts that are not multiples of 4 (in) and 8 (out) are zero-padded.
 */
export function useFusedKernel(
  w: PreparedModConvWeight,
  outH: number,
  outW: number,
  padding: number,
): boolean {
  if (algorithm === 'fused') {
    const support = winogradConvSupport();
    if (!support.ok) throw new Error(`conv algorithm 'fused' cannot run: ${support.reason}`);
    return w.kernel === 3 && padding <= 2;
  }
  return (
    algorithm === 'auto' &&
    w.kernel === 3 &&
    padding <= 2 &&
    useWinograd(w, outH, outW) &&
    winogradConvSupport().ok
  );
}

/** The weights of `w` packed for the fused kernel, made (and kept, outside any tidy) on first use. */
function fusedWeight(w: PreparedModConvWeight): WinogradConvWeight {
  if (!w.fused) {
    w.fused = packWinogradConvWeight(w.hwio);
    tf.keep(w.fused.packed);
  }
  return w.fused;
}

/** Shared (per layer) conv weights prepared once for `modulatedConv2dNHWC`. */
export interface PreparedModConvWeight {
  /** Weights in tfjs layout [kh, kw, in, out], RMS-normalised per output channel when demodulating. */
  hwio: tf.Tensor4D;
  /** Σ_{kh,kw} ŵ[o,i]² as [in, out] (null without demodulation). */
  sq: tf.Tensor2D | null;
  demodulate: boolean;
  inChannels: number;
  outChannels: number;
  kernel: number;
  /** Winograd-transformed filters, made on first use (3×3 only); freed by `disposeModConvWeight`. */
  winograd?: WinogradWeight | null;
  /** The same, packed for the fused WebAssembly kernel (wasm, 'auto'); made on first use. */
  fused?: WinogradConvWeight | null;
}

/** Free every tensor of a prepared weight (incl. the lazily made Winograd filters). */
export function disposeModConvWeight(w: PreparedModConvWeight): void {
  tf.dispose([w.hwio, ...(w.sq ? [w.sq] : [])]);
  if (w.winograd) disposeWinogradWeight(w.winograd);
  w.winograd = null;
  w.fused?.packed.dispose();
  w.fused = null;
}

/** The Winograd filters of `w` for tile m, made (and kept, outside any tidy) on first use. */
function winogradWeight(w: PreparedModConvWeight, m: WinogradTile): WinogradWeight {
  if (!w.winograd || w.winograd.m !== m) {
    if (w.winograd) disposeWinogradWeight(w.winograd);
    w.winograd = prepareWinogradWeight(w.hwio, m);
  }
  return w.winograd;
}

/** Prepare official [out, in, kh, kw] weights (kept by the caller; dispose the result when done). */
export function prepareModConvWeight(weight: tf.Tensor4D, demodulate: boolean): PreparedModConvWeight {
  const [out, inC, kh, kw] = weight.shape;
  if (kh !== kw) throw new RangeError(`conv weight must be square, got ${kh}×${kw}`);
  const [hwio, sq] = tf.tidy(() => {
    let w: tf.Tensor4D = weight;
    if (demodulate) w = tf.mul(w, tf.rsqrt(tf.mean(tf.square(w), [1, 2, 3], true)));
    const hwio = tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D;
    const sq = tf.transpose(tf.sum(tf.square(w), [2, 3])) as tf.Tensor2D;
    return [hwio, sq];
  });
  if (!demodulate) sq.dispose();
  return { hwio, sq: demodulate ? sq : null, demodulate, inChannels: inC, outChannels: out, kernel: kh };
}

/**
 * Modulated conv on NHWC activations. `styles` [N, in]; `inputGain` a scalar, [in] or [N, in]
 * tensor (or null); `styleScale` = 1/rms(styles of the whole batch) when `styles` is only part of
 * it (null: computed from `styles`). Returns NHWC [N, H + 2p − k + 1, W + 2p − k + 1, out].
 */
export function modulatedConv2dNHWC(
  x: tf.Tensor4D,
  w: PreparedModConvWeight,
  styles: tf.Tensor2D,
  padding: number,
  inputGain: tf.Tensor | null,
  styleScale: tf.Scalar | null = null,
): tf.Tensor4D {
  const [n, , , c] = x.shape;
  if (c !== w.inChannels) throw new RangeError(`x must have ${w.inChannels} input channels, got ${c}`);
  if (styles.shape[0] !== n || styles.shape[1] !== c) {
    throw new RangeError(`styles must be [${n}, ${c}], got [${styles.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    let s: tf.Tensor2D = styles;
    // rms over the whole style tensor; `styleScale` supplies it when the batch is split in chunks.
    if (w.demodulate) s = tf.mul(s, styleScale ?? tf.rsqrt(tf.mean(tf.square(s))));
    let scale: tf.Tensor = s;
    if (inputGain) {
      const g = inputGain.rank === 1 ? tf.reshape(inputGain, [1, c]) : inputGain;
      scale = tf.mul(s, g);
    }
    if (useFusedKernel(w, x.shape[1] + 2 * padding - 2, x.shape[2] + 2 * padding - 2, padding)) {
      // One kernel call: modulation on load, Winograd, demodulation on store.
      const d = w.demodulate && w.sq ? tf.rsqrt(tf.add(tf.matMul(tf.square(s), w.sq), 1e-8)) : null;
      return winogradConvChannels(x, fusedWeight(w), w.outChannels, {
        pad: padding,
        styles: scale as tf.Tensor2D, // [N, in]: s, times the input gain where given
        scale: d as tf.Tensor2D | null,
      });
    }
    const xm = tf.mul(x, tf.reshape(scale, [n, 1, 1, c])) as tf.Tensor4D;
    const outH = x.shape[1] + 2 * padding - w.kernel + 1;
    const outW = x.shape[2] + 2 * padding - w.kernel + 1;
    let y = useWinograd(w, outH, outW)
      ? winogradConv3x3NHWC(xm, winogradWeight(w, winogradTile), padding)
      : tf.conv2d(
          xm,
          w.hwio,
          1,
          padding === 0
            ? 'valid'
            : [
                [0, 0],
                [padding, padding],
                [padding, padding],
                [0, 0],
              ],
        );
    // Free the big temporaries now rather than at the end of the tidy (lower peak heap at 1024²).
    xm.dispose();
    if (w.demodulate && w.sq) {
      const d = tf.rsqrt(tf.add(tf.matMul(tf.square(s), w.sq), 1e-8));
      const yd = tf.mul(y, tf.reshape(d, [n, 1, 1, w.outChannels])) as tf.Tensor4D;
      y.dispose();
      y = yd;
    }
    return y;
  });
}

/**
 * The official signature on NCHW tensors: `modulated_conv2d(x, w, s, demodulate, padding,
 * input_gain)` with x [N, in, H, W], w [out, in, k, k], s [N, in]. Returns NCHW.
 */
export function modulatedConv2d(
  x: tf.Tensor4D,
  weight: tf.Tensor4D,
  styles: tf.Tensor2D,
  opts: { demodulate?: boolean; padding?: number; inputGain?: tf.Tensor | null } = {},
): tf.Tensor4D {
  const demodulate = opts.demodulate ?? true;
  const padding = opts.padding ?? 0;
  if (!Number.isInteger(padding) || padding < 0)
    throw new RangeError(`padding must be an integer >= 0, got ${padding}`);
  if (x.rank !== 4 || weight.rank !== 4) throw new RangeError('x and weight must be rank-4 (NCHW, OIHW)');
  if (weight.shape[1] !== x.shape[1]) {
    throw new RangeError(`weight in-channels ${weight.shape[1]} must equal x channels ${x.shape[1]}`);
  }
  const prep = prepareModConvWeight(weight, demodulate);
  try {
    return tf.tidy(() => {
      const y = modulatedConv2dNHWC(
        tf.transpose(x, [0, 2, 3, 1]),
        prep,
        styles,
        padding,
        opts.inputGain ?? null,
      );
      return tf.transpose(y, [0, 3, 1, 2]);
    });
  } finally {
    disposeModConvWeight(prep);
  }
}
