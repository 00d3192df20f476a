/**
 * 2-D upsample → pad → FIR filter → downsample on NCHW feature maps: the official StyleGAN3 op
 * `torch_utils.ops.upfirdn2d.upfirdn2d` (reference implementation, `impl='ref'`) and its helpers
 * `setup_filter`, `filter2d`, `upsample2d` and `downsample2d`.
 *
 * The official op, per image plane and per axis (x = width/columns first, then y = height/rows):
 *
 *     1. zero insertion:   xu[m] = x[m/U] if U divides m, else 0,   m = 0 … L·U − 1
 *     2. pad / crop:       xp[i] = xu[i − p0],                      i = 0 … L·U + p0 + p1 − 1
 *                          (negative p0/p1 crop; samples outside xu are 0)
 *     3. filter:           v[j]  = Σ_k g[k] · xp[j + k],            j = 0 … L·U + p0 + p1 − n
 *                          with g = f reversed (a true convolution) unless flipFilter, in which
 *                          case g = f (a correlation)
 *     4. decimation:       y[o]  = v[o·D],   o = 0 … ⌊(L·U + p0 + p1 − n)/D⌋
 *
 * and the filter is scaled by `gain^(f.ndim/2)`, so the total gain is `gain` whether `f` is a 1-D
 * separable filter (applied along x then y) or a 2-D `[fh, fw]` filter. Upsampling by `U` with a
 * unit-DC filter therefore needs `gain = U²` to keep the signal level (what `upsample2d` passes).
 *
 * Implementation: the zero-stuffed and padded buffers are never built. Composing steps 1–4,
 *
 *     y[o] = Σ_k g[k] · xu[o·D + k − p0],
 *
 * which only meets a non-zero sample when `o·D + k − p0 ≡ 0 (mod U)`. For every output index an
 * *axis plan* stores the first such tap, the input sample it meets and how many taps follow (each
 * next tap is `U` further and meets the next input sample). Only kept output samples are ever
 * computed. Separable filters run as two 1-D passes, each combining whole rows of a plane (the x
 * pass works on the transposed plane), which keeps the inner loops contiguous; 2-D filters without
 * upsampling (the radial down filters) run directly on a zero-padded copy; 2-D filters with
 * upsampling use the per-sample polyphase tables. Sums are accumulated in float64, one plane at a
 * time in reused buffers, and the result has the dtype of the input.
 */
import type { NdArray } from 'ndarray';
import { asNCHW, fromNCHW, toDense, zeros, type DType, type FloatArray } from './array.js';
import { assertAllFinite, assertFinite, assertInteger, assertOptions, show } from './validate.js';

/** A filter as accepted by the upfirdn2d family: 1-D taps (separable) or a 2-D `[fh, fw]` array. */
export type Upfirdn2dFilter =
  NdArray | ArrayLike<number> | readonly (readonly number[])[] | number | null | undefined;

/** A resampling factor: one integer for both axes or `[x, y]`. */
export type Upfirdn2dScaling = number | readonly [number, number] | readonly number[];

/** Padding in samples of the upsampled grid: `p`, `[px, py]` or `[x0, x1, y0, y1]` (negative = crop). */
export type Upfirdn2dPadding = number | readonly number[];

/** Options of {@link upfirdn2d}. */
export interface Upfirdn2dOptions {
  /** Upsampling factor, int or `[x, y]` (default 1). */
  up?: Upfirdn2dScaling;
  /** Downsampling factor, int or `[x, y]` (default 1). */
  down?: Upfirdn2dScaling;
  /** Padding/cropping on the upsampled grid, `p`, `[px, py]` or `[x0, x1, y0, y1]` (default 0). */
  padding?: Upfirdn2dPadding;
  /** `false` (default): true convolution (the filter is flipped); `true`: correlation. */
  flipFilter?: boolean;
  /** Overall signal gain (default 1), folded into the filter as `gain^(ndim/2)`. */
  gain?: number;
}

