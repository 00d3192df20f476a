/**
 * Discrete Fourier transforms over ndarrays (NumPy `fft` semantics), built on the radix-4 `fft.js`
 * package for power-of-two lengths and on Bluestein's chirp-z algorithm for every other length.
 *
 * Conventions (numpy.fft): forward `X[k] = Σ_n x[n]·exp(−2πi·kn/N)` (unnormalised), inverse
 * `x[n] = (1/N)·Σ_k X[k]·exp(+2πi·kn/N)`; bin `k` holds frequency `k/N` cycles per sample for
 * `k < N/2` and `(k − N)/N` otherwise (DC at index 0). 2-D transforms act on the last two axes
 * (rows = y, columns = x) of rank-2 `[H,W]`, rank-3 `[C,H,W]` or rank-4 `[N,C,H,W]` arrays.
 * Everything is computed in float64.
 */
import FFT from 'fft.js';
import ndarray, { type NdArray } from 'ndarray';
import { toDense, type FloatArray } from './array.js';
import { assertInteger, assertOptions, show } from './validate.js';

/** A complex array split into real and imaginary parts of the same shape. */
export interface ComplexNd {
  re: NdArray<Float64Array>;
  im: NdArray<Float64Array>;
}

/**
 * A reusable 1-D transform of one length `n` over interleaved complex buffers
 * (`[re0, im0, re1, im1, …]`). Power-of-two lengths go straight to fft.js; other lengths use
 * Bluestein's algorithm, which rewrites the DFT as a convolution with the chirp
 * `w[m] = exp(−iπ·m²/n)` (from `kn = (k² + n² − (k − n)²)/2`) evaluated by a power-of-two FFT of
 * length `M ≥ 2n − 1`. Round-off stays O(ε·log n) relative to the signal energy in both cases.
 */
class Plan1d {
  readonly n: number;
  private readonly fft: FFT | null = null;
  // Bluestein state (only for non-powers of two).
  private readonly m: number = 0;
  private readonly chirp: Float64Array | null = null; // w[k], interleaved, k = 0…n−1
  private readonly kernelHat: Float64Array | null = null; // FFT of conj(w) wrapped to length M
  private readonly inner: FFT | null = null;
  private readonly bufA: Float64Array;
  private readonly bufB: Float64Array;
  // Note: `run` accepts src === dst (it copies first where the underlying FFT needs distinct buffers).

  constructor(n: number) {
    this.n = n;
    if (n === 1) {
      this.bufA = new Float64Array(2);
      this.bufB = new Float64Array(2);
      return;
    }
    if ((n & (n - 1)) === 0) {
      this.fft = new FFT(n);
      this.bufA = new Float64Array(2 * n);
      this.bufB = new Float64Array(2 * n);
      return;
    }
    let m = 1;
    while (m < 2 * n - 1) m <<= 1;
    this.m = m;
    this.inner = new FFT(m);
    const chirp = new Float64Array(2 * n);
    for (let k = 0; k < n; k++) {
      // Reduce k² modulo 2n before scaling so the phase keeps full precision for large k.
      const k2 = (k * k) % (2 * n);
      const phi = (Math.PI * k2) / n;
      chirp[2 * k] = Math.cos(phi);
      chirp[2 * k + 1] = -Math.sin(phi);
    }
    const kernel = new Float64Array(2 * m);
    for (let k = 0; k < n; k++) {
      kernel[2 * k] = chirp[2 * k];
      kernel[2 * k + 1] = -chirp[2 * k + 1];
      if (k > 0) {
        kernel[2 * (m - k)] = chirp[2 * k];
        kernel[2 * (m - k) + 1] = -chirp[2 * k + 1];
      }
    }
    const kernelHat = new Float64Array(2 * m);
    this.inner.transform(kernelHat, kernel);
    this.chirp = chirp;
    this.kernelHat = kernelHat;
    this.bufA = new Float64Array(2 * m);
    this.bufB = new Float64Array(2 * m);
  }

