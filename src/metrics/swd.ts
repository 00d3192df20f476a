/**
 * Sliced Wasserstein distance (SWD) between two image sets over Laplacian-pyramid patches, the
 * quality metric of Karras et al. 2018 ("Progressive Growing of GANs", §5 and App. D), which needs
 * no downloaded network:
 *
 * 1. Each image (uint8 values as float) becomes a Laplacian pyramid: G₀ = x, G_{k+1} = down(G_k)
 *    (5×5 binomial [1,4,6,4,1]²/256, mirror boundary, every second pixel), L_k = G_k − up(G_{k+1})
 *    (zero-stuffed, same kernel ×4), and the last level is G itself; levels from the full resolution
 *    down to 16×16.
 * 2. From every level of every image, `nhoodsPerImage` 7×7 neighbourhoods (all channels) at random
 *    positions fully inside the image form descriptors of C·49 components.
 * 3. Per level and per set, each channel is normalised to zero mean and unit (population) standard
 *    deviation over all descriptors and pixels.
 * 4. SWD = mean over `dirRepeats`×`dirsPerRepeat` random unit directions d of the mean |sort(A·d) −
 *    sort(B·d)| (the 1-D Wasserstein-1 distance of the projections), reported ×10³ as published.
 *
 * Patch positions and directions come from this project's seeded RNG; both sets use the same patch
 * positions, so identical sets give exactly 0.
 */
import { Rng } from '../generator/rng.js';

/** Options of `swd`; defaults are the published ones. */
export interface SwdOptions {
  /** Neighbourhood side (7). */
  nhoodSize?: number;
  /** Neighbourhoods per image and level (128). */
  nhoodsPerImage?: number;
  /** Independent direction sets (4). */
  dirRepeats?: number;
  /** Directions per set (128). */
  dirsPerRepeat?: number;
  /** Smallest pyramid level (16). */
  minResolution?: number;
  /** Seed of patch positions and directions (0). */
  seed?: number;
}

/** Result of `swd`: per-level distances ×10³ (full resolution first) and their mean. */
export interface SwdResult {
  resolutions: number[];
  /** SWD×10³ per level. */
  perLevel: number[];
  /** Mean of `perLevel`. */
  average: number;
}

const BINOMIAL5 = [1, 4, 6, 4, 1].map((v) => v / 16);

/** scipy.ndimage `mode='mirror'` index: reflect about the edge sample (d c b | a b c d | c b a). */
function mirror(i: number, n: number): number {
  if (n === 1) return 0;
  const p = 2 * (n - 1);
  let j = ((i % p) + p) % p;
  if (j >= n) j = p - j;
  return j;
}

/** Separable 5-tap convolution of each H×W plane (mirror boundary), scaled by `gain` per axis. */
function blur(src: Float64Array, planes: number, H: number, W: number, gain: number): Float64Array {
  const tmp = new Float64Array(src.length);
  const out = new Float64Array(src.length);
  for (let p = 0; p < planes; p++) {
    const o = p * H * W;
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        let acc = 0;
        for (let k = -2; k <= 2; k++) acc += BINOMIAL5[k + 2] * src[o + y * W + mirror(x + k, W)];
        tmp[o + y * W + x] = acc * gain;
      }
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        let acc = 0;
        for (let k = -2; k <= 2; k++) acc += BINOMIAL5[k + 2] * tmp[o + mirror(y + k, H) * W + x];
        out[o + y * W + x] = acc * gain;
      }
  }
  return out;
}

/** cv2.pyrDown: blur, then keep pixels (0, 2, 4, …) in both axes. */
function pyrDown(src: Float64Array, planes: number, H: number, W: number): Float64Array {
  const b = blur(src, planes, H, W, 1);
  const h = Math.ceil(H / 2);
  const w = Math.ceil(W / 2);
  const out = new Float64Array(planes * h * w);
  for (let p = 0; p < planes; p++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) out[(p * h + y) * w + x] = b[(p * H + 2 * y) * W + 2 * x];
  return out;
}

