/**
 * Winograd minimal filtering for the 3×3, stride-1 cross-correlation of the modulated convolution
 * (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", CVPR 2016), built from
 * TensorFlow.js ops only so it runs on every backend (it pays off on wasm, where a 2-D `matMul`
 * is faster per FLOP than `conv2d` and the multiplications drop by 2.25× or 4×).
 *
 * 1-D F(m, 3): m outputs y_k = Σ_{r=0..2} g_r · d_{k+r} of a length-α = m+2 input tile d from
 *
 *     y = Aᵀ [ (G g) ⊙ (Bᵀ d) ]                 (α products instead of 3m)
 *
 * and in 2-D, nesting the 1-D algorithm along rows and columns, for an α×α input tile d and the
 * 3×3 filter g (per input/output channel pair):
 *
 *     Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A           (α² products per m×m outputs instead of 9m²)
 *
 * Over channels the ⊙ becomes, for each of the α² transform positions (i, j), one matrix product
 * M_ij = V_ij · U_ij with V_ij = (Bᵀ d B)_ij as [tiles, C_in] and U_ij = (G g Gᵀ)_ij as
 * [C_in, C_out] — α² plain 2-D `tf.matMul`s.
 *
 * F(2, 3) (interpolation points 0, 1, −1, ∞; exact in float32 up to rounding of the ± sums):
 *
 *     Bᵀ = [1  0 −1  0]     G = [ 1    0    0 ]     Aᵀ = [1 1  1  0]
 *          [0  1  1  0]         [1/2  1/2  1/2]          [0 1 −1 −1]
 *          [0 −1  1  0]         [1/2 −1/2  1/2]
 *          [0  1  0 −1]         [ 0    0    1 ]
 *
 * F(4, 3) (points 0, 1, −1, 2, −2, ∞):
 *
 *     Bᵀ = [4  0 −5  0  1  0]     G = [ 1/4     0     0 ]     Aᵀ = [1 1  1 1  1 0]
 *          [0 −4 −4  1  1  0]         [−1/6  −1/6  −1/6 ]          [0 1 −1 2 −2 0]
 *          [0  4 −4 −1  1  0]         [−1/6   1/6  −1/6 ]          [0 1  1 4  4 0]
 *          [0 −2 −1  2  1  0]         [1/24  1/12   1/6 ]          [0 1 −1 8 −8 1]
 *          [0  2 −1 −2  1  0]         [1/24 −1/12   1/6 ]
 *          [0  4  0 −5  0  1]         [ 0      0      1 ]
 *
 * Tiling (NHWC, pixels): the output [N, H_o, W_o] with H_o = H + 2p − 2 is covered by
 * t_h × t_w tiles of m×m pixels (t_h = ⌈H_o/m⌉); tile (ty, tx) reads zero-padded input rows
 * m·ty … m·ty + α − 1 and columns m·tx … m·tx + α − 1. The batch is folded into the tile axis
 * (tiles = N·t_h·t_w, each transform plane a 2-D [tiles, C] tensor).
 *
 * Passes (why each is the op it is — on wasm every op is at least one memory pass, and `tf.slice`
 * copies its whole source through JavaScript on every call, so slicing α phases out of a plane
 * costs α full copies):
 *   1. Bᵀ along rows: α `tf.depthwiseConv2d`s with stride (m, 1), one per row of Bᵀ, the same taps
 *      for every channel; the explicit zero padding of the conv supplies the conv padding p and the
 *      rows the last tile needs. Output [N, t_h, W, C] each.
 *   2. Bᵀ along columns: α² depthwise convs with stride (1, m) → V_ij [N, t_h, t_w, C] = [tiles, C].
 *      (Rows of Bᵀ are given as short tap runs — start offset, dilation — of 3 or 4 taps, the sizes
 *      XNNPACK's depthwise kernels run fast; 5–8 taps measured 10–40× slower.)
 *   3. M_ij = V_ij · U_ij: α² 2-D matMuls [tiles, C_in] × [C_in, C_out] (XNNPACK GEMM).
 *   4. Aᵀ along columns, then rows: adds/subs/scalar muls on [tiles, C_out] planes, shared
 *      sub-expressions (F(4,3): 13 ops per 1-D transform).
 *   5. Interleave the m×m pixels of each tile with two concats (the wasm concat copies views, no
 *      source copy) and crop to H_o × W_o when m does not divide it.
 *
 * Measured (2-core CPU, wasm, T-256 L8 148² × 256 → 256, padding 2): direct `tf.conv2d` ≈ 1.1 s,
 * F(4,3) ≈ 0.4 s (matMuls 0.3 s), F(2,3) ≈ 0.53 s. Float32 error (max|Δ|/max|y|): F(2,3) ≈ 3e−7
 * (as direct) for C ≤ 48 and ≈ 2e−6 at C = 256; F(4,3), whose transform constants are larger,
 * ≈ 4e−6 for C ≤ 48 and ≈ 1.5e−5 at C = 256 (Gaussian data, vs float64 / vs tf.conv2d).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Output tile size m of F(m×m, 3×3). */