  /**
   * Transform `src` (interleaved, length 2n) into `dst` (may be the same array). `inverse` applies
   * the 1/n-normalised inverse transform.
   */
  run(src: Float64Array, dst: Float64Array, inverse: boolean): void {
    const n = this.n;
    if (n === 1) {
      dst[0] = src[0];
      dst[1] = src[1];
      return;
    }
    if (this.fft) {
      // fft.js needs distinct input and output buffers.
      if (src === dst) {
        this.bufA.set(src.subarray(0, 2 * n));
        src = this.bufA;
      }
      // fft.js's inverse rescales every element of its output array, so hand it exactly 2n.
      const out = dst.length === 2 * n ? dst : dst.subarray(0, 2 * n);
      if (inverse) this.fft.inverseTransform(out, src);
      else this.fft.transform(out, src);
      return;
    }
    // Bluestein. The inverse is conj(DFT(conj(x)))/n, folded into the sign of the imaginary parts.
    const s = inverse ? -1 : 1;
    const m = this.m;
    const w = this.chirp!;
    const kh = this.kernelHat!;
    const a = this.bufA;
    const b = this.bufB;
    a.fill(0);
    for (let k = 0; k < n; k++) {
      const xr = src[2 * k];
      const xi = s * src[2 * k + 1];
      const wr = w[2 * k];
      const wi = w[2 * k + 1];
      a[2 * k] = xr * wr - xi * wi;
      a[2 * k + 1] = xr * wi + xi * wr;
    }
    this.inner!.transform(b, a);
    for (let k = 0; k < m; k++) {
      const br = b[2 * k];
      const bi = b[2 * k + 1];
      const hr = kh[2 * k];
      const hi = kh[2 * k + 1];
      b[2 * k] = br * hr - bi * hi;
      b[2 * k + 1] = br * hi + bi * hr;
    }
    this.inner!.inverseTransform(a, b);
    const scale = inverse ? 1 / n : 1;
    for (let k = 0; k < n; k++) {
      const cr = a[2 * k];
      const ci = a[2 * k + 1];
      const wr = w[2 * k];
      const wi = w[2 * k + 1];
      dst[2 * k] = (cr * wr - ci * wi) * scale;
      dst[2 * k + 1] = s * (cr * wi + ci * wr) * scale;
    }
  }
}

const plans = new Map<number, Plan1d>();

/** The cached transform plan for length `n` (twiddles, chirps and scratch are built once). */
function plan(n: number): Plan1d {
  let p = plans.get(n);
  if (!p) {
    p = new Plan1d(n);
    plans.set(n, p);
  }
  return p;
}

/**
 * In-place 1-D DFT of an interleaved complex buffer of `n` values (`[re0, im0, …]`), any `n ≥ 1`.
 * `inverse` gives numpy.fft.ifft (1/n normalised). Building block for the n-D transforms.
 */
export function fftInterleaved(buf: Float64Array, n: number, inverse = false): void {
  assertInteger('n', n, 1);
  if (buf.length < 2 * n) throw new RangeError(`buf must hold 2·n = ${2 * n} numbers, got ${buf.length}`);
  plan(n).run(buf, buf, inverse);
}

/** Columns gathered per pass so that the strided column reads touch whole cache lines. */
const COL_BLOCK = 16;

/**
 * In-place 2-D DFT of `count` consecutive `h × w` planes stored interleaved (`2·h·w` numbers per
 * plane, row-major): 1-D transforms along every row (x) and then every column (y), which is the
 * separable form of `X[ky,kx] = Σ x[y,x]·exp(−2πi(ky·y/h + kx·x/w))`. `rows` limits the row pass
 * to the first `rows` rows (the others must be zero, e.g. zero-padding), which saves work.
 */
