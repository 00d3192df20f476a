/**
 * StyleGAN2-style resampling on TensorFlow.js ops: the official `torch_utils.ops.upfirdn2d`
 * family (`upfirdn2d`, `filter2d`, `upsample2d`, `downsample2d`, reference semantics) and
 * `torch_utils.ops.conv2d_resample.conv2d_resample` (groups = 1). Tensors are NCHW in and out,
 * like the official ones and the float64 reference `src/signal/upfirdn2d.ts`.
 *
 * Everything is built from plain differentiable tfjs ops (reshape, pad, slice, conv2d,
 * conv2dTranspose; no stridedSlice or depthToSpace, which have no gradient in tfjs), so `tf.grad`
 * works through every function here — with respect to `x` and to the conv weight `w` (after
 * `ensureGradients()` of ./gradients.ts has registered tfjs-core's gradient functions). The filters
 * are constants (official buffers such as `resample_filter`), given as plain numbers.
 *
 * upfirdn2d along one axis of length L with factor u (up), d (down), padding (p0, p1) and a filter
 * of n taps f (true convolution unless `flipFilter`):
 *
 *     x↑[u·i] = x[i], 0 elsewhere (length u·L)           zero insertion
 *     x̃ = pad/crop(x↑, p0, p1)                             negative padding crops
 *     y[j] = Σ_t x̃[d·j + t] · f[n − 1 − t] · gain^{1/2}   (2-D filters: gain¹ on the 2-D taps)
 *     output length ⌊(u·L + p0 + p1 − n) / d⌋ + 1
 *
 * conv2d_resample(x, w, f, up, down, padding) (padding relative to the upsampled image):
 *   - up = 2 (k > 1): transposed conv with stride 2, then the filter with gain 4 (= up²);
 *   - down = 2 (k > 1): the filter (with the padding), then a conv with stride 2;
 *   - 1×1 kernels: down → filter + down first, then the conv; up → conv first, then upfirdn2d;
 *   - neither: a plain conv with symmetric padding (or the generic pad → conv path otherwise).
 * The padding adjustments follow the official rules exactly:
 *   up:   p_x0 += ⌊(fw + up − 1)/2⌋, p_x1 += ⌊(fw − up)/2⌋ (same along y);
 *   down: p_x0 += ⌊(fw − down + 1)/2⌋, p_x1 += ⌊(fw − down)/2⌋.
 */
import * as tf from '@tensorflow/tfjs-core';

/** A resampling filter as the official buffers hold it: 1-D taps (separable) or `[fh, fw]` taps. */
export type ResampleFilter =
  | Float32Array
  | Float64Array
  | readonly number[]
  | { data: ArrayLike<number>; shape: readonly [number, number] };

/** A factor: one integer for both axes or `[x, y]`. */
export type ResampleScaling = number | readonly [number, number];

/** Padding `p`, `[px, py]` or `[x0, x1, y0, y1]` (negative crops). */
export type ResamplePadding = number | readonly [number, number] | readonly [number, number, number, number];

/** Options of {@link upfirdn2dTf}. */
export interface Upfirdn2dTfOptions {
  /** Upsampling factor (default 1). */
  up?: ResampleScaling;
  /** Downsampling factor (default 1). */
  down?: ResampleScaling;
  /** Padding on the upsampled grid (default 0). */
  padding?: ResamplePadding;
  /** `false` (default): true convolution (the filter is flipped); `true`: correlation. */
  flipFilter?: boolean;
  /** Overall gain (default 1): the taps are scaled by gain^(ndim/2). */
  gain?: number;
}

/** A filter read into float64 taps: `h` = 0 for a separable 1-D filter. */
interface Taps {
  data: Float64Array;
  /** [fw, fh] (a 1-D filter of n taps: [n, n]). */
  size: [number, number];
  twoD: boolean;
}