export type WinogradTile = 2 | 4;

/** Bᵀ of F(m, 3) as rows (α × α), for documentation, the weight transform checks and tests. */
export const WINOGRAD_BT: Readonly<Record<WinogradTile, readonly (readonly number[])[]>> = {
  2: [
    [1, 0, -1, 0],
    [0, 1, 1, 0],
    [0, -1, 1, 0],
    [0, 1, 0, -1],
  ],
  4: [
    [4, 0, -5, 0, 1, 0],
    [0, -4, -4, 1, 1, 0],
    [0, 4, -4, -1, 1, 0],
    [0, -2, -1, 2, 1, 0],
    [0, 2, -1, -2, 1, 0],
    [0, 4, 0, -5, 0, 1],
  ],
};

/** G of F(m, 3) (α × 3): the filter transform. */
export const WINOGRAD_G: Readonly<Record<WinogradTile, readonly (readonly number[])[]>> = {
  2: [
    [1, 0, 0],
    [1 / 2, 1 / 2, 1 / 2],
    [1 / 2, -1 / 2, 1 / 2],
    [0, 0, 1],
  ],
  4: [
    [1 / 4, 0, 0],
    [-1 / 6, -1 / 6, -1 / 6],
    [-1 / 6, 1 / 6, -1 / 6],
    [1 / 24, 1 / 12, 1 / 6],
    [1 / 24, -1 / 12, 1 / 6],
    [0, 0, 1],
  ],
};

/** Aᵀ of F(m, 3) (m × α): the output transform. */
export const WINOGRAD_AT: Readonly<Record<WinogradTile, readonly (readonly number[])[]>> = {
  2: [
    [1, 1, 1, 0],
    [0, 1, -1, -1],
  ],
  4: [
    [1, 1, 1, 1, 1, 0],
    [0, 1, -1, 2, -2, 0],
    [0, 1, 1, 4, 4, 0],
    [0, 1, -1, 8, -8, 1],
  ],
};

/**
 * One row of Bᵀ as a depthwise-conv kernel: the non-zero run of taps starting at `offset`, with
 * `dilation` (every `dilation`-th input), so the input transform of a whole plane is one
 * `tf.depthwiseConv2d` with stride m — slicing out phases would copy the source once per slice on
 * wasm, while the depthwise conv reads it in place. Tap counts 3, 4 and 9 are the ones XNNPACK
 * runs fast (measured: 5, 6 or 8 taps are 10–40× slower), hence the compact forms below.
 */
export interface TapRun {
  taps: number[];
  offset: number;
  dilation: number;
}

