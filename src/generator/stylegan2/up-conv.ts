/**
 * StyleGAN2's up-sampling conv0 on NHWC for inference: the official transposed 3×3 conv (stride 2,
 * weights unflipped) followed by the [1,3,3,1] filter, computed as four small correlations of the
 * input, one per output phase, and two 4-tap depthwise filter passes.
 *
 * Phases (per axis; official result O = crop((U ∗ W) ∗ F), U the zero-inserted input, F the filter
 * times up² = 4): T = U ∗ W has T[2m] = x[m]·W[0] + x[m − 1]·W[2] (m = 0 … H) and
 * T[2m + 1] = x[m]·W[1] (m = 0 … H − 1), so in 2-D four correlations of x with the kernels
 * [[W22, W20], [W02, W00]] (2×2, "ee"), [W21, W01] (2×1, "ed"), [W12, W10] (1×2, "de") and W11
 * ("dd"), 9 taps in all (as the transposed conv). They are interleaved into T, then
 * O[Y] = Σ_t T[Y − 1 + t]·F[3 − t] per axis.
 *
 * Two ways to run the phase correlations:
 * - direct: `tf.conv2d` each (9 multiplications per input pixel and channel pair);
 * - Winograd F(2, 2) on every 2-tap axis (Lavin & Gray 2016, the 2-tap case): two outputs
 *   y₀ = d₀g₀ + d₁g₁, y₁ = d₁g₀ + d₂g₁ from three products
 *
 *       m₀ = (d₀ − d₁)·g₀,   m₁ = d₁·(g₀ + g₁),   m₂ = (d₂ − d₁)·g₁;   y₀ = m₀ + m₁,   y₁ = m₁ + m₂
 *
 *   i.e. Bᵀ = [[1, −1, 0], [0, 1, 0], [0, −1, 1]], G = [[1, 0], [1, 1], [0, 1]],
 *   Aᵀ = [[1, 1, 0], [0, 1, 1]] — only ±1, so the float32 rounding is that of the direct sums.
 *   "ee" (2×2) takes 9 products per 2×2 outputs instead of 16, "ed"/"de" 3 per 2 instead of 4,
 *   "dd" stays one 1×1 conv: 6.25 multiplications per input pixel instead of 9 (1.44× fewer).
 *   The input transforms are strided 3-tap depthwise convs (they read the input in place; on wasm
 *   `tf.slice` would copy its source once per phase), the products are 2-D `tf.matMul`s
 *   [tiles, C_in] × [C_in, C_out] (XNNPACK GEMM), the output transforms adds.
 *
 * Winograd computes each phase on whole 2-sample tiles along its 2-tap axes (one row or column
 * more, from the zero padding) and crops it to the (H + 1) × (W + 1) of the phases.
 */
import * as tf from '@tensorflow/tfjs-core';

/** conv0's prepared weights: the direct phase kernels, the filter taps and (made on demand) the Winograd ones. */
export interface UpConvWeight {
  inChannels: number;
  outChannels: number;
  /** Phase kernels [kh, kw, C_in, C_out] for `tf.conv2d`. */
  ee: tf.Tensor4D;
  ed: tf.Tensor4D;
  de: tf.Tensor4D;
  dd: tf.Tensor4D;
  /** Correlation taps of the filter per axis (× 2 each: up² = 4) as depthwise kernels over C_out. */
  fx: tf.Tensor4D;
  fy: tf.Tensor4D;
  /** The F(2, 2) form (see the module comment), prepared on first use. */
  winograd: UpConvWinograd | null;
}

/** G-transformed phase kernels for F(2, 2): U planes [C_in, C_out] and Bᵀ as depthwise kernels. */
interface UpConvWinograd {
  /** ee: U_ij at i·3 + j (row transform i, column transform j). */
  ee: tf.Tensor2D[];
  /** ed: U_i (row transform i; one column tap). */
  ed: tf.Tensor2D[];
  /** de: U_j (column transform j; one row tap). */
  de: tf.Tensor2D[];
  /** Rows of Bᵀ as depthwise kernels over C_in: vertical [3, 1, C, 1] and horizontal [1, 3, C, 1]. */
  rows: tf.Tensor4D[];
  cols: tf.Tensor4D[];
}

/** Bᵀ of F(2, 2) (rows: the three input transforms of a 3-sample tile). */
export const F22_BT: readonly (readonly number[])[] = [
  [1, -1, 0],
  [0, 1, 0],
  [0, -1, 1],
];

/** G of F(2, 2) (3 × 2): the filter transform. */
export const F22_G: readonly (readonly number[])[] = [
  [1, 0],
  [1, 1],
  [0, 1],
];

