/**
 * The filtered nonlinearity of the alias-free generator: the official StyleGAN3 op
 * `torch_utils.ops.filtered_lrelu.filtered_lrelu` (reference implementation, `impl='ref'`).
 *
 * Per feature map, with sampling rates in samples (pixels) per canvas unit:
 *
 *     1. z = x + b[c]                                              (bias per channel)
 *     2. u = upfirdn2d(z, fu, up, padding, gain = up²)             (upsample to rate up·s)
 *     3. v = clamp(gain · lrelu_slope(u), −clamp, +clamp)          (nonlinearity at the high rate)
 *     4. y = upfirdn2d(v, fd, down)                                (low-pass, keep every down-th)
 *
 * The nonlinearity is evaluated at `up` times the input rate so that the harmonics it creates can
 * be removed by `fd` before decimation (alias-free-spec §1.4 and §2.4). The padding (may be negative,
 * i.e. cropping) is applied in step 2, on the upsampled grid. Output size per axis:
 * `(L·up + p0 + p1 − (n_up − 1) − (n_down − 1) + down − 1) // down`.
 *
 * Implementation: one image plane at a time, in float64 scratch buffers that are reused, with the
 * polyphase engine of upfirdn2d (separable passes for 1-D filters, only kept samples computed).
 * Only one upsampled plane ever exists, never the whole upsampled batch.
 */
import type { NdArray } from 'ndarray';
import { asNCHW, fromNCHW, zeros, type FloatArray } from './array.js';
import { readBias } from './bias-act.js';
import { upfirdn2dInternals, type Upfirdn2dFilter, type Upfirdn2dPadding } from './upfirdn2d.js';
import { assertAllFinite, assertFinite, assertInteger, assertOptions, show } from './validate.js';

const { filterSize, parsePadding, planAxis, prepareFilter, readFilter, passCols, transpose, PlaneResampler } =
  upfirdn2dInternals;

/** Options of {@link filteredLrelu}; defaults are the official ones. */
export interface FilteredLreluOptions {
  /** Upsampling filter: 1-D (separable), 2-D `[fh, fw]`, or null (none). */
  fu?: Upfirdn2dFilter;
  /** Downsampling filter: 1-D (separable), 2-D `[fh, fw]` (e.g. radial jinc), or null (none). */
  fd?: Upfirdn2dFilter;
  /** Per-channel bias, length C (default none). */
  b?: NdArray | ArrayLike<number> | null;
  /** Integer upsampling factor ≥ 1 (default 1). */
  up?: number;
  /** Integer downsampling factor ≥ 1 (default 1). */
  down?: number;
  /** Padding on the upsampled grid: `p`, `[px, py]` or `[x0, x1, y0, y1]`, negative crops (default 0). */
  padding?: Upfirdn2dPadding;
  /** Gain after the activation (default √2). */
  gain?: number;
  /** Negative slope of the leaky ReLU (default 0.2; 1 = linear). */
  slope?: number;
  /** Clamp after the gain to `[−clamp, clamp]` (default null = none). */
  clamp?: number | null;
  /** `false` (default): true convolution; `true`: correlation, for both filters. */
  flipFilter?: boolean;
}

const FILTERED_LRELU_KEYS: Record<keyof FilteredLreluOptions, true> = {
  fu: true,
  fd: true,
  b: true,
  up: true,
  down: true,
  padding: true,
  gain: true,
  slope: true,
  clamp: true,
  flipFilter: true,
};

/**
 * `filteredLrelu(x, {fu, fd, b, up, down, padding, gain, slope, clamp, flipFilter})`: bias,
 * upsample with `fu` (gain `up²`), `gain · lrelu(·, slope)`, clamp, downsample with `fd` — exactly
 * the official `filtered_lrelu` reference path (see the module comment).
 *
 * @param x `[N, C, H, W]` (or `[C, H, W]`, `[H, W]`), float32 or float64; result has the same rank
 *   and dtype.
 */