/** Compact runs of Bᵀ rows (valid when the conv padding p ≥ 1, so a start offset of 1 fits). */
const COMPACT_RUNS: Record<WinogradTile, TapRun[]> = {
  2: WINOGRAD_BT[2].map((row) => ({ taps: [...row], offset: 0, dilation: 1 })),
  4: [
    { taps: [4, -5, 1], offset: 0, dilation: 2 },
    { taps: [-4, -4, 1, 1], offset: 1, dilation: 1 },
    { taps: [4, -4, -1, 1], offset: 1, dilation: 1 },
    { taps: [-2, -1, 2, 1], offset: 1, dilation: 1 },
    { taps: [2, -1, -2, 1], offset: 1, dilation: 1 },
    { taps: [4, -5, 1], offset: 1, dilation: 2 },
  ],
};

/** Runs for any padding: the full row from offset 0 (F(4,3): zero-extended to 9 taps). */
const GENERIC_RUNS: Record<WinogradTile, TapRun[]> = {
  2: COMPACT_RUNS[2],
  4: WINOGRAD_BT[4].map((row) => ({ taps: [...row, 0, 0, 0], offset: 0, dilation: 1 })),
};

function checkRuns(): void {
  // Each run must reproduce its Bᵀ row exactly (guards the hand-written compact forms).
  for (const m of [2, 4] as const) {
    for (const runs of [COMPACT_RUNS[m], GENERIC_RUNS[m]]) {
      runs.forEach((r, i) => {
        const row = new Array<number>(m + 2).fill(0);
        r.taps.forEach((t, k) => {
          const at = r.offset + k * r.dilation;
          if (at < m + 2) row[at] += t;
          else if (t !== 0) throw new Error(`winograd: tap run ${i} of F(${m},3) exceeds the tile`);
        });
        if (row.some((v, k) => v !== WINOGRAD_BT[m][i][k])) {
          throw new Error(`winograd: tap run ${i} of F(${m},3) does not match Bᵀ`);
        }
      });
    }
  }
}
checkRuns();

/** Depthwise kernels of the runs for C channels: rows [span, 1, C, 1] and columns [1, span, C, 1]. */
export interface RunKernels {
  runs: TapRun[];
  rows: tf.Tensor4D[];
  cols: tf.Tensor4D[];
}

function runKernels(runs: TapRun[], c: number): RunKernels {
  const make = (r: TapRun, vertical: boolean): tf.Tensor4D => {
    const k = r.taps.length;
    const data = new Float32Array(k * c);
    for (let t = 0; t < k; t++) data.fill(r.taps[t], t * c, (t + 1) * c);
    return tf.keep(tf.tensor4d(data, vertical ? [k, 1, c, 1] : [1, k, c, 1]));
  };
  return { runs, rows: runs.map((r) => make(r, true)), cols: runs.map((r) => make(r, false)) };
}

/** Filters of a 3×3 conv transformed for F(m×m, 3×3): α² matrices U_ij = (G g Gᵀ)_ij [C_in, C_out]. */
export interface WinogradWeight {
  /** Output tile size m. */
  m: WinogradTile;
  /** U_ij at index i·α + j, each [C_in, C_out]. */
  planes: tf.Tensor2D[];
  inChannels: number;
  outChannels: number;
  /** Depthwise kernels of the input transform Bᵀ (compact: padding ≥ 1; generic: any padding). */
  compact: RunKernels;
  generic: RunKernels;
  /** Every tensor above, once (what `disposeWinogradWeight` frees). */
  tensors: tf.Tensor[];
}

function checkTile(m: number): asserts m is WinogradTile {
  if (m !== 2 && m !== 4) throw new RangeError(`m (Winograd output tile) must be 2 or 4, got ${m}`);
}

/**
 * Transform 3×3 filters `hwio` [3, 3, C_in, C_out] (tfjs conv2d layout) once into the α² matrices
 * U_ij = Σ_{a,b} G[i,a]·G[j,b]·g[a,b] of F(m×m, 3×3). Computed in float64 on the host and rounded
 * once to float32. The tensors are `tf.keep`-ed (safe to call inside `tf.tidy`); the caller owns
 * them (`disposeWinogradWeight`).
 */