/** cv2.pyrUp: zero-stuff to 2H×2W and blur with the kernel ×4 (×2 per axis). */
function pyrUp(src: Float64Array, planes: number, h: number, w: number): Float64Array {
  const H = 2 * h;
  const W = 2 * w;
  const z = new Float64Array(planes * H * W);
  for (let p = 0; p < planes; p++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) z[(p * H + 2 * y) * W + 2 * x] = src[(p * h + y) * w + x];
  return blur(z, planes, H, W, 2);
}

/**
 * Laplacian pyramid of N·C planes of H×W (float64), `levels` levels: detail levels first, the
 * low-pass residual last. Each level is `{data, size}` with planes of size×size.
 */
export function laplacianPyramid(
  images: Float64Array,
  planes: number,
  size: number,
  levels: number,
): { data: Float64Array; size: number }[] {
  if (images.length !== planes * size * size)
    throw new RangeError(`images has ${images.length} values, expected ${planes}·${size}·${size}`);
  const gauss = [{ data: images, size }];
  for (let i = 1; i < levels; i++) {
    const g = gauss[i - 1];
    gauss.push({ data: pyrDown(g.data, planes, g.size, g.size), size: Math.ceil(g.size / 2) });
  }
  return gauss.map((g, i) => {
    if (i === levels - 1) return g;
    const up = pyrUp(gauss[i + 1].data, planes, gauss[i + 1].size, gauss[i + 1].size);
    const d = new Float64Array(g.data.length);
    for (let k = 0; k < d.length; k++) d[k] = g.data[k] - up[k];
    return { data: d, size: g.size };
  });
}

/**
 * Sliced Wasserstein distance between two descriptor sets (rows × dim, row-major, equal row counts):
 * the mean over `dirRepeats`·`dirsPerRepeat` random unit directions of mean |sort(A·d) − sort(B·d)|.
 */
export function slicedWasserstein(
  A: Float64Array,
  B: Float64Array,
  dim: number,
  opts: { dirRepeats?: number; dirsPerRepeat?: number; seed?: number } = {},
): number {
  const dirRepeats = opts.dirRepeats ?? 4;
  const dirsPerRepeat = opts.dirsPerRepeat ?? 128;
  if (!Number.isSafeInteger(dim) || dim < 1)
    throw new RangeError(`dim must be a positive integer, got ${dim}`);
  if (A.length !== B.length || A.length % dim !== 0 || A.length === 0)
    throw new RangeError(
      `A and B must hold the same non-zero number of ${dim}-component rows, got ${A.length} and ${B.length} values`,
    );
  const rows = A.length / dim;
  const rng = new Rng(`swd-dirs:${opts.seed ?? 0}`);
  const pa = new Float64Array(rows);
  const pb = new Float64Array(rows);
  const dir = new Float64Array(dim);
  let total = 0;
  for (let r = 0; r < dirRepeats * dirsPerRepeat; r++) {
    let norm = 0;
    for (let k = 0; k < dim; k++) norm += (dir[k] = rng.normal()) ** 2;
    norm = Math.sqrt(norm);
    for (let k = 0; k < dim; k++) dir[k] /= norm;
    for (let i = 0; i < rows; i++) {
      let a = 0;
      let b = 0;
      const o = i * dim;
      for (let k = 0; k < dim; k++) {
        a += A[o + k] * dir[k];
        b += B[o + k] * dir[k];
      }
      pa[i] = a;
      pb[i] = b;
    }
    pa.sort();
    pb.sort();
    let s = 0;
    for (let i = 0; i < rows; i++) s += Math.abs(pa[i] - pb[i]);
    total += s / rows;
  }
  return total / (dirRepeats * dirsPerRepeat);
}

/** Descriptors of one level: `positions` [image, y, x] → rows of C·n·n values. */
function descriptors(
  level: { data: Float64Array; size: number },
  N: number,
  C: number,
  n: number,
  positions: Int32Array,
): Float64Array {
  const S = level.size;
  const h = Math.floor(n / 2);
  const count = positions.length / 3;
  const out = new Float64Array(count * C * n * n);
  let q = 0;
  for (let p = 0; p < count; p++) {
    const img = positions[3 * p];
    const cy = positions[3 * p + 1];
    const cx = positions[3 * p + 2];
    for (let c = 0; c < C; c++)
      for (let dy = -h; dy <= h; dy++)
        for (let dx = -h; dx <= h; dx++) out[q++] = level.data[((img * C + c) * S + cy + dy) * S + cx + dx];
  }
  void N;
  return out;
}