const UPFIRDN2D_KEYS: Record<keyof Upfirdn2dOptions, true> = {
  up: true,
  down: true,
  padding: true,
  flipFilter: true,
  gain: true,
};

// ---------------------------------------------------------------------------------------------
// Argument parsing (mirrors the official _parse_scaling / _parse_padding / _get_filter_size)
// ---------------------------------------------------------------------------------------------

/** Parse an up/down factor into `[x, y]` positive integers; errors name `name`. */
function parseScaling(name: string, value: unknown): [number, number] {
  if (typeof value === 'number') {
    assertInteger(name, value, 1);
    return [value, value];
  }
  if (Array.isArray(value)) {
    if (value.length !== 2) {
      throw new RangeError(`${name} must be an integer or [x, y], got an array of length ${value.length}`);
    }
    assertInteger(`${name}[0]`, value[0], 1);
    assertInteger(`${name}[1]`, value[1], 1);
    return [value[0], value[1]];
  }
  throw new TypeError(`${name} must be an integer >= 1 or [x, y], got ${show(value)}`);
}

/** Parse padding into `[x0, x1, y0, y1]` integers (may be negative); errors name `name`. */
function parsePadding(name: string, value: unknown): [number, number, number, number] {
  if (typeof value === 'number') {
    assertInteger(name, value);
    return [value, value, value, value];
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => assertInteger(`${name}[${i}]`, v));
    if (value.length === 2) return [value[0], value[0], value[1], value[1]];
    if (value.length === 4) return [value[0], value[1], value[2], value[3]];
    throw new RangeError(
      `${name} must be an integer, [x, y] or [x0, x1, y0, y1], got an array of length ${value.length}`,
    );
  }
  throw new TypeError(`${name} must be an integer or an array of 2 or 4 integers, got ${show(value)}`);
}

/** A filter read into float64: `shape` is `[n]` (separable) or `[fh, fw]`. */
export interface UpfirdnFilterData {
  data: Float64Array;
  shape: [number] | [number, number];
}

function isNdArray(v: unknown): v is NdArray {
  return (
    typeof v === 'object' &&
    v !== null &&
    Array.isArray((v as NdArray).shape) &&
    Array.isArray((v as NdArray).stride) &&
    (v as NdArray).data !== undefined
  );
}

/**
 * Read a filter argument: `null`/`undefined` → `null` (identity), a number → one tap, an ndarray of
 * rank 1 or 2, a `number[][]` (2-D) or any array of numbers (1-D). Checks non-empty and finite.
 */
function readFilter(name: string, f: Upfirdn2dFilter): UpfirdnFilterData | null {
  if (f === null || f === undefined) return null;
  let out: UpfirdnFilterData;
  if (typeof f === 'number') {
    out = { data: Float64Array.of(f), shape: [1] };
  } else if (isNdArray(f)) {
    const rank = f.shape.length;
    if (rank !== 1 && rank !== 2) {
      throw new RangeError(`${name} must be 1-D (separable) or 2-D [fh, fw], got shape [${f.shape}]`);
    }
    const dense = toDense(f);
    out = {
      data: Float64Array.from(dense.data as ArrayLike<number>),
      shape: rank === 1 ? [f.shape[0]] : [f.shape[0], f.shape[1]],
    };
  } else if (Array.isArray(f) && f.length > 0 && Array.isArray(f[0])) {
    const rows = f as readonly (readonly number[])[];
    const fw = rows[0].length;
    rows.forEach((r, i) => {
      if (!Array.isArray(r) || r.length !== fw) {
        throw new RangeError(`${name} rows must all have length ${fw}; row ${i} differs`);
      }
    });
    out = { data: Float64Array.from(rows.flat()), shape: [rows.length, fw] };
  } else if (typeof (f as ArrayLike<number>).length === 'number') {
    const a = f as ArrayLike<number>;
    out = { data: Float64Array.from(a), shape: [a.length] };
  } else {
    throw new TypeError(`${name} must be null, a number, an array of taps or an ndarray, got ${show(f)}`);
  }
  if (out.data.length === 0)
    throw new RangeError(`${name} must have at least one tap, got shape [${out.shape}]`);
  assertAllFinite(name, out.data);
  return out;
}