export function filteredLrelu(x: NdArray, opts: FilteredLreluOptions = {}): NdArray<FloatArray> {
  assertOptions('opts', opts, FILTERED_LRELU_KEYS);
  const { x: x4, rank } = asNCHW('x', x);
  const up = opts.up ?? 1;
  const down = opts.down ?? 1;
  assertInteger('up', up, 1);
  assertInteger('down', down, 1);
  const [px0, px1, py0, py1] = parsePadding('padding', opts.padding ?? 0);
  const gain = opts.gain ?? Math.SQRT2;
  const slope = opts.slope ?? 0.2;
  const clamp = opts.clamp ?? null;
  assertFinite('gain', gain);
  if (gain <= 0) throw new RangeError(`gain must be > 0, got ${gain}`);
  assertFinite('slope', slope);
  if (slope < 0) throw new RangeError(`slope must be >= 0, got ${slope}`);
  if (clamp !== null) {
    assertFinite('clamp', clamp);
    if (clamp < 0) throw new RangeError(`clamp must be >= 0 or null, got ${clamp}`);
  }
  const flip = opts.flipFilter ?? false;
  if (typeof flip !== 'boolean') throw new TypeError(`flipFilter must be a boolean, got ${show(flip)}`);
  const fu = readFilter('fu', opts.fu);
  const fd = readFilter('fd', opts.fd);
  const [nb, nc, inH, inW] = x4.shape;
  let bias: Float64Array | null = null;
  if (opts.b !== null && opts.b !== undefined) {
    bias = readBias('b', opts.b);
    if (bias.length !== nc)
      throw new RangeError(`b must have length C = ${nc} (x.shape[1]), got ${bias.length}`);
  }
  assertAllFinite('x', x4.data);

  // Step 2 geometry (upsample + pad + fu), then step 4 (fd + decimate, no padding).
  const [fuw, fuh] = filterSize(fu);
  const [fdw, fdh] = filterSize(fd);
  const upX = planAxis('x (width), up filter', inW, up, 1, px0, px1, fuw);
  const upY = planAxis('y (height), up filter', inH, up, 1, py0, py1, fuh);
  const dnX = planAxis('x (width), down filter', upX.outLen, 1, down, 0, 0, fdw);
  const dnY = planAxis('y (height), down filter', upY.outLen, 1, down, 0, 0, fdh);
  const fuP = prepareFilter(fu, flip, up * up);
  const fdP = prepareFilter(fd, flip, 1);

  const outH = dnY.outLen;
  const outW = dnX.outLen;
  const out = zeros([nb, nc, outH, outW], x4.data instanceof Float32Array ? 'float32' : 'float64');
  const lo = clamp === null ? -Infinity : -clamp;
  const top = clamp === null ? Infinity : clamp;
  const upH = upY.outLen;
  const upW = upX.outLen;
  /** Step 3 in place: gain · lrelu, then clamp. */
  const nonlinearity = (a: Float64Array): void => {
    for (let i = 0; i < a.length; i++) {
      let v = a[i];
      if (v < 0) v *= slope;
      v *= gain;
      a[i] = v < lo ? lo : v > top ? top : v;
    }
  };

  let processPlane: (src: Float64Array, dst: Float64Array) => void;
  if (fuP.separable && fdP.separable) {
    // Both filters separable (the stylegan3-t layers): y-up, x-up, nonlinearity, x-down, y-down,
    // every pass along the first axis of a plane. The up-sampled plane is kept transposed
    // (upW × upH) because the nonlinearity does not care about orientation, which saves two of
    // the four transposes two independent resamplers would need.
    const a = new Float64Array(upH * inW);
    const aT = new Float64Array(inW * upH);
    const hiT = new Float64Array(upW * upH); // the one upsampled plane
    const b = new Float64Array(outW * upH);
    const bT = new Float64Array(upH * outW);
    processPlane = (src, dst) => {
      passCols(src, inW, a, upY, fuP.gy);
      transpose(a, upH, inW, aT);
      passCols(aT, upH, hiT, upX, fuP.gx);
      nonlinearity(hiT);
      passCols(hiT, upH, b, dnX, fdP.gx);
      transpose(b, outW, upH, bT);
      passCols(bT, outW, dst, dnY, fdP.gy);
    };
  } else {
    const upsampler = new PlaneResampler(upY, upX, fuP, [px0, px1, py0, py1], [1, 1]);
    const downsampler = new PlaneResampler(dnY, dnX, fdP, [0, 0, 0, 0], [down, down]);
    const hi = new Float64Array(upH * upW); // the one upsampled plane
    processPlane = (src, dst) => {
      upsampler.run(src, hi);
      nonlinearity(hi);
      downsampler.run(hi, dst);
    };
  }

  const planeIn = inH * inW;
  const src = new Float64Array(planeIn);
  const dst = new Float64Array(outH * outW);
  for (let n = 0; n < nb; n++) {
    for (let c = 0; c < nc; c++) {
      const p = n * nc + c;
      const bc = bias === null ? 0 : bias[c];
      const xi = p * planeIn;
      for (let i = 0; i < planeIn; i++) src[i] = x4.data[xi + i] + bc;
      processPlane(src, dst);
      out.data.set(dst, p * outH * outW);
    }
  }
  return fromNCHW(out, rank);
}