export function fft2Interleaved(
  buf: Float64Array,
  h: number,
  w: number,
  opts: { inverse?: boolean; count?: number; rows?: number } = {},
): void {
  assertOptions('opts', opts, { inverse: true, count: true, rows: true });
  const { inverse = false, count = 1, rows = h } = opts;
  const pw = plan(w);
  const ph = plan(h);
  const rowBuf = new Float64Array(2 * w);
  const colBufs: Float64Array[] = [];
  const colOut: Float64Array[] = [];
  for (let b = 0; b < COL_BLOCK; b++) {
    colBufs.push(new Float64Array(2 * h));
    colOut.push(new Float64Array(2 * h));
  }
  const planeSize = 2 * h * w;
  for (let p = 0; p < count; p++) {
    const base = p * planeSize;
    // Rows: contiguous slices.
    if (w > 1) {
      for (let y = 0; y < rows; y++) {
        const off = base + 2 * w * y;
        pw.run(buf.subarray(off, off + 2 * w), rowBuf, inverse);
        buf.set(rowBuf, off);
      }
    }
    // Columns: gather a block of adjacent columns row by row, transform each, scatter back.
    if (h > 1) {
      for (let x0 = 0; x0 < w; x0 += COL_BLOCK) {
        const nb = Math.min(COL_BLOCK, w - x0);
        for (let y = 0; y < h; y++) {
          let off = base + 2 * (w * y + x0);
          for (let b = 0; b < nb; b++, off += 2) {
            const cb = colBufs[b];
            cb[2 * y] = buf[off];
            cb[2 * y + 1] = buf[off + 1];
          }
        }
        for (let b = 0; b < nb; b++) ph.run(colBufs[b], colOut[b], inverse);
        for (let y = 0; y < h; y++) {
          let off = base + 2 * (w * y + x0);
          for (let b = 0; b < nb; b++, off += 2) {
            const cb = colOut[b];
            buf[off] = cb[2 * y];
            buf[off + 1] = cb[2 * y + 1];
          }
        }
      }
    }
  }
}

function checkRank(name: string, x: NdArray): void {
  if (!x || !Array.isArray(x.shape)) throw new TypeError(`${name} must be an ndarray, got ${show(x)}`);
  const r = x.shape.length;
  if (r < 2 || r > 4) {
    throw new RangeError(`${name} must have rank 2 [H,W], 3 [C,H,W] or 4 [N,C,H,W], got shape [${x.shape}]`);
  }
  for (const s of x.shape) {
    if (s < 1) throw new RangeError(`${name} must have non-empty axes, got shape [${x.shape}]`);
  }
}

function transform2(re: NdArray, im: NdArray | undefined, inverse: boolean): ComplexNd {
  checkRank('re', re);
  if (im !== undefined) {
    checkRank('im', im);
    if (im.shape.length !== re.shape.length || im.shape.some((s, i) => s !== re.shape[i])) {
      throw new RangeError(`im must have the shape of re [${re.shape}], got [${im.shape}]`);
    }
  }
  const shape = re.shape.slice();
  const h = shape[shape.length - 2];
  const w = shape[shape.length - 1];
  const size = shape.reduce((a, b) => a * b, 1);
  const r = toDense(re).data as FloatArray;
  const i = im ? (toDense(im).data as FloatArray) : null;
  const buf = new Float64Array(2 * size);
  for (let k = 0; k < size; k++) {
    buf[2 * k] = r[k];
    if (i) buf[2 * k + 1] = i[k];
  }
  fft2Interleaved(buf, h, w, { inverse, count: size / (h * w) });
  const outRe = new Float64Array(size);
  const outIm = new Float64Array(size);
  for (let k = 0; k < size; k++) {
    outRe[k] = buf[2 * k];
    outIm[k] = buf[2 * k + 1];
  }
  return { re: ndarray(outRe, shape), im: ndarray(outIm, shape.slice()) };
}

/**
 * 2-D discrete Fourier transform over the last two axes (numpy.fft.fft2):
 * `X[ky,kx] = Σ_{y,x} x[y,x]·exp(−2πi·(ky·y/H + kx·x/W))`, unnormalised, DC at `[0,0]`; bin `kx`
 * is `kx/W` cycles per pixel (aliased to negative frequencies above W/2). `im` defaults to zero.
 * Any sizes (powers of two run on fft.js directly, others through Bluestein). Returns float64
 * `{re, im}` with the input's shape (rank 2, 3 or 4).
 */
export function fft2(re: NdArray, im?: NdArray): ComplexNd {
  return transform2(re, im, false);
}

/**
 * Inverse 2-D DFT over the last two axes (numpy.fft.ifft2):
 * `x[y,x] = (1/(H·W))·Σ X[ky,kx]·exp(+2πi·(ky·y/H + kx·x/W))`, so `ifft2(fft2(x)) = x`.
 */
export function ifft2(re: NdArray, im?: NdArray): ComplexNd {
  return transform2(re, im, true);
}