/** `[fw, fh]` of a filter as the official `_get_filter_size`: 1 × 1 for none, n × n for 1-D. */
function filterSize(f: UpfirdnFilterData | null): [number, number] {
  if (f === null) return [1, 1];
  return f.shape.length === 1 ? [f.shape[0], f.shape[0]] : [f.shape[1], f.shape[0]];
}

// ---------------------------------------------------------------------------------------------
// Polyphase engine
// ---------------------------------------------------------------------------------------------

/**
 * Precomputed index tables for one axis of upfirdn (see the module comment): output `o` is
 * `Σ_{i<count[o]} g[kStart[o] + i·up] · x[xStart[o] + i]`.
 * @internal
 */
export interface UpfirdnAxisPlan {
  inLen: number;
  outLen: number;
  up: number;
  kStart: Int32Array;
  xStart: Int32Array;
  count: Int32Array;
}

/**
 * Plan one axis: input length `inLen`, factors `up`/`down`, padding `pad0`/`pad1` on the upsampled
 * grid and `taps` filter taps. Throws when the padded upsampled axis is shorter than the filter
 * (the official op asserts the same).
 * @internal
 */
function planAxis(
  axis: string,
  inLen: number,
  up: number,
  down: number,
  pad0: number,
  pad1: number,
  taps: number,
): UpfirdnAxisPlan {
  const padded = inLen * up + pad0 + pad1;
  if (padded < taps) {
    throw new RangeError(
      `padding: along ${axis} the input of ${inLen} samples upsampled by ${up} and padded by [${pad0}, ${pad1}] ` +
        `has ${padded} samples, fewer than the filter's ${taps} taps`,
    );
  }
  const outLen = Math.floor((padded - taps) / down) + 1;
  const kStart = new Int32Array(outLen);
  const xStart = new Int32Array(outLen);
  const count = new Int32Array(outLen);
  const mEnd = inLen * up; // one past the last upsampled position
  for (let o = 0; o < outLen; o++) {
    const t = o * down - pad0; // upsampled position met by tap 0
    const kLo = Math.max(0, -t);
    const kHi = Math.min(taps, mEnd - t); // exclusive
    // First k ≥ kLo with (t + k) ≡ 0 (mod up).
    const k0 = kLo + (((-(t + kLo) % up) + up) % up);
    if (k0 < kHi) {
      kStart[o] = k0;
      xStart[o] = (t + k0) / up;
      count[o] = Math.floor((kHi - 1 - k0) / up) + 1;
    }
  }
  return { inLen, outLen, up, kStart, xStart, count };
}

/** `dst[c·rows + r] = src[r·cols + c]`: transpose a `rows × cols` plane. @internal */
function transpose(src: Float64Array, rows: number, cols: number, dst: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    const si = r * cols;
    for (let c = 0, d = r; c < cols; c++, d += rows) dst[d] = src[si + c];
  }
}

/**
 * Filter `src` (`plan.inLen × width`, row-major) along its first axis into `dst`
 * (`plan.outLen × width`): output row `o` is `Σ_i g[kStart + i·up] · (input row xStart + i)`.
 * Whole rows are combined, so the inner loop is contiguous; taps are applied four at a time to cut
 * the loads and stores of `dst` per multiply-add.
 * @internal
 */