/**
 * Prepare conv0 from the official weights `w` [O, I, 3, 3] (flat) and its 2-D filter, which must
 * be a separable 4×4 (f fᵀ, as setup_filter makes it from a 1-D filter).
 */
/**
 * The correlation taps of an up-sampling pass by 2 with a separable 4×4 filter (f fᵀ, as
 * setup_filter makes it from a 1-D filter), per axis, with the gain up² = 4 split over the axes:
 * c[t] = f[3 − t]·2/√Σf. conv0's filter pass and the skip image's `upsample2d` both use them.
 * Throws for a filter that is not a separable 4×4.
 */
export function upFilterTaps(filter: { data: ArrayLike<number>; shape: readonly [number, number] }): {
  fy: number[];
  fx: number[];
} {
  const [fh, fw] = filter.shape;
  const fy = new Float64Array(fh);
  const fx = new Float64Array(fw);
  for (let i = 0; i < fh; i++)
    for (let j = 0; j < fw; j++) {
      fy[i] += filter.data[i * fw + j];
      fx[j] += filter.data[i * fw + j];
    }
  const total = fy.reduce((a, b) => a + b, 0);
  for (let i = 0; i < fh; i++)
    for (let j = 0; j < fw; j++) {
      const outer = (fy[i] * fx[j]) / total;
      if (Math.abs(outer - filter.data[i * fw + j]) > 1e-6 * Math.abs(total)) {
        throw new RangeError(
          `the up-sampling filter must be separable (an outer product f fᵀ), got a ${fh}×${fw} one that is not`,
        );
      }
    }
  if (fh !== 4 || fw !== 4)
    throw new RangeError(`the up-sampling conv needs a 4-tap filter, got ${fh}×${fw}`);
  // Per axis: f scaled so that f_y ⊗ f_x = F (sum 1), then × 2 (the gain up² = 4 split over the axes).
  const scale = 2 / Math.sqrt(total);
  const corr = (f: Float64Array) => Array.from({ length: 4 }, (_, t) => f[3 - t] * scale);
  return { fy: corr(fy), fx: corr(fx) };
}

export function prepareUpConv(
  w: Float32Array,
  O: number,
  I: number,
  filter: { data: Float32Array; shape: [number, number] },
): UpConvWeight {
  const taps = upFilterTaps(filter);
  // The correlation taps, the same for every channel.
  const depthwise = (t: number[], vertical: boolean) => {
    const n = t.length;
    const out = new Float32Array(n * O);
    for (let i = 0; i < n; i++) out.fill(t[i], i * O, (i + 1) * O);
    return tf.tensor4d(out, vertical ? [n, 1, O, 1] : [1, n, O, 1]);
  };
  const kernel = (rows: number[], cols: number[]) =>
    tf.tensor4d(phaseKernel(w, O, I, rows, cols), [rows.length, cols.length, I, O]);
  return {
    inChannels: I,
    outChannels: O,
    ee: kernel([2, 0], [2, 0]),
    ed: kernel([2, 0], [1]),
    de: kernel([1], [2, 0]),
    dd: kernel([1], [1]),
    fx: depthwise(taps.fx, false),
    fy: depthwise(taps.fy, true),
    winograd: null,
  };
}

/** Phase kernel [rows, cols, I, O] from the weight taps (rows, cols) of w [O, I, 3, 3]. */
function phaseKernel(w: Float32Array, O: number, I: number, rows: number[], cols: number[]): Float32Array {
  const out = new Float32Array(rows.length * cols.length * I * O);
  for (let a = 0; a < rows.length; a++)
    for (let b = 0; b < cols.length; b++)
      for (let i = 0; i < I; i++)
        for (let o = 0; o < O; o++)
          out[((a * cols.length + b) * I + i) * O + o] = w[((o * I + i) * 3 + rows[a]) * 3 + cols[b]];
  return out;
}