function readFilter(name: string, f: ResampleFilter | null | undefined): Taps | null {
  if (f === null || f === undefined) return null;
  if (f instanceof Float32Array || f instanceof Float64Array || Array.isArray(f)) {
    const a = f as ArrayLike<number>;
    if (a.length < 1) throw new RangeError(`${name} must have at least one tap, got 0`);
    const data = Float64Array.from(a);
    data.forEach((v, i) => {
      if (!Number.isFinite(v)) throw new TypeError(`${name}[${i}] must be a finite number, got ${v}`);
    });
    return { data, size: [data.length, data.length], twoD: false };
  }
  const g = f as { data?: ArrayLike<number>; shape?: readonly number[] };
  if (!g || !g.data || !Array.isArray(g.shape) || g.shape.length !== 2) {
    throw new TypeError(`${name} must be 1-D taps or {data, shape: [fh, fw]}, got ${String(f)}`);
  }
  const [fh, fw] = g.shape;
  if (!(Number.isInteger(fh) && Number.isInteger(fw) && fh >= 1 && fw >= 1 && g.data.length === fh * fw)) {
    throw new RangeError(`${name} shape [${g.shape.join(', ')}] does not match its ${g.data.length} taps`);
  }
  const data = Float64Array.from(g.data);
  data.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new TypeError(`${name}.data[${i}] must be a finite number, got ${v}`);
  });
  return { data, size: [fw, fh], twoD: true };
}

function parseScaling(name: string, v: ResampleScaling): [number, number] {
  const xy = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? [v[0], v[1]] : null;
  if (!xy || !xy.every((s) => Number.isInteger(s) && s >= 1)) {
    throw new RangeError(`${name} must be an integer >= 1 or [x, y] of such, got ${JSON.stringify(v)}`);
  }
  return xy as [number, number];
}

function parsePadding(name: string, p: ResamplePadding): [number, number, number, number] {
  let out: number[] | null = null;
  if (typeof p === 'number') out = [p, p, p, p];
  else if (Array.isArray(p) && p.length === 2) out = [p[0], p[0], p[1], p[1]];
  else if (Array.isArray(p) && p.length === 4) out = [...(p as number[])];
  if (!out || !out.every((v) => Number.isInteger(v))) {
    throw new RangeError(
      `${name} must be an integer, [x, y] or [x0, x1, y0, y1] of integers, got ${JSON.stringify(p)}`,
    );
  }
  return out as [number, number, number, number];
}

function check4D(name: string, x: tf.Tensor): asserts x is tf.Tensor4D {
  if (!(x instanceof tf.Tensor)) throw new TypeError(`${name} must be a tf.Tensor [N, C, H, W]`);
  if (x.rank !== 4) throw new RangeError(`${name} must be rank 4 (NCHW), got shape [${x.shape.join(', ')}]`);
}

/** Pad (positive) or crop (negative) axis `axis` of a tensor. */
function padCropAxis<T extends tf.Tensor>(x: T, axis: number, lo: number, hi: number): T {
  let y: tf.Tensor = x;
  if (lo > 0 || hi > 0) {
    const pads = x.shape.map(() => [0, 0] as [number, number]);
    pads[axis] = [Math.max(lo, 0), Math.max(hi, 0)];
    y = tf.pad(y, pads);
  }
  if (lo < 0 || hi < 0) {
    const begin = y.shape.map(() => 0);
    const size = y.shape.map(() => -1);
    begin[axis] = Math.max(-lo, 0);
    size[axis] = y.shape[axis]! - Math.max(-lo, 0) - Math.max(-hi, 0);
    if (size[axis] <= 0) {
      throw new RangeError(`padding (${lo}, ${hi}) crops away the whole axis of length ${y.shape[axis]}`);
    }
    y = tf.slice(y, begin, size);
  }
  return y as T;
}

/** Keep every d-th sample (from 0) along `axis` (1 or 2) of a [B, H, W, 1] tensor, differentiably. */
function decimate(x: tf.Tensor4D, axis: 1 | 2, d: number): tf.Tensor4D {
  if (d === 1) return x;
  const len = x.shape[axis];
  const keep = Math.floor((len - 1) / d) + 1;
  // Pad to keep·d samples, fold the phase into its own axis and take phase 0 (slice has a gradient).
  const padded = padCropAxis(x, axis, 0, keep * d - len);
  const [b, h, w] = padded.shape;
  if (axis === 1) {
    const r = tf.reshape(padded, [b, keep, d, w]);
    return tf.reshape(tf.slice(r, [0, 0, 0, 0], [b, keep, 1, w]), [b, keep, w, 1]);
  }
  const r = tf.reshape(padded, [b * h, keep, d]);
  return tf.reshape(tf.slice(r, [0, 0, 0], [b * h, keep, 1]), [b, h, keep, 1]);
}

/**
 * The official `upfirdn2d(x, f, up, down, padding, flip_filter, gain)` (reference path) on NCHW
 * tensors: zero insertion, pad/crop, FIR filter (separable 1-D taps along x then y, or 2-D taps),
 * decimation; see the module comment for the formula. `f` null = no filter (a single unit tap).
 * Differentiable with respect to `x`. Returns a new tensor [N, C, H', W'].
 */