export function prepareWinogradWeight(hwio: tf.Tensor4D, m: WinogradTile = 4): WinogradWeight {
  checkTile(m);
  if (hwio.rank !== 4 || hwio.shape[0] !== 3 || hwio.shape[1] !== 3) {
    throw new RangeError(`hwio must be [3, 3, C_in, C_out], got [${hwio.shape.join(', ')}]`);
  }
  const [, , cin, cout] = hwio.shape;
  const g = hwio.dataSync();
  const G = WINOGRAD_G[m];
  const alpha = m + 2;
  const plane = cin * cout;
  const planes: tf.Tensor2D[] = [];
  const acc = new Float64Array(plane);
  for (let i = 0; i < alpha; i++) {
    for (let j = 0; j < alpha; j++) {
      acc.fill(0);
      for (let a = 0; a < 3; a++) {
        for (let b = 0; b < 3; b++) {
          const c = G[i][a] * G[j][b];
          if (c === 0) continue;
          const off = (a * 3 + b) * plane;
          for (let k = 0; k < plane; k++) acc[k] += c * g[off + k];
        }
      }
      planes.push(tf.keep(tf.tensor2d(Float32Array.from(acc), [cin, cout])));
    }
  }
  const compact = runKernels(COMPACT_RUNS[m], cin);
  const generic = m === 2 ? compact : runKernels(GENERIC_RUNS[m], cin);
  const tensors: tf.Tensor[] = [...planes, ...compact.rows, ...compact.cols];
  if (generic !== compact) tensors.push(...generic.rows, ...generic.cols);
  return { m, planes, inChannels: cin, outChannels: cout, compact, generic, tensors };
}

/** Free the tensors of a prepared Winograd weight. */
export function disposeWinogradWeight(w: WinogradWeight): void {
  tf.dispose(w.tensors);
}

// ---- 1-D output transform on lists of equally shaped planes (shared sub-expressions; one pass per op)

/** y = Aᵀ M along one axis: α planes → m planes. */
function outputTransform(m: WinogradTile, p: tf.Tensor[]): tf.Tensor[] {
  if (m === 2) {
    const [m0, m1, m2, m3] = p;
    return [tf.addN([m0, m1, m2]), tf.sub(tf.sub(m1, m2), m3)];
  }
  const [m0, m1, m2, m3, m4, m5] = p;
  const a = tf.add(m1, m2);
  const b = tf.sub(m1, m2);
  const c = tf.add(m3, m4);
  const e = tf.sub(m3, m4);
  return [
    tf.addN([m0, a, c]),
    tf.add(b, tf.mul(e, 2)),
    tf.add(a, tf.mul(c, 4)),
    tf.addN([b, tf.mul(e, 8), m5]),
  ];
}

/**
 * 3×3 stride-1 cross-correlation y[n,y,x,o] = Σ_{i,a,b} x_pad[n, y+a, x+b, i] · g[a,b,i,o] with
 * zero padding `padding` (pixels, each side) via Winograd F(m×m, 3×3) — the same result as
 * `tf.conv2d(x, hwio, 1, [[0,0],[p,p],[p,p],[0,0]])` up to float32 rounding.
 * x NHWC [N, H, W, C_in] → [N, H + 2p − 2, W + 2p − 2, C_out].
 */
