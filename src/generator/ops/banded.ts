/**
 * Per-channel FIR resampling as *blocked* dense convolutions, the fast path of the filtered
 * nonlinearity on the wasm backend (where depthwise convs run at well under 1 GFLOP/s but dense
 * conv2d uses XNNPACK's GEMM).
 *
 * A 1-D upfirdn with correlation taps g (length L), zero insertion u, padding p0 and decimation d is
 * the linear map y[j] = Σ_i A[j, i]·x[i] with A[j, i] = g[u·i + p0 − d·j] (0 where out of range).
 * A is block-Toeplitz: A[j + Q, i + P] = A[j, i] whenever u·P = d·Q. Cutting the (innermost) signal
 * axis into blocks of P inputs and Q outputs therefore turns the filter into a conv2d over the block
 * index with P input channels and Q output channels: out_block[b] = Σ_t in_block[b + t]·K_t with
 * K_t[p, q] = A[q, s0 + t·P + p] (s0 = first input sample output block 0 reads). The signal rows
 * (all channels × the other spatial axis) are the conv batch, so no per-channel weights are needed.
 * The same idea in 2-D (P×P → Q×Q blocks) evaluates the non-separable radial down filter.
 */
import * as tf from '@tensorflow/tfjs-core';

/** A compiled 1-D pass along the innermost axis of a [rows, inLen] tensor. */
export interface BandedPass {
  /** Physical input length the pass takes (≥ the valid input length). */
  inLen: number;
  outLen: number;
  P: number;
  Q: number;
  kb: number;
  /** First input sample of output block 0 (negative = zeros on the left). */
  s0: number;
  /** Output blocks computed (nbo·Q ≥ outLen). */
  nbo: number;
  /** Physical output length nbo·Q (entries past outLen are further samples of the same upfirdn). */
  physOut: number;
  kernel: tf.Tensor4D;
  /** Multiply–accumulates per row as evaluated (dense blocks). */
  macsPerRow: number;
}

/** First and last input index read by output sample j (for d·j − p0 over the u-grid). */
function inputRange(j: number, L: number, u: number, d: number, p0: number): [number, number] {
  // A[j, i] ≠ 0 needs 0 ≤ u·i + p0 − d·j ≤ L − 1.
  return [Math.ceil((d * j - p0) / u), Math.floor((d * j - p0 + L - 1) / u)];
}

/**
 * Compile a 1-D upfirdn pass: correlation taps `g`, factors `u`/`d`, left padding `p0` (on the
 * zero-inserted grid), `outLen` outputs, for inputs of length `inLen` (zero outside). `P`: input
 * block length (a multiple of d; Q = u·P/d must be an integer). `scale` multiplies every tap.
 */
export function compileBandedPass(
  g: ArrayLike<number>,
  {
    u,
    d,
    p0,
    inLen,
    outLen,
    P,
    scale = 1,
    physInLen = inLen,
  }: {
    u: number;
    d: number;
    p0: number;
    inLen: number;
    outLen: number;
    P: number;
    scale?: number;
    physInLen?: number;
  },
): BandedPass {
  const L = g.length;
  const Q = (u * P) / d;
  if (!Number.isInteger(Q) || Q < 1)
    throw new RangeError(`block size P=${P} incompatible with up ${u} / down ${d}`);
  // Never start past sample 0: a crop of the head would cost a copy per row; the skipped samples
  // simply get zero taps. When the physical input is a whole number of blocks, start on a block
  // boundary too (a few more zero taps): then the zero padding is whole blocks, which the conv's
  // own padding supplies without a separate pad pass over the rows (see applyBandedPass).
  let s0 = Math.min(inputRange(0, L, u, d, p0)[0], 0);
  if (physInLen % P === 0) s0 = Math.floor(s0 / P) * P;
  const last = inputRange(Q - 1, L, u, d, p0)[1];
  const nbo = Math.ceil(outLen / Q);
  // Enough blocks for the taps, and enough to take the whole physical input without a crop (the
  // extra zero taps only ever meet samples past inLen, which valid outputs do not read).
  let kb = Math.max(1, Math.ceil((last - s0 + 1) / P));
  if (s0 <= 0) kb = Math.max(kb, Math.ceil((physInLen - s0) / P) - nbo + 1);
  const k = new Float32Array(kb * P * Q);
  for (let t = 0; t < kb; t++)
    for (let p = 0; p < P; p++)
      for (let q = 0; q < Q; q++) {
        const i = s0 + t * P + p;
        const tap = u * i + p0 - d * q;
        if (tap >= 0 && tap < L) k[(t * P + p) * Q + q] = Math.fround(g[tap] * scale);
      }
  return {
    inLen: physInLen,
    outLen,
    P,
    Q,
    kb,
    s0,
    nbo,
    physOut: nbo * Q,
    kernel: tf.tensor4d(k, [1, kb, P, Q]),
    macsPerRow: nbo * Q * kb * P,
  };
}