export function upfirdn2dTf(
  x: tf.Tensor4D,
  f: ResampleFilter | null,
  opts: Upfirdn2dTfOptions = {},
): tf.Tensor4D {
  check4D('x', x);
  const taps = readFilter('f', f);
  const [upx, upy] = parseScaling('up', opts.up ?? 1);
  const [downx, downy] = parseScaling('down', opts.down ?? 1);
  const [px0, px1, py0, py1] = parsePadding('padding', opts.padding ?? 0);
  const gain = opts.gain ?? 1;
  if (typeof gain !== 'number' || !Number.isFinite(gain))
    throw new TypeError(`gain must be a finite number, got ${gain}`);
  const flip = opts.flipFilter ?? false;
  const [fw, fh] = taps ? taps.size : [1, 1];
  const [n, c, inH, inW] = x.shape;
  const outW = Math.floor((inW * upx + px0 + px1 - fw) / downx) + 1;
  const outH = Math.floor((inH * upy + py0 + py1 - fh) / downy) + 1;
  if (outW < 1 || outH < 1) {
    throw new RangeError(
      `upfirdn2d of a ${inH}×${inW} input with up [${upx}, ${upy}], down [${downx}, ${downy}], padding ` +
        `[${px0}, ${px1}, ${py0}, ${py1}] and a ${fh}×${fw} filter has no output (${outH}×${outW})`,
    );
  }
  return tf.tidy(() => {
    // Every plane as a one-channel NHWC image: the filter is shared by all channels.
    let y = tf.reshape(x, [n * c, inH, inW, 1]) as tf.Tensor4D;
    if (upx > 1 || upy > 1) {
      y = tf.reshape(y, [n * c * inH, 1, inW, 1]) as tf.Tensor4D;
      y = tf.pad(y, [
        [0, 0],
        [0, upy - 1],
        [0, 0],
        [0, upx - 1],
      ]);
      y = tf.reshape(y, [n * c, inH * upy, inW * upx, 1]) as tf.Tensor4D;
    }
    y = padCropAxis(y, 2, px0, px1);
    y = padCropAxis(y, 1, py0, py1);
    if (taps) {
      // Correlation taps: the official reference flips the filter unless flip_filter.
      const corr = flip ? taps.data : Float64Array.from(taps.data).reverse();
      if (taps.twoD) {
        const k = tf.tensor4d(
          Float32Array.from(corr, (v) => v * gain),
          [fh, fw, 1, 1],
        );
        y = tf.conv2d(y, k, 1, 'valid');
      } else {
        const g = Math.sqrt(gain);
        const k = Float32Array.from(corr, (v) => v * g);
        y = tf.conv2d(y, tf.tensor4d(k, [1, fw, 1, 1]), 1, 'valid');
        y = tf.conv2d(y, tf.tensor4d(k, [fh, 1, 1, 1]), 1, 'valid');
      }
    } else if (gain !== 1) {
      y = tf.mul(y, gain);
    }
    y = decimate(y, 1, downy);
    y = decimate(y, 2, downx);
    return tf.reshape(y, [n, c, outH, outW]) as tf.Tensor4D;
  });
}

/** Filter size [fw, fh] of a filter (null → [1, 1]). */
function filterSize(f: ResampleFilter | null): [number, number] {
  const t = readFilter('f', f);
  return t ? t.size : [1, 1];
}

/**
 * The official `filter2d(x, f, padding, flip_filter, gain)`: filter at the same rate, output size
 * = input size + padding (upfirdn2d with padding [x0 + ⌊fw/2⌋, x1 + ⌊(fw−1)/2⌋, y0 + ⌊fh/2⌋,
 * y1 + ⌊(fh−1)/2⌋]).
 */
export function filter2dTf(
  x: tf.Tensor4D,
  f: ResampleFilter | null,
  { padding = 0, flipFilter = false, gain = 1 }: Omit<Upfirdn2dTfOptions, 'up' | 'down'> = {},
): tf.Tensor4D {
  const [px0, px1, py0, py1] = parsePadding('padding', padding);
  const [fw, fh] = filterSize(f);
  const fl = Math.floor;
  return upfirdn2dTf(x, f, {
    padding: [px0 + fl(fw / 2), px1 + fl((fw - 1) / 2), py0 + fl(fh / 2), py1 + fl((fh - 1) / 2)],
    flipFilter,
    gain,
  });
}