function passCols(
  src: Float64Array,
  width: number,
  dst: Float64Array,
  plan: UpfirdnAxisPlan,
  g: Float64Array,
): void {
  const { outLen, up, kStart, xStart, count } = plan;
  for (let o = 0; o < outLen; o++) {
    const d = o * width;
    dst.fill(0, d, d + width);
    let k = kStart[o];
    let s = xStart[o] * width;
    let n = count[o];
    for (; n >= 4; n -= 4, k += 4 * up, s += 4 * width) {
      const w0 = g[k];
      const w1 = g[k + up];
      const w2 = g[k + 2 * up];
      const w3 = g[k + 3 * up];
      const s1 = s + width;
      const s2 = s1 + width;
      const s3 = s2 + width;
      for (let c = 0; c < width; c++) {
        dst[d + c] += w0 * src[s + c] + w1 * src[s1 + c] + w2 * src[s2 + c] + w3 * src[s3 + c];
      }
    }
    if (n === 3) {
      const w0 = g[k];
      const w1 = g[k + up];
      const w2 = g[k + 2 * up];
      const s1 = s + width;
      const s2 = s1 + width;
      for (let c = 0; c < width; c++) dst[d + c] += w0 * src[s + c] + w1 * src[s1 + c] + w2 * src[s2 + c];
    } else if (n === 2) {
      const w0 = g[k];
      const w1 = g[k + up];
      const s1 = s + width;
      for (let c = 0; c < width; c++) dst[d + c] += w0 * src[s + c] + w1 * src[s1 + c];
    } else if (n === 1) {
      const w0 = g[k];
      for (let c = 0; c < width; c++) dst[d + c] += w0 * src[s + c];
    }
  }
}

/**
 * Non-separable pass, general factors: `src` is `planY.inLen × planX.inLen`, `dst` is
 * `planY.outLen × planX.outLen`, `g` the `[fh, fw]` taps in correlation order.
 * @internal
 */
function pass2d(
  src: Float64Array,
  dst: Float64Array,
  planY: UpfirdnAxisPlan,
  planX: UpfirdnAxisPlan,
  g: Float64Array,
  fw: number,
): void {
  const inW = planX.inLen;
  const outW = planX.outLen;
  const ux = planX.up;
  const uy = planY.up;
  const { kStart: kx0, xStart: sx0, count: nx } = planX;
  for (let oy = 0; oy < planY.outLen; oy++) {
    const di = oy * outW;
    dst.fill(0, di, di + outW);
    let ky = planY.kStart[oy];
    let sy = planY.xStart[oy];
    for (let iy = 0; iy < planY.count[oy]; iy++, ky += uy, sy++) {
      const gRow = ky * fw;
      const sRow = sy * inW;
      for (let ox = 0; ox < outW; ox++) {
        let k = gRow + kx0[ox];
        let s = sRow + sx0[ox];
        const n = nx[ox];
        let acc = 0;
        for (let i = 0; i < n; i++, k += ux, s++) acc += g[k] * src[s];
        dst[di + ox] += acc;
      }
    }
  }
}

/**
 * Non-separable pass without upsampling (`up = 1` on both axes, e.g. the radial down filters):
 * `pad` is the zero-padded (or cropped) input, `padH × padW`, so every output sees all `fh × fw`
 * taps; `dst[oy, ox] = Σ g[ky, kx] · pad[oy·dy + ky, ox·dx + kx]`, four taps of a row at a time.
 * @internal
 */
function pass2dDirect(
  pad: Float64Array,
  padW: number,
  dst: Float64Array,
  outH: number,
  outW: number,
  dy: number,
  dx: number,
  g: Float64Array,
  fh: number,
  fw: number,
): void {
  for (let oy = 0; oy < outH; oy++) {
    const d = oy * outW;
    dst.fill(0, d, d + outW);
    for (let ky = 0; ky < fh; ky++) {
      const row = (oy * dy + ky) * padW;
      const gr = ky * fw;
      let kx = 0;
      for (; kx + 4 <= fw; kx += 4) {
        const w0 = g[gr + kx];
        const w1 = g[gr + kx + 1];
        const w2 = g[gr + kx + 2];
        const w3 = g[gr + kx + 3];
        for (let ox = 0, s = row + kx; ox < outW; ox++, s += dx) {
          dst[d + ox] += w0 * pad[s] + w1 * pad[s + 1] + w2 * pad[s + 2] + w3 * pad[s + 3];
        }
      }
      for (; kx < fw; kx++) {
        const w0 = g[gr + kx];
        for (let ox = 0, s = row + kx; ox < outW; ox++, s += dx) dst[d + ox] += w0 * pad[s];
      }
    }
  }
}