/** The F(2, 2) weights of a prepared conv0 (from its direct kernels, in float64, rounded once). */
function winogradOf(k: UpConvWeight): UpConvWinograd {
  if (k.winograd) return k.winograd;
  const I = k.inChannels;
  const O = k.outChannels;
  const plane = I * O;
  const ee = k.ee.dataSync();
  const ed = k.ed.dataSync();
  const de = k.de.dataSync();
  // U = Σ_taps coefficient · kernel tap plane, for the tap coefficients of one transform position.
  const combine = (src: ArrayLike<number>, coef: number[]) => {
    const acc = new Float64Array(plane);
    coef.forEach((c, t) => {
      if (c === 0) return;
      for (let e = 0; e < plane; e++) acc[e] += c * src[t * plane + e];
    });
    return tf.keep(tf.tensor2d(Float32Array.from(acc), [I, O]));
  };
  const G = F22_G;
  const taps = (row: readonly number[]) =>
    tf.keep(
      tf.tensor4d(
        Float32Array.from({ length: 3 * I }, (_, e) => row[Math.floor(e / I)]),
        [3, 1, I, 1],
      ),
    );
  const rows = F22_BT.map(taps);
  const cols = rows.map((r) => tf.keep(tf.reshape(r, [1, 3, I, 1])) as tf.Tensor4D);
  k.winograd = {
    ee: [0, 1, 2].flatMap((i) =>
      [0, 1, 2].map((j) =>
        combine(ee, [G[i][0] * G[j][0], G[i][0] * G[j][1], G[i][1] * G[j][0], G[i][1] * G[j][1]]),
      ),
    ),
    ed: [0, 1, 2].map((i) => combine(ed, [G[i][0], G[i][1]])),
    de: [0, 1, 2].map((j) => combine(de, [G[j][0], G[j][1]])),
    rows,
    cols,
  };
  return k.winograd;
}

/** Free every tensor of a prepared conv0. */
export function disposeUpConv(k: UpConvWeight): void {
  tf.dispose([k.ee, k.ed, k.de, k.dd, k.fx, k.fy]);
  if (k.winograd) {
    const w = k.winograd;
    tf.dispose([...w.ee, ...w.ed, ...w.de, ...w.rows, ...w.cols]);
    k.winograd = null;
  }
}

/**
 * The 'auto' rule for the F(2, 2) form on wasm: at least 10⁸ multiply–accumulates (9·H·W·C_in·C_out)
 * and C_out ≥ 256. Why: the products get 1.44× fewer, but the input transforms are strided
 * depthwise convs, which XNNPACK runs about 10× slower per multiply–accumulate than its GEMM, and
 * they cost about 11 multiply–accumulates per input value against 1.75·C_out saved — a win only
 * for wide outputs. Measured per conv0 of config A (CPU time, min of 9, on the busy 2-core
 * machine): 16² × 512 → 512 70 → 58 ms, 32² × 512 → 256 121 → 98 ms, 8² × 512 → 512 22 → 21 ms,
 * but 64² × 256 → 128 113 → 117 ms, 128² × 128 → 64 124 → 131 ms and 4² × 512 → 512 8.6 → 11.6 ms
 * (the fixed cost of its ≈ 90 small ops).
 */
export function upConvWinogradPays(h: number, w: number, cin: number, cout: number): boolean {
  return cout >= 256 && 9 * h * w * cin * cout >= 1e8;
}

type Pad4 = [[number, number], [number, number], [number, number], [number, number]];
const pad = (y0: number, y1: number, x0: number, x1: number): Pad4 => [
  [0, 0],
  [y0, y1],
  [x0, x1],
  [0, 0],
];

/**
 * conv0 on NHWC x [N, H, W, C_in] (already modulated) → [N, 2H, 2W, C_out]; `winograd` chooses
 * the form of the phase correlations (see the module comment; the same result up to rounding).
 */
export function upConv(x: tf.Tensor4D, k: UpConvWeight, winograd: boolean): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w] = x.shape;
    const O = k.outChannels;
    // The four phases, each (H + 1) × (W + 1) (the odd phases have one sample less: zero).
    let ee: tf.Tensor4D, ed: tf.Tensor4D, de: tf.Tensor4D;
    if (winograd) [ee, ed, de] = winogradPhases(x, winogradOf(k), O).map((t) => crop(t, h + 1, w + 1));
    else {
      ee = tf.conv2d(x, k.ee, 1, pad(1, 1, 1, 1));
      ed = tf.conv2d(x, k.ed, 1, pad(1, 1, 0, 1));
      de = tf.conv2d(x, k.de, 1, pad(0, 1, 1, 1));
    }
    const dd = tf.conv2d(x, k.dd, 1, pad(0, 1, 0, 1));
    const rowE = tf.reshape(tf.stack([ee, ed], 3), [n, h + 1, 2 * (w + 1), O]);
    const rowD = tf.reshape(tf.stack([de, dd], 3), [n, h + 1, 2 * (w + 1), O]);
    const t = tf.reshape(tf.stack([rowE, rowD], 2), [n, 2 * h + 2, 2 * w + 2, O]) as tf.Tensor4D;
    // O[Y] = Σ_t T[Y − 1 + t]·F[3 − t]: one zero row/column in front, then the 4-tap passes.
    const tp = tf.pad(t, pad(1, 0, 1, 0));
    return tf.depthwiseConv2d(tf.depthwiseConv2d(tp, k.fx, 1, 'valid'), k.fy, 1, 'valid') as tf.Tensor4D;
  });
}