/**
 * Run a compiled pass on x [rows, inLen] → [rows, physOut]. Nothing is cropped (a crop costs a slow
 * copy per row on wasm): samples past outLen are further outputs of the same upfirdn, which the
 * caller's later passes never read for valid outputs. Zero padding supplies samples outside the
 * input. `alpha`: optional fused leaky ReLU slope.
 */
export function applyBandedPass(x: tf.Tensor2D, pass: BandedPass, alpha: number | null = null): tf.Tensor2D {
  const [rows, len] = x.shape;
  if (len !== pass.inLen) throw new RangeError(`banded pass expects length ${pass.inLen}, got ${len}`);
  const { P, kb, s0, Q, nbo } = pass;
  const need = (nbo + kb - 1) * P;
  let xp: tf.Tensor2D = x;
  if (s0 > 0 || need + s0 < len) {
    // Crop (only for unusual negative paddings; the generator's layers never take this branch).
    const start = Math.max(s0, 0);
    xp = tf.slice(xp, [0, start], [rows, Math.min(len, need + s0) - start]);
  }
  const lo = Math.max(-s0, 0);
  const hi = need - lo - xp.shape[1];
  // Zero padding of whole blocks goes into the conv (XNNPACK reads zeros for it, no extra pass);
  // otherwise pad the rows first.
  let pad: 'valid' | [[number, number], [number, number], [number, number], [number, number]] = 'valid';
  if (lo % P === 0 && hi % P === 0 && hi >= 0 && xp.shape[1] % P === 0) {
    if (lo > 0 || hi > 0)
      pad = [
        [0, 0],
        [0, 0],
        [lo / P, hi / P],
        [0, 0],
      ];
  } else if (lo > 0 || hi > 0)
    xp = tf.pad(xp, [
      [0, 0],
      [lo, hi],
    ]);
  const x4 = tf.reshape(xp, [rows, 1, xp.shape[1] / P, P]) as tf.Tensor4D;
  const y =
    alpha === null
      ? tf.conv2d(x4, pass.kernel, 1, pad)
      : tf.fused.conv2d({
          x: x4,
          filter: pass.kernel,
          strides: 1,
          pad,
          activation: 'leakyrelu',
          leakyreluAlpha: alpha,
        });
  return tf.reshape(y, [rows, nbo * Q]) as tf.Tensor2D;
}

/**
 * Block length for a pass producing `outLen` samples at ratio u/d: the first candidate whose
 * output block Q = u·P/d divides outLen (so nothing needs cropping), preferring sizes that keep
 * XNNPACK's GEMM efficient.
 */
export function chooseBlock(outLen: number, u: number, d: number): number {
  // Measured on wasm: small blocks win (these passes are memory-bound; bigger blocks only add work).
  const qs = [4, 3, 6, 5, 2, 8, 7, 1];
  for (const q of qs) {
    if (outLen % q !== 0 || (q * d) % u !== 0) continue;
    const P = (q * d) / u;
    if (P >= 1) return P;
  }
  return d; // Q = u, crop needed (outLen not a multiple of u — never for the generator's layers)
}

/** A compiled 2-D pass (non-separable filter, e.g. the radial jinc down filter), u = 1. */
export interface BandedPass2D {
  inLen: [number, number];
  outLen: [number, number];
  P: number;
  Q: number;
  kb: number;
  nbo: [number, number];
  kernel: tf.Tensor4D;
  macsPerMap: number;
}

/**
 * Compile a 2-D strided correlation (decimation `d`, no padding) with taps `g2[a][b]` where `a`
 * runs along the outer axis and `b` along the inner axis of the [maps, outer, inner] input.
 */
