/**
 * Projection targets: checks that name what is wrong (size, channels, values) and the conversion
 * of an 8-bit image file to the network's [−1, 1] NCHW form, optionally resized with an
 * anti-aliased Lanczos-3 resampler (the kernel is widened by the scale factor when shrinking, so
 * frequencies above the new Nyquist rate are removed before they can alias).
 */
import * as tf from '@tensorflow/tfjs-core';
import pngjs from 'pngjs';
import { resizeImage, type Uint8Image } from '../train/dataset/images.js';

const { PNG } = pngjs;

/** What the network makes: channels and square side. */
export interface TargetShape {
  channels: number;
  resolution: number;
}

function colourName(c: number): string {
  return c === 1 ? 'grayscale (1 channel)' : c === 3 ? 'RGB (3 channels)' : `${c}-channel`;
}

function channelMismatch(got: number, want: number, what: string): RangeError {
  return new RangeError(
    `${what} is ${colourName(got)}, but the network makes ${colourName(want)} images; ` +
      (want === 3 ? 'give an RGB image' : 'give a grayscale image'),
  );
}

/**
 * Check a target tensor: `[1, C, H, W]` float with C and H = W as the network makes, every value
 * finite (values outside [−1, 1] are allowed: the distance only compares). Returns it as float32
 * (a new tensor the caller disposes).
 *
 * @example
 * ```ts
 * const t = checkTarget(tf.zeros([1, 3, 32, 32]), { channels: 3, resolution: 32 });
 * ```
 */
export function checkTarget(target: unknown, want: TargetShape, what = 'target'): tf.Tensor4D {
  if (!(target instanceof tf.Tensor))
    throw new TypeError(
      `${what} must be a tf.Tensor [1, ${want.channels}, ${want.resolution}, ${want.resolution}] in [−1, 1], got ${String(target)}`,
    );
  const s = target.shape;
  if (target.rank !== 4 || s[0] !== 1)
    throw new RangeError(`${what} must have shape [1, C, H, W] (one NCHW image), got [${s.join(', ')}]`);
  if (s[1] !== want.channels) throw channelMismatch(s[1], want.channels, what);
  if (s[2] !== want.resolution || s[3] !== want.resolution)
    throw new RangeError(
      `${what} is ${s[3]}×${s[2]} pixels, but the network makes ${want.resolution}×${want.resolution}; ` +
        'resize it first (aliasfree project --resize, or targetFromImage(img, shape, { resize: true }))',
    );
  const data = target.dataSync();
  for (let i = 0; i < data.length; i++)
    if (!Number.isFinite(data[i]))
      throw new RangeError(`${what} must contain only finite values, got ${data[i]} at flat index ${i}`);
  return tf.cast(target, 'float32') as tf.Tensor4D;
}

/**
 * An 8-bit image (CHW, 1 or 3 channels, e.g. from `decodeImage`) as a projection target
 * `[1, C, R, R]` with values v/127.5 − 1. A size other than R×R is an error unless `resize` is set.
 *
 * @example
 * ```ts
 * const img = decodeImage(readFileSync('face.png'), 'face.png');
 * const target = targetFromImage(img, { channels: 3, resolution: 256 }, { resize: true });
 * ```
 */
export function targetFromImage(
  img: Uint8Image,
  want: TargetShape,
  { resize = false, what = 'the target image' }: { resize?: boolean; what?: string } = {},
): tf.Tensor4D {
  if (img.channels !== want.channels) throw channelMismatch(img.channels, want.channels, what);
  let im = img;
  if (img.width !== want.resolution || img.height !== want.resolution) {
    if (!resize)
      throw new RangeError(
        `${what} is ${img.width}×${img.height} pixels, but the network makes ${want.resolution}×${want.resolution}; ` +
          'give --resize to resample it (anti-aliased Lanczos-3; a non-square image is stretched)',
      );
    im = resizeImage(img, want.resolution);
  }
  const data = new Float32Array(im.data.length);
  for (let i = 0; i < data.length; i++) data[i] = im.data[i] / 127.5 - 1;
  return tf.tensor4d(data, [1, im.channels, im.height, im.width]);
}

/**
 * An image `[1, C, H, W]` in [−1, 1] as 8-bit CHW: (x + 1)·127.5, rounded and clamped to [0, 255].
 *
 * @example
 * ```ts
 * writeFileSync('proj.png', encodeImage(imageToUint8(result.image)));
 * ```
 */
export function imageToUint8(image: tf.Tensor4D | { shape: number[]; data: ArrayLike<number> }): Uint8Image {
  const shape = image instanceof tf.Tensor ? image.shape : image.shape;
  const data = image instanceof tf.Tensor ? image.dataSync() : image.data;
  const [, c, h, w] = shape;
  const out = new Uint8Array(c * h * w);
  for (let i = 0; i < out.length; i++) {
    const v = Math.round((data[i] + 1) * 127.5);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return { width: w, height: h, channels: c, data: out };
}

/**
 * Decode a PNG target: grey (colour types 0, 4) → 1 channel, RGB or palette (2, 3, 6) → 3
 * channels. An alpha channel is dropped when every pixel is opaque (what image editors and
 * `aliasfree generate` write); transparent pixels have no colour to project and are refused.
 * `what` names the file in errors.
 *
 * @example
 * ```ts
 * const img = readTargetPng(readFileSync('face.png'), 'face.png'); // { width, height, channels, data }
 * ```
 */
export function readTargetPng(bytes: Uint8Array, what: string): Uint8Image {
  let png: InstanceType<typeof PNG>;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new RangeError(`${what}: not a readable PNG (${(e as Error).message})`);
  }
  const colorType = (png as unknown as { colorType?: number }).colorType ?? 6;
  const channels = colorType === 0 || colorType === 4 ? 1 : 3;
  const { width, height } = png;
  const plane = width * height;
  const data = new Uint8Array(channels * plane);
  for (let i = 0; i < plane; i++) {
    if (png.data[i * 4 + 3] !== 255)
      throw new RangeError(
        `${what}: pixel (${i % width}, ${Math.floor(i / width)}) is transparent (alpha ${png.data[i * 4 + 3]}); give an opaque image`,
      );
    for (let c = 0; c < channels; c++) data[c * plane + i] = png.data[i * 4 + c];
  }
  return { width, height, channels, data };
}