/**
 * A filter prepared for the engine: taps in correlation order with the gain folded in.
 * Separable: `gx` (carrying the whole gain) and `gy`; 2-D: `g2` with `fw`, `fh`.
 * @internal
 */
export interface UpfirdnPreparedFilter {
  separable: boolean;
  fw: number;
  fh: number;
  gx: Float64Array;
  gy: Float64Array;
  g2: Float64Array;
}

/** Reverse (or keep) taps and fold `gain` in. @internal */
function prepareFilter(
  f: UpfirdnFilterData | null,
  flipFilter: boolean,
  gain: number,
): UpfirdnPreparedFilter {
  if (f === null) {
    const one = Float64Array.of(gain);
    return { separable: true, fw: 1, fh: 1, gx: one, gy: Float64Array.of(1), g2: one };
  }
  const n = f.data.length;
  const g = new Float64Array(n);
  // The official op flips the filter unless flipFilter, then correlates: i.e. a true convolution.
  // Reversing a row-major [fh, fw] array end to end flips both axes at once.
  for (let i = 0; i < n; i++) g[i] = flipFilter ? f.data[i] : f.data[n - 1 - i];
  if (f.shape.length === 1) {
    const gx = g.map((v) => v * gain);
    return { separable: true, fw: n, fh: n, gx, gy: g, g2: g };
  }
  for (let i = 0; i < n; i++) g[i] *= gain;
  return { separable: false, fw: f.shape[1], fh: f.shape[0], gx: g, gy: g, g2: g };
}

/**
 * Resamples image planes (float64, row-major) with fixed geometry and filter, owning the scratch
 * buffers so that a loop over planes allocates nothing.
 *
 * Separable filters: x pass then y pass (the official order). Each pass runs along the first axis
 * of a plane ({@link passCols}), so the x pass works on the transposed plane:
 * `H×W →ᵀ W×H →(x) outW×H →ᵀ H×outW →(y) outH×outW`; the transposes cost O(pixels), the passes
 * O(pixels·taps/up). 2-D filters: {@link pass2dDirect} on a padded copy when there is no
 * upsampling, else the general polyphase {@link pass2d}.
 * @internal
 */
class PlaneResampler {
  readonly inH: number;
  readonly inW: number;
  readonly outH: number;
  readonly outW: number;
  private readonly t1: Float64Array;
  private readonly t2: Float64Array;
  private readonly t3: Float64Array;
  private readonly direct: boolean;

  constructor(
    readonly planY: UpfirdnAxisPlan,
    readonly planX: UpfirdnAxisPlan,
    readonly flt: UpfirdnPreparedFilter,
    readonly pad: [number, number, number, number] = [0, 0, 0, 0],
    readonly down: [number, number] = [1, 1],
  ) {
    this.inH = planY.inLen;
    this.inW = planX.inLen;
    this.outH = planY.outLen;
    this.outW = planX.outLen;
    this.direct = !flt.separable && planX.up === 1 && planY.up === 1;
    if (flt.separable) {
      this.t1 = new Float64Array(this.inW * this.inH);
      this.t2 = new Float64Array(this.outW * this.inH);
      this.t3 = new Float64Array(this.inH * this.outW);
    } else if (this.direct) {
      const padH = this.inH + pad[2] + pad[3];
      const padW = this.inW + pad[0] + pad[1];
      this.t1 = new Float64Array(padH * padW);
      this.t2 = this.t3 = this.t1;
    } else {
      this.t1 = this.t2 = this.t3 = new Float64Array(0);
    }
  }