/**
 * 1-D DFT of a signal (numpy.fft.fft), any length ≥ 1: `X[k] = Σ_n x[n]·exp(−2πi·kn/N)`.
 * Frequencies: bin k ↔ k/N cycles per sample (`k·fs/N` in units of `fs`).
 */
export function fft1d(re: ArrayLike<number>, im?: ArrayLike<number>): { re: Float64Array; im: Float64Array } {
  return transform1(re, im, false);
}

/** Inverse 1-D DFT (numpy.fft.ifft, 1/N normalised). */
export function ifft1d(
  re: ArrayLike<number>,
  im?: ArrayLike<number>,
): { re: Float64Array; im: Float64Array } {
  return transform1(re, im, true);
}

function transform1(
  re: ArrayLike<number>,
  im: ArrayLike<number> | undefined,
  inverse: boolean,
): { re: Float64Array; im: Float64Array } {
  if (!re || typeof re.length !== 'number') throw new TypeError(`re must be an array of numbers`);
  const n = re.length;
  if (n < 1) throw new RangeError(`re must have at least 1 element, got 0`);
  if (im !== undefined && im.length !== n) {
    throw new RangeError(`im must have the length of re (${n}), got ${im.length}`);
  }
  const buf = new Float64Array(2 * n);
  for (let k = 0; k < n; k++) {
    buf[2 * k] = re[k];
    if (im) buf[2 * k + 1] = im[k];
  }
  plan(n).run(buf, buf, inverse);
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    outRe[k] = buf[2 * k];
    outIm[k] = buf[2 * k + 1];
  }
  return { re: outRe, im: outIm };
}

/** Circularly roll the last two axes by (sy, sx): out[…, (y+sy) mod H, (x+sx) mod W] = x[…, y, x]. */
function roll2(x: NdArray, name: string, sy: (h: number) => number, sx: (w: number) => number) {
  checkRank(name, x);
  const shape = x.shape.slice();
  const h = shape[shape.length - 2];
  const w = shape[shape.length - 1];
  const src = toDense(x).data as FloatArray;
  const out = src instanceof Float32Array ? new Float32Array(src.length) : new Float64Array(src.length);
  const dy = sy(h);
  const dx = sx(w);
  const planes = src.length / (h * w);
  for (let p = 0; p < planes; p++) {
    const base = p * h * w;
    for (let y = 0; y < h; y++) {
      const yo = (((y + dy) % h) + h) % h;
      const srow = base + y * w;
      const orow = base + yo * w;
      for (let c = 0; c < w; c++) out[orow + ((((c + dx) % w) + w) % w)] = src[srow + c];
    }
  }
  return ndarray(out, shape);
}

/**
 * Move the zero-frequency bin to the centre of the last two axes (numpy.fft.fftshift over
 * axes (−2, −1)): a circular roll by `⌊H/2⌋` rows and `⌊W/2⌋` columns, so index `⌊N/2⌋` holds DC
 * and the axis reads `−⌊N/2⌋ … ⌈N/2⌉−1` bins. Keeps dtype and rank.
 */
export function fftshift<T extends FloatArray>(x: NdArray<T>): NdArray<T> {
  return roll2(
    x,
    'x',
    (h) => Math.floor(h / 2),
    (w) => Math.floor(w / 2),
  ) as NdArray<T>;
}

/** Inverse of `fftshift` (numpy.fft.ifftshift over the last two axes): roll by −⌊N/2⌋. */
export function ifftshift<T extends FloatArray>(x: NdArray<T>): NdArray<T> {
  return roll2(
    x,
    'x',
    (h) => -Math.floor(h / 2),
    (w) => -Math.floor(w / 2),
  ) as NdArray<T>;
}

/**
 * Sample frequencies of an n-point DFT (numpy.fft.fftfreq): `k/(n·d)` for k < ⌈n/2⌉, then
 * `(k − n)/(n·d)`; `d` is the sample spacing (1/fs), result in cycles per unit.
 */
export function fftfreq(n: number, d = 1): Float64Array {
  assertInteger('n', n, 1);
  const out = new Float64Array(n);
  const half = Math.floor((n - 1) / 2) + 1;
  for (let k = 0; k < n; k++) out[k] = (k < half ? k : k - n) / (n * d);
  return out;
}