/**
 * The official `upsample2d(x, f, up = 2, padding, flip_filter, gain)`: output size in·up (+ padding),
 * signal level kept (upfirdn2d with gain·up_x·up_y and padding [x0 + ⌊(fw+up_x−1)/2⌋,
 * x1 + ⌊(fw−up_x)/2⌋, y0 + ⌊(fh+up_y−1)/2⌋, y1 + ⌊(fh−up_y)/2⌋]).
 */
export function upsample2dTf(
  x: tf.Tensor4D,
  f: ResampleFilter | null,
  { up = 2, padding = 0, flipFilter = false, gain = 1 }: Omit<Upfirdn2dTfOptions, 'down'> = {},
): tf.Tensor4D {
  const [upx, upy] = parseScaling('up', up);
  const [px0, px1, py0, py1] = parsePadding('padding', padding);
  const [fw, fh] = filterSize(f);
  const fl = Math.floor;
  return upfirdn2dTf(x, f, {
    up: [upx, upy],
    padding: [
      px0 + fl((fw + upx - 1) / 2),
      px1 + fl((fw - upx) / 2),
      py0 + fl((fh + upy - 1) / 2),
      py1 + fl((fh - upy) / 2),
    ],
    flipFilter,
    gain: gain * upx * upy,
  });
}

/**
 * The official `downsample2d(x, f, down = 2, padding, flip_filter, gain)`: output size in/down
 * (+ padding) (upfirdn2d with padding [x0 + ⌊(fw−d_x+1)/2⌋, x1 + ⌊(fw−d_x)/2⌋, y0 + ⌊(fh−d_y+1)/2⌋,
 * y1 + ⌊(fh−d_y)/2⌋]).
 */
export function downsample2dTf(
  x: tf.Tensor4D,
  f: ResampleFilter | null,
  { down = 2, padding = 0, flipFilter = false, gain = 1 }: Omit<Upfirdn2dTfOptions, 'up'> = {},
): tf.Tensor4D {
  const [dx, dy] = parseScaling('down', down);
  const [px0, px1, py0, py1] = parsePadding('padding', padding);
  const [fw, fh] = filterSize(f);
  const fl = Math.floor;
  return upfirdn2dTf(x, f, {
    down: [dx, dy],
    padding: [
      px0 + fl((fw - dx + 1) / 2),
      px1 + fl((fw - dx) / 2),
      py0 + fl((fh - dy + 1) / 2),
      py1 + fl((fh - dy) / 2),
    ],
    flipFilter,
    gain,
  });
}

/** Options of {@link conv2dResampleTf} (official argument names in camelCase). */
export interface Conv2dResampleOptions {
  /** Low-pass filter for up/downsampling (null = none). */
  f?: ResampleFilter | null;
  /** Integer upsampling factor (1 or more). */
  up?: number;
  /** Integer downsampling factor (1 or more). */
  down?: number;
  /** Padding relative to the upsampled image: `p`, `[px, py]` or `[x0, x1, y0, y1]`. */
  padding?: ResamplePadding;
  /** true (default): correlation, as torch conv2d; false: true convolution (weight flipped). */
  flipWeight?: boolean;
  /** false (default): the filter is a true convolution; true: correlation. */
  flipFilter?: boolean;
}

/** NCHW ↔ NHWC. */
const toNHWC = (x: tf.Tensor4D) => tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D;
const toNCHW = (x: tf.Tensor4D) => tf.transpose(x, [0, 3, 1, 2]) as tf.Tensor4D;

/**
 * torch `conv2d(x, w, stride, padding=[py, px])` (correlation) on NCHW with OIHW weights; `flip`
 * reverses the kernel first (the official `flip_weight = False`).
 */
function conv2dNCHW(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, py: number, px: number, flip: boolean) {
  let k = tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D; // [kh, kw, in, out]
  if (flip && (w.shape[2] > 1 || w.shape[3] > 1)) k = tf.reverse(k, [0, 1]);
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0],
    [py, py],
    [px, px],
    [0, 0],
  ];
  return toNCHW(tf.conv2d(toNHWC(x), k, stride, py === 0 && px === 0 ? 'valid' : pad));
}

/**
 * The official `conv2d_resample(x, w, f, up, down, padding, groups = 1, flip_weight, flip_filter)`:
 * a 2-D convolution of x [N, C_in, H, W] with w [C_out, C_in, kh, kw] and optional 2× (or any
 * integer) up/downsampling through the low-pass filter `f`, padding applied once, relative to the
 * upsampled image. Same fast paths as the official function (see the module comment), so the
 * float32 rounding follows the same order of operations. Differentiable in `x` and `w`.
 * Returns a new tensor [N, C_out, H', W'].
 */
