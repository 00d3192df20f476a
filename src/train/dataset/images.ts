/**
 * Images of a training set as the official `training/dataset.py` (`ImageFolderDataset`) sees them:
 * uint8, CHW, 1 (grayscale) or 3 (RGB) channels, square with a power-of-two side. PNG coding through
 * pngjs; resizing for `aliasfree dataset --resolution` by a separable Lanczos-3 filter (widened by
 * the scale factor when shrinking, so the result is anti-aliased), as PIL's `LANCZOS` does.
 */
import pngjs from 'pngjs';

const { PNG } = pngjs;

/** One image: `data` uint8 in CHW order, `channels` 1 or 3. */
export interface Uint8Image {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
}

/** A PNG that the dataset tools refuse (alpha channel, undecodable, …); the message names the file. */
export class DatasetError extends Error {
  override name = 'DatasetError';
}

/** PNG colour types of the specification: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
const CHANNELS_OF_COLOR_TYPE: Record<number, number> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };

/**
 * Decode PNG bytes into a CHW uint8 image with the channels the file stores (grey → 1, RGB or
 * palette → 3). Alpha (grey+alpha, RGBA) is refused as `dataset_tool.py` refuses it: "Input images
 * must be stored as RGB or grayscale". 16-bit samples are scaled to 8 bits.
 */
export function decodeImage(bytes: Uint8Array, what: string): Uint8Image {
  let png: InstanceType<typeof PNG>;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new DatasetError(`${what}: not a readable PNG (${(e as Error).message})`);
  }
  const colorType = (png as unknown as { colorType?: number }).colorType ?? 6;
  const channels = CHANNELS_OF_COLOR_TYPE[colorType] ?? 4;
  if (channels !== 1 && channels !== 3)
    throw new DatasetError(
      `${what}: has ${channels} channels (PNG colour type ${colorType}); images must be stored as RGB or grayscale`,
    );
  const { width, height } = png;
  const plane = width * height;
  const data = new Uint8Array(channels * plane);
  for (let i = 0; i < plane; i++)
    for (let c = 0; c < channels; c++) data[c * plane + i] = png.data[i * 4 + c];
  return { width, height, channels, data };
}

/** Encode a CHW uint8 image as an 8-bit grey (1 channel) or RGB (3 channels) PNG. */
export function encodeImage(img: Uint8Image): Uint8Array {
  const { width, height, channels, data } = img;
  if (channels !== 1 && channels !== 3) throw new RangeError(`img.channels must be 1 or 3, got ${channels}`);
  if (data.length !== width * height * channels)
    throw new RangeError(`img.data has ${data.length} values, expected ${width}·${height}·${channels}`);
  const plane = width * height;
  const png = new PNG({ width, height, colorType: channels === 1 ? 0 : 2, inputColorType: 6 });
  const rgba = Buffer.alloc(plane * 4);
  for (let i = 0; i < plane; i++) {
    for (let k = 0; k < 3; k++) rgba[i * 4 + k] = data[(channels === 1 ? 0 : k) * plane + i];
    rgba[i * 4 + 3] = 255;
  }
  png.data = rgba;
  return new Uint8Array(PNG.sync.write(png, { colorType: channels === 1 ? 0 : 2, inputColorType: 6 }));
}

function lanczos3(x: number): number {
  if (x === 0) return 1;
  if (x <= -3 || x >= 3) return 0;
  const px = Math.PI * x;
  return (3 * Math.sin(px) * Math.sin(px / 3)) / (px * px);
}

/** Resample one axis: `src` rows of `n` samples → `m` samples, Lanczos-3 support scaled when shrinking. */
function resampleAxis(src: Float64Array, rows: number, n: number, m: number): Float64Array {
  const scale = n / m;
  const support = 3 * Math.max(scale, 1);
  const out = new Float64Array(rows * m);
  for (let j = 0; j < m; j++) {
    const center = (j + 0.5) * scale;
    const lo = Math.max(0, Math.floor(center - support));
    const hi = Math.min(n - 1, Math.ceil(center + support));
    const w: number[] = [];
    let sum = 0;
    for (let i = lo; i <= hi; i++) {
      const v = lanczos3((i + 0.5 - center) / Math.max(scale, 1));
      w.push(v);
      sum += v;
    }
    for (let r = 0; r < rows; r++) {
      let acc = 0;
      for (let i = lo; i <= hi; i++) acc += w[i - lo] * src[r * n + i];
      out[r * m + j] = acc / sum;
    }
  }
  return out;
}

/** Resize to `size`×`size` (separable Lanczos-3, values rounded and clamped to uint8). */
export function resizeImage(img: Uint8Image, size: number): Uint8Image {
  if (!Number.isSafeInteger(size) || size < 1)
    throw new RangeError(`size must be a positive integer, got ${size}`);
  if (img.width === size && img.height === size) return img;
  const { width: W, height: H, channels: C } = img;
  const out = new Uint8Array(C * size * size);
  for (let c = 0; c < C; c++) {
    const plane = Float64Array.from(img.data.subarray(c * W * H, (c + 1) * W * H));
    const rows = resampleAxis(plane, H, W, size); // H × size
    const t = new Float64Array(size * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < size; x++) t[x * H + y] = rows[y * size + x];
    const cols = resampleAxis(t, size, H, size); // size(x) × size(y)
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const v = Math.round(cols[x * size + y]);
        out[c * size * size + y * size + x] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
  }
  return { width: size, height: size, channels: C, data: out };
}

/** True for 1, 2, 4, 8, … */
export function isPowerOfTwo(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}