  /** Resample `src` (`inH × inW`) into `dst` (`outH × outW`). */
  run(src: Float64Array, dst: Float64Array): void {
    const { inH, inW, outH, outW, flt } = this;
    if (flt.separable) {
      transpose(src, inH, inW, this.t1);
      passCols(this.t1, inH, this.t2, this.planX, flt.gx);
      transpose(this.t2, outW, inH, this.t3);
      passCols(this.t3, outW, dst, this.planY, flt.gy);
    } else if (this.direct) {
      // Zero-pad (or crop, for negative padding) into t1, then every output uses every tap.
      const [x0, x1, y0, y1] = this.pad;
      const padW = inW + x0 + x1;
      const padH = inH + y0 + y1;
      const p = this.t1;
      for (let i = 0; i < padH; i++) {
        const r = i - y0;
        const row = i * padW;
        if (r < 0 || r >= inH) {
          p.fill(0, row, row + padW);
          continue;
        }
        for (let j = 0; j < padW; j++) {
          const c = j - x0;
          p[row + j] = c >= 0 && c < inW ? src[r * inW + c] : 0;
        }
      }
      pass2dDirect(p, padW, dst, outH, outW, this.down[1], this.down[0], flt.g2, flt.fh, flt.fw);
    } else {
      pass2d(src, dst, this.planY, this.planX, flt.g2, flt.fw);
    }
  }
}

function dtypeOf(a: FloatArray): DType {
  return a instanceof Float32Array ? 'float32' : 'float64';
}

/**
 * `upfirdn2d(x, f, {up, down, padding, flipFilter, gain})`: the official
 * `torch_utils.ops.upfirdn2d.upfirdn2d` (ref semantics; see the module comment for the formula).
 *
 * Output size per axis: `⌊(L·up + p0 + p1 − n) / down⌋ + 1` samples (pixels), with `n` the filter
 * length along that axis (`fw` for x, `fh` for y; 1 when `f` is null).
 *
 * @param x feature maps `[N, C, H, W]` (or `[C, H, W]`, `[H, W]`; the result has the same rank),
 *   float32 or float64 (the result has the same dtype).
 * @param f 1-D taps (separable: along x, then y), 2-D `[fh, fw]` taps, or null for no filter.
 */
export function upfirdn2d(x: NdArray, f: Upfirdn2dFilter, opts: Upfirdn2dOptions = {}): NdArray<FloatArray> {
  assertOptions('opts', opts, UPFIRDN2D_KEYS);
  const { x: x4, rank } = asNCHW('x', x);
  const [upx, upy] = parseScaling('up', opts.up ?? 1);
  const [downx, downy] = parseScaling('down', opts.down ?? 1);
  const [px0, px1, py0, py1] = parsePadding('padding', opts.padding ?? 0);
  const gain = opts.gain ?? 1;
  assertFinite('gain', gain);
  const flip = opts.flipFilter ?? false;
  if (typeof flip !== 'boolean') throw new TypeError(`flipFilter must be a boolean, got ${show(flip)}`);
  const fd = readFilter('f', f);
  const [fw, fh] = filterSize(fd);
  assertAllFinite('x', x4.data);

  const [nb, nc, inH, inW] = x4.shape;
  const planX = planAxis('x (width)', inW, upx, downx, px0, px1, fw);
  const planY = planAxis('y (height)', inH, upy, downy, py0, py1, fh);
  const flt = prepareFilter(fd, flip, gain);

  const outH = planY.outLen;
  const outW = planX.outLen;
  const out = zeros([nb, nc, outH, outW], dtypeOf(x4.data));
  const resampler = new PlaneResampler(planY, planX, flt, [px0, px1, py0, py1], [downx, downy]);
  const src = new Float64Array(inH * inW);
  const dst = new Float64Array(outH * outW);
  const planes = nb * nc;
  for (let p = 0; p < planes; p++) {
    const xi = p * inH * inW;
    for (let i = 0; i < src.length; i++) src[i] = x4.data[xi + i];
    resampler.run(src, dst);
    out.data.set(dst, p * outH * outW);
  }
  return fromNCHW(out, rank);
}