export function conv2dResampleTf(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  opts: Conv2dResampleOptions = {},
): tf.Tensor4D {
  check4D('x', x);
  check4D('w', w);
  const up = opts.up ?? 1;
  const down = opts.down ?? 1;
  if (!Number.isInteger(up) || up < 1) throw new RangeError(`up must be an integer >= 1, got ${up}`);
  if (!Number.isInteger(down) || down < 1) throw new RangeError(`down must be an integer >= 1, got ${down}`);
  const [outC, inC, kh, kw] = w.shape;
  if (x.shape[1] !== inC) {
    throw new RangeError(`x must have ${inC} channels (w is [${w.shape.join(', ')}]), got ${x.shape[1]}`);
  }
  const f = opts.f ?? null;
  const flipWeight = opts.flipWeight ?? true;
  const flipFilter = opts.flipFilter ?? false;
  const [fw, fh] = filterSize(f);
  let [px0, px1, py0, py1] = parsePadding('padding', opts.padding ?? 0);
  const fl = Math.floor;
  if (up > 1) {
    px0 += fl((fw + up - 1) / 2);
    px1 += fl((fw - up) / 2);
    py0 += fl((fh + up - 1) / 2);
    py1 += fl((fh - up) / 2);
  }
  if (down > 1) {
    px0 += fl((fw - down + 1) / 2);
    px1 += fl((fw - down) / 2);
    py0 += fl((fh - down + 1) / 2);
    py1 += fl((fh - down) / 2);
  }
  return tf.tidy(() => {
    if (kw === 1 && kh === 1 && down > 1 && up === 1) {
      const y = upfirdn2dTf(x, f, { down, padding: [px0, px1, py0, py1], flipFilter });
      return conv2dNCHW(y, w, 1, 0, 0, !flipWeight);
    }
    if (kw === 1 && kh === 1 && up > 1 && down === 1) {
      const y = conv2dNCHW(x, w, 1, 0, 0, !flipWeight);
      return upfirdn2dTf(y, f, { up, padding: [px0, px1, py0, py1], gain: up * up, flipFilter });
    }
    if (down > 1 && up === 1) {
      const y = upfirdn2dTf(x, f, { padding: [px0, px1, py0, py1], flipFilter });
      return conv2dNCHW(y, w, down, 0, 0, !flipWeight);
    }
    if (up > 1) {
      // Transposed strided conv: torch conv_transpose2d(x, wᵀ, stride = up, padding = [pyt, pxt]),
      // the weight flipped unless the caller's flip_weight was False (the official wrapper negates it).
      px0 -= kw - 1;
      px1 -= kw - up;
      py0 -= kh - 1;
      py1 -= kh - up;
      const pxt = Math.max(Math.min(-px0, -px1), 0);
      const pyt = Math.max(Math.min(-py0, -py1), 0);
      let k = tf.transpose(w, [2, 3, 0, 1]) as tf.Tensor4D; // tfjs transposed filter [kh, kw, out, in]
      if (flipWeight && (kh > 1 || kw > 1)) k = tf.reverse(k, [0, 1]);
      const [n, , h, wd] = x.shape;
      const fullH = (h - 1) * up + kh;
      const fullW = (wd - 1) * up + kw;
      let y = tf.conv2dTranspose(toNHWC(x), k, [n, fullH, fullW, outC], up, 'valid');
      y = padCropAxis(padCropAxis(y, 1, -pyt, -pyt), 2, -pxt, -pxt);
      let z = upfirdn2dTf(toNCHW(y), f, {
        padding: [px0 + pxt, px1 + pxt, py0 + pyt, py1 + pyt],
        gain: up * up,
        flipFilter,
      });
      if (down > 1) z = upfirdn2dTf(z, f, { down, flipFilter });
      return z;
    }
    if (px0 === px1 && py0 === py1 && px0 >= 0 && py0 >= 0) {
      return conv2dNCHW(x, w, 1, py0, px0, !flipWeight);
    }
    // Generic path: pad (and nothing else, since up = down = 1 here), then a valid conv.
    const y = upfirdn2dTf(x, null, { padding: [px0, px1, py0, py1] });
    return conv2dNCHW(y, w, 1, 0, 0, !flipWeight);
  });
}