export function compileBandedPass2D(
  g2: Float64Array,
  fh: number,
  fw: number,
  { d, inLen, outLen, P }: { d: number; inLen: [number, number]; outLen: [number, number]; P: number },
): BandedPass2D {
  const Q = P / d;
  if (!Number.isInteger(Q)) throw new RangeError(`block size P=${P} must be a multiple of down ${d}`);
  const span = Math.max((Q - 1) * d + fh, (Q - 1) * d + fw);
  const nbo: [number, number] = [Math.ceil(outLen[0] / Q), Math.ceil(outLen[1] / Q)];
  // Cover the whole physical input (`inLen`) so that it is only ever padded, never cropped.
  const kb = Math.max(
    Math.ceil(span / P),
    Math.ceil(inLen[0] / P) - nbo[0] + 1,
    Math.ceil(inLen[1] / P) - nbo[1] + 1,
  );
  const k = new Float32Array(kb * kb * P * P * Q * Q);
  // Input channel (pa, pb) of block offset (ta, tb) → output channel (qa, qb).
  for (let ta = 0; ta < kb; ta++)
    for (let tb = 0; tb < kb; tb++)
      for (let pa = 0; pa < P; pa++)
        for (let pb = 0; pb < P; pb++)
          for (let qa = 0; qa < Q; qa++)
            for (let qb = 0; qb < Q; qb++) {
              const a = ta * P + pa - d * qa;
              const b = tb * P + pb - d * qb;
              if (a < 0 || a >= fh || b < 0 || b >= fw) continue;
              const ic = pa * P + pb;
              const oc = qa * Q + qb;
              k[((ta * kb + tb) * P * P + ic) * Q * Q + oc] = Math.fround(g2[a * fw + b]);
            }
  return {
    inLen,
    outLen,
    P,
    Q,
    kb,
    nbo,
    kernel: tf.tensor4d(k, [kb, kb, P * P, Q * Q]),
    macsPerMap: nbo[0] * nbo[1] * Q * Q * kb * kb * P * P,
  };
}

/**
 * Run a 2-D pass on x [maps, A, B] → [maps, outA, outB] if `swapOut` is false, or the transposed
 * [maps, outB, outA] if true (the caller's layout change comes for free with the un-blocking).
 */
export function applyBandedPass2D(x: tf.Tensor3D, pass: BandedPass2D, swapOut: boolean): tf.Tensor3D {
  const [maps, A, B] = x.shape;
  const { P, Q, kb, nbo } = pass;
  const na = nbo[0] + kb - 1;
  const nb = nbo[1] + kb - 1;
  let xp: tf.Tensor3D = x;
  const padA = na * P - A;
  const padB = nb * P - B;
  if (padA > 0 || padB > 0)
    xp = tf.pad(xp, [
      [0, 0],
      [0, Math.max(padA, 0)],
      [0, Math.max(padB, 0)],
    ]);
  if (padA < 0 || padB < 0) xp = tf.slice(xp, [0, 0, 0], [maps, na * P, nb * P]);
  // Space-to-depth: [maps, na, P, nb, P] → [maps, na, nb, P·P].
  const blocks = tf.reshape(tf.transpose(tf.reshape(xp, [maps, na, P, nb, P]), [0, 1, 3, 2, 4]), [
    maps,
    na,
    nb,
    P * P,
  ]) as tf.Tensor4D;
  const y = tf.conv2d(blocks, pass.kernel, 1, 'valid'); // [maps, nbo0, nbo1, Q·Q]
  const y5 = tf.reshape(y, [maps, nbo[0], nbo[1], Q, Q]);
  let out: tf.Tensor3D;
  if (!swapOut)
    out = tf.reshape(tf.transpose(y5, [0, 1, 3, 2, 4]), [maps, nbo[0] * Q, nbo[1] * Q]) as tf.Tensor3D;
  else out = tf.reshape(tf.transpose(y5, [0, 2, 4, 1, 3]), [maps, nbo[1] * Q, nbo[0] * Q]) as tf.Tensor3D;
  const [oa, ob] = swapOut ? [pass.outLen[1], pass.outLen[0]] : pass.outLen;
  if (out.shape[1] !== oa || out.shape[2] !== ob) out = tf.slice(out, [0, 0, 0], [maps, oa, ob]);
  return out;
}