/** Options of {@link setupFilter}. */
export interface SetupFilterOptions {
  /** Divide by the sum of the taps (default true). */
  normalize?: boolean;
  /** Reverse the taps along every axis (default false). */
  flipFilter?: boolean;
  /** Scale by `gain^(ndim/2)` (default 1). */
  gain?: number;
  /** null (default): 1-D filters with ≥ 8 taps stay separable, shorter ones become outer products. */
  separable?: boolean | null;
  /** Output dtype (default 'float32', as the official function returns float32 tensors). */
  dtype?: DType;
}

const SETUP_FILTER_KEYS: Record<keyof SetupFilterOptions, true> = {
  normalize: true,
  flipFilter: true,
  gain: true,
  separable: true,
  dtype: true,
};

/**
 * The official `torch_utils.ops.upfirdn2d.setup_filter`: `f` null → `[1]`; a scalar → one tap;
 * if `separable` is null it becomes `ndim == 1 && numel >= 8`; a non-separable 1-D filter becomes
 * its outer product `f fᵀ`; then normalise to unit sum, optionally flip every axis, and multiply by
 * `gain^(ndim/2)`. Returns a 1-D `[n]` or 2-D `[fh, fw]` ndarray.
 */
export function setupFilter(f: Upfirdn2dFilter, opts: SetupFilterOptions = {}): NdArray<FloatArray> {
  assertOptions('opts', opts, SETUP_FILTER_KEYS);
  const { normalize = true, flipFilter = false, gain = 1, separable = null, dtype = 'float32' } = opts;
  assertFinite('gain', gain);
  let fd = readFilter('f', f) ?? { data: Float64Array.of(1), shape: [1] as [number] };
  const sep = separable ?? (fd.shape.length === 1 && fd.data.length >= 8);
  if (fd.shape.length === 1 && !sep) {
    const n = fd.data.length;
    const outer = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) outer[i * n + j] = fd.data[i] * fd.data[j];
    fd = { data: outer, shape: [n, n] };
  }
  if (fd.shape.length !== (sep ? 1 : 2)) {
    throw new RangeError(`separable: a 2-D filter [${fd.shape}] cannot be separable`);
  }
  let data = fd.data.slice();
  if (normalize) {
    let sum = 0;
    for (const v of data) sum += v;
    if (sum === 0) throw new RangeError('f: cannot normalize a filter whose taps sum to 0');
    for (let i = 0; i < data.length; i++) data[i] /= sum;
  }
  if (flipFilter) data = data.reverse(); // reversing row-major data flips every axis
  const scale = gain ** (fd.shape.length / 2);
  const out = zeros(fd.shape, dtype);
  for (let i = 0; i < data.length; i++) out.data[i] = data[i] * scale;
  return out;
}

/** Options of {@link filter2d}. */
export interface Filter2dOptions {
  padding?: Upfirdn2dPadding;
  flipFilter?: boolean;
  gain?: number;
}

const FILTER2D_KEYS: Record<keyof Filter2dOptions, true> = { padding: true, flipFilter: true, gain: true };

/**
 * The official `filter2d`: filter without resampling, padded so that the output has the input's
 * size plus the extra `padding` — upfirdn2d with padding
 * `[x0 + fw//2, x1 + (fw−1)//2, y0 + fh//2, y1 + (fh−1)//2]`.
 */