/**
 * The first `rows` × `cols` pixels of t, sliced as [N, rows, columns·C]: the wasm slice then copies
 * whole runs of a row per call (a 4-D slice copies pixel by pixel).
 */
function crop(t: tf.Tensor4D, rows: number, cols: number): tf.Tensor4D {
  const [n, h, w, c] = t.shape;
  const flat = tf.reshape(t, [n, h, w * c]);
  return tf.reshape(tf.slice(flat, [0, 0, 0], [n, rows, cols * c]), [n, rows, cols, c]) as tf.Tensor4D;
}

/**
 * The ee, ed and de phases by F(2, 2) on their 2-tap axes, whole tiles: ee [N, H + 2, W + 2, C_out],
 * ed [N, H + 2, W + 1, C_out], de [N, H + 1, W + 2, C_out] (one row / column past the phase, which
 * the caller crops): tiles of
 * 2 outputs start at every even output index; tile t of a 2-tap axis reads the inputs 2t − 1 …
 * 2t + 1 (the phase's one sample of padding in front), a 1-tap axis reads input t as is.
 */
function winogradPhases(
  x: tf.Tensor4D,
  u: UpConvWinograd,
  O: number,
): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
  const [n, h, w, c] = x.shape;
  const th = h / 2 + 1;
  const tw = w / 2 + 1;
  if (!Number.isInteger(th) || !Number.isInteger(tw))
    throw new RangeError(`the Winograd conv0 needs an even input size, got ${h}×${w}`);
  // Rows of Bᵀ along H (stride 2; inputs −1 … h + 1 of which h … h + 1 are zero padding).
  const rowT = (i: number, colsAfter: number) =>
    tf.depthwiseConv2d(x, u.rows[i], [2, 1], pad(1, 2, 0, colsAfter));
  const colT = (t: tf.Tensor4D, j: number, rowsAfter: number) =>
    tf.depthwiseConv2d(t, u.cols[j], [1, 2], pad(0, rowsAfter, 1, 2));
  const mm = (v: tf.Tensor4D, U: tf.Tensor2D) => {
    const [a, b, d] = v.shape;
    return tf.matMul(tf.reshape(v, [a * b * d, c]) as tf.Tensor2D, U);
  };
  // y₀ = m₀ + m₁, y₁ = m₁ + m₂ (Aᵀ), then the two outputs interleaved along `axis` of `shape`.
  const outT = (m: tf.Tensor[]) => [tf.add(m[0], m[1]), tf.add(m[1], m[2])];
  const rowsOut = (y: tf.Tensor[], cols: number) =>
    tf.reshape(
      tf.concat(
        y.map((t) => tf.reshape(t, [n * th, 1, cols * O])),
        1,
      ),
      [n, 2 * th, cols, O],
    ) as tf.Tensor4D;
  const colsOut = (y: tf.Tensor[], rows: number) =>
    tf.reshape(
      tf.concat(
        y.map((t) => tf.reshape(t, [n * rows * tw, 1, O])),
        1,
      ),
      [n, rows, 2 * tw, O],
    ) as tf.Tensor4D;
  // ee: rows then columns transformed, 9 products, Aᵀ along columns then rows, 2×2 interleave.
  const z: tf.Tensor[][] = [0, 1, 2].map((i) => {
    const r = rowT(i, 0);
    const m = [0, 1, 2].map((j) => {
      const v = colT(r, j, 0);
      const p = mm(v, u.ee[i * 3 + j]);
      v.dispose();
      return p;
    });
    r.dispose();
    const y = outT(m); // the two columns of each tile, [tiles, O]
    tf.dispose(m);
    return y;
  });
  const eeCols = [0, 1].map((col) => outT(z.map((zi) => zi[col]))); // eeCols[col][row]
  tf.dispose(z.flat());
  const eeRows = [0, 1].map((row) => colsOut([eeCols[0][row], eeCols[1][row]], th)); // [n, th, 2tw, O]
  const ee = rowsOut(
    eeRows.map((t) => tf.reshape(t, [n * th, 2 * tw * O])),
    2 * tw,
  );
  // ed: rows transformed (2 taps), one column tap: columns 0 … W as they are (W: zero padding).
  const ed = rowsOut(outT([0, 1, 2].map((i) => mm(rowT(i, 1), u.ed[i]))), w + 1);
  // de: columns transformed, one row tap: rows 0 … H as they are (H: zero padding).
  const de = colsOut(
    outT(
      [0, 1, 2].map((j) => {
        const v = tf.depthwiseConv2d(x, u.cols[j], [1, 2], pad(0, 1, 1, 2));
        return mm(v, u.de[j]);
      }),
    ),
    h + 1,
  );
  return [ee, ed, de];
}