export function winogradConv3x3NHWC(x: tf.Tensor4D, w: WinogradWeight, padding: number): tf.Tensor4D {
  if (!Number.isInteger(padding) || padding < 0) {
    throw new RangeError(`padding must be an integer >= 0, got ${padding}`);
  }
  if (x.rank !== 4) throw new RangeError(`x must be rank-4 NHWC, got rank ${x.rank}`);
  const [n, h, wd, c] = x.shape;
  if (c !== w.inChannels) throw new RangeError(`x must have ${w.inChannels} channels, got ${c}`);
  const ho = h + 2 * padding - 2;
  const wo = wd + 2 * padding - 2;
  if (ho < 1 || wo < 1) {
    throw new RangeError(`x spatial size ${h}×${wd} with padding ${padding} is too small for a 3×3 conv`);
  }
  const m = w.m;
  const alpha = m + 2;
  const th = Math.ceil(ho / m);
  const tw = Math.ceil(wo / m);
  const cout = w.outChannels;
  const tiles = n * th * tw;

  // Input transform V_ij = Bᵀ d B: rows (stride m) then columns (stride m) as depthwise convs whose
  // explicit zero padding is the conv padding (minus the run's start offset) plus what the last
  // tile needs; each output is one transform plane.
  const k = padding >= 1 ? w.compact : w.generic;
  const along = (size: number, tilesN: number, r: TapRun): [number, number] => {
    const before = padding - r.offset;
    const span = (r.taps.length - 1) * r.dilation + 1;
    const after = m * (tilesN - 1) + span - size - before;
    if (before < 0 || after < 0) throw new Error('winograd: internal padding error');
    return [before, after];
  };
  // Z[i][x]: row-transform index i, output column x within the tile, each [tiles, C_out]. One row
  // plane at a time, each temporary freed as soon as it is used (the peak stays ≈ one row plane +
  // the Z planes, which matters at 1024² where the wasm heap is near its 4 GiB limit).
  const z: tf.Tensor[][] = [];
  const out: tf.Tensor[][] = []; // out[x][y]: pixel (y, x) of each tile, [tiles, C_out]
  const rowBlocks: tf.Tensor[] = [];
  try {
    for (let i = 0; i < alpha; i++) {
      z.push(
        tf.tidy(() => {
          const ri = tf.depthwiseConv2d(
            x,
            k.rows[i],
            [m, 1],
            [[0, 0], along(h, th, k.runs[i]), [0, 0], [0, 0]],
            'NHWC',
            [k.runs[i].dilation, 1],
          );
          const prod = k.runs.map((r, j) => {
            const v = tf.depthwiseConv2d(
              ri,
              k.cols[j],
              [1, m],
              [[0, 0], [0, 0], along(wd, tw, r), [0, 0]],
              'NHWC',
              [1, r.dilation],
            );
            const mm = tf.matMul(tf.reshape(v, [tiles, c]) as tf.Tensor2D, w.planes[i * alpha + j]);
            v.dispose();
            return mm;
          });
          ri.dispose();
          return outputTransform(m, prod);
        }),
      );
    }
    // Aᵀ along rows.
    for (let col = 0; col < m; col++) {
      out.push(
        tf.tidy(() =>
          outputTransform(
            m,
            z.map((zi) => zi[col]),
          ),
        ),
      );
      for (const zi of z) zi[col].dispose();
    }
    // Interleave: for pixel row y, concat the m column pixels → [N·th, tw, m·C_out] = one image
    // row per tile row; then concat the m rows → [N·th, m, tw·m·C_out] = [N, th·m, tw·m, C_out].
    for (let y = 0; y < m; y++) {
      rowBlocks.push(
        tf.tidy(() =>
          tf.reshape(
            tf.concat(
              out.map((o) => tf.reshape(o[y], [n * th, tw, cout])),
              2,
            ),
            [n * th, 1, tw * m * cout],
          ),
        ),
      );
      for (const o of out) o[y].dispose();
    }
    const full = tf.tidy(() => tf.reshape(tf.concat(rowBlocks, 1), [n, th * m, tw * m, cout]));
    tf.dispose(rowBlocks);
    if (th * m === ho && tw * m === wo) return full as tf.Tensor4D;
    const cropped = tf.tidy(() =>
      tf.reshape(tf.slice(tf.reshape(full, [n, th * m, tw * m * cout]), [0, 0, 0], [n, ho, wo * cout]), [
        n,
        ho,
        wo,
        cout,
      ]),
    );
    full.dispose();
    return cropped as tf.Tensor4D;
  } finally {
    // Only on errors is anything left here (disposing a disposed tensor is a no-op).
    tf.dispose([...z.flat(), ...out.flat(), ...rowBlocks]);
  }
}