export function filter2d(x: NdArray, f: Upfirdn2dFilter, opts: Filter2dOptions = {}): NdArray<FloatArray> {
  assertOptions('opts', opts, FILTER2D_KEYS);
  const [px0, px1, py0, py1] = parsePadding('padding', opts.padding ?? 0);
  const [fw, fh] = filterSize(readFilter('f', f));
  const fl = Math.floor;
  const padding = [px0 + fl(fw / 2), px1 + fl((fw - 1) / 2), py0 + fl(fh / 2), py1 + fl((fh - 1) / 2)];
  return upfirdn2d(x, f, { padding, flipFilter: opts.flipFilter, gain: opts.gain });
}

/** Options of {@link upsample2d}. */
export interface Upsample2dOptions extends Filter2dOptions {
  /** Upsampling factor, int or `[x, y]` (default 2). */
  up?: Upfirdn2dScaling;
}

/**
 * The official `upsample2d`: output size `in·up` (plus `padding`), signal level kept — upfirdn2d
 * with `gain·upx·upy` and padding `[x0 + (fw+upx−1)//2, x1 + (fw−upx)//2, y0 + (fh+upy−1)//2,
 * y1 + (fh−upy)//2]`.
 */
export function upsample2d(
  x: NdArray,
  f: Upfirdn2dFilter,
  opts: Upsample2dOptions = {},
): NdArray<FloatArray> {
  assertOptions('opts', opts, { ...FILTER2D_KEYS, up: true });
  const [upx, upy] = parseScaling('up', opts.up ?? 2);
  const [px0, px1, py0, py1] = parsePadding('padding', opts.padding ?? 0);
  const [fw, fh] = filterSize(readFilter('f', f));
  const gain = opts.gain ?? 1;
  assertFinite('gain', gain);
  const fl = Math.floor;
  const padding = [
    px0 + fl((fw + upx - 1) / 2),
    px1 + fl((fw - upx) / 2),
    py0 + fl((fh + upy - 1) / 2),
    py1 + fl((fh - upy) / 2),
  ];
  return upfirdn2d(x, f, { up: [upx, upy], padding, flipFilter: opts.flipFilter, gain: gain * upx * upy });
}

/** Options of {@link downsample2d}. */
export interface Downsample2dOptions extends Filter2dOptions {
  /** Downsampling factor, int or `[x, y]` (default 2). */
  down?: Upfirdn2dScaling;
}

/**
 * The official `downsample2d`: output size `in/down` (plus `padding`) — upfirdn2d with padding
 * `[x0 + (fw−downx+1)//2, x1 + (fw−downx)//2, y0 + (fh−downy+1)//2, y1 + (fh−downy)//2]`.
 */
export function downsample2d(
  x: NdArray,
  f: Upfirdn2dFilter,
  opts: Downsample2dOptions = {},
): NdArray<FloatArray> {
  assertOptions('opts', opts, { ...FILTER2D_KEYS, down: true });
  const [downx, downy] = parseScaling('down', opts.down ?? 2);
  const [px0, px1, py0, py1] = parsePadding('padding', opts.padding ?? 0);
  const [fw, fh] = filterSize(readFilter('f', f));
  const fl = Math.floor;
  const padding = [
    px0 + fl((fw - downx + 1) / 2),
    px1 + fl((fw - downx) / 2),
    py0 + fl((fh - downy + 1) / 2),
    py1 + fl((fh - downy) / 2),
  ];
  return upfirdn2d(x, f, { down: [downx, downy], padding, flipFilter: opts.flipFilter, gain: opts.gain });
}

/**
 * Building blocks of the upfirdn2d engine, shared with `filteredLrelu` (argument parsing with
 * official semantics, axis plans, the polyphase passes and the plane resampler). Not part of the
 * public API contract; grouped in one object to keep the library's namespace small.
 * @internal
 */
export const upfirdn2dInternals = {
  parseScaling,
  parsePadding,
  readFilter,
  filterSize,
  planAxis,
  transpose,
  passCols,
  pass2d,
  pass2dDirect,
  prepareFilter,
  PlaneResampler,
} as const;