/** Per-channel normalisation over all descriptors and pixels (mean 0, population std 1). */
function normalise(desc: Float64Array, C: number, n2: number): void {
  const rows = desc.length / (C * n2);
  for (let c = 0; c < C; c++) {
    let sum = 0;
    let sq = 0;
    for (let r = 0; r < rows; r++)
      for (let k = 0; k < n2; k++) {
        const v = desc[(r * C + c) * n2 + k];
        sum += v;
        sq += v * v;
      }
    const cnt = rows * n2;
    const mean = sum / cnt;
    const std = Math.sqrt(Math.max(sq / cnt - mean * mean, 0));
    const inv = std > 0 ? 1 / std : 0;
    for (let r = 0; r < rows; r++)
      for (let k = 0; k < n2; k++) desc[(r * C + c) * n2 + k] = (desc[(r * C + c) * n2 + k] - mean) * inv;
  }
}

/**
 * SWD×10³ per pyramid level between two uint8 image sets of equal shape `[N, C, R, R]` (NCHW).
 * Throws RangeError for mismatched sets or a resolution below `minResolution`.
 */
export function swd(
  real: Uint8Array,
  fake: Uint8Array,
  shape: readonly [number, number, number, number],
  opts: SwdOptions = {},
): SwdResult {
  const [N, C, H, W] = shape;
  const n = opts.nhoodSize ?? 7;
  const per = opts.nhoodsPerImage ?? 128;
  const minRes = opts.minResolution ?? 16;
  const seed = opts.seed ?? 0;
  if (!shape.every((v) => Number.isSafeInteger(v) && v >= 1))
    throw new RangeError(`shape must be 4 positive integers, got [${shape.join(', ')}]`);
  if (H !== W) throw new RangeError(`images must be square, got ${H}×${W}`);
  if (real.length !== N * C * H * W || fake.length !== real.length)
    throw new RangeError(
      `real and fake must both hold ${N}·${C}·${H}·${W} values, got ${real.length} and ${fake.length}`,
    );
  if (H < minRes) throw new RangeError(`resolution ${H} is below minResolution ${minRes}`);
  if (!Number.isSafeInteger(n) || n < 1 || n % 2 !== 1 || n > minRes)
    throw new RangeError(`nhoodSize must be an odd integer in [1, ${minRes}], got ${n}`);
  const resolutions: number[] = [];
  for (let r = H; r >= minRes; r = Math.floor(r / 2)) resolutions.push(r);
  const toF = (u: Uint8Array) => Float64Array.from(u);
  const pr = laplacianPyramid(toF(real), N * C, H, resolutions.length);
  const pf = laplacianPyramid(toF(fake), N * C, H, resolutions.length);
  const h = Math.floor(n / 2);
  const perLevel = resolutions.map((S, lod) => {
    // The same positions for both sets (see module doc): centres in [h, S−h), as the original.
    const rng = new Rng(`swd-patches:${seed}:${lod}`);
    const pos = new Int32Array(N * per * 3);
    for (let i = 0; i < N * per; i++) {
      pos[3 * i] = Math.floor(i / per);
      pos[3 * i + 1] = h + Math.floor(rng.uniform() * (S - 2 * h));
      pos[3 * i + 2] = h + Math.floor(rng.uniform() * (S - 2 * h));
    }
    const a = descriptors(pr[lod], N, C, n, pos);
    const b = descriptors(pf[lod], N, C, n, pos);
    normalise(a, C, n * n);
    normalise(b, C, n * n);
    return (
      1e3 *
      slicedWasserstein(a, b, C * n * n, {
        dirRepeats: opts.dirRepeats,
        dirsPerRepeat: opts.dirsPerRepeat,
        seed: seed * 131 + lod,
      })
    );
  });
  return { resolutions, perLevel, average: perLevel.reduce((s, v) => s + v, 0) / perLevel.length };
}

/** Official float → uint8 conversion of generator images in [−1, 1]: clamp(floor(x·127.5 + 128), 0, 255). */
export function imagesToUint8(x: Float32Array): Uint8Array {
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = Math.floor(x[i] * 127.5 + 128);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : Number.isNaN(v) ? 0 : v;
  }
  return out;
}
