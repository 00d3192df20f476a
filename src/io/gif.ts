/**
 * Animated GIF encoding of RGBA frames (the `gifenc` package does the LZW coding and palette
 * quantisation). One global palette is computed from all frames so colours do not flicker.
 */
// gifenc ships CommonJS as its Node entry: take the functions from the default export.
import gifenc from 'gifenc';

const { GIFEncoder, quantize, applyPalette } = gifenc;

export interface RgbaFrame {
  width: number;
  height: number;
  /** Row-major RGBA bytes, width·height·4. */
  rgba: Uint8Array;
}

/** Encode frames (all of one size) as a looping GIF; `delayMs` per frame. */
export function encodeGif(frames: RgbaFrame[], { delayMs = 80 }: { delayMs?: number } = {}): Uint8Array {
  if (frames.length === 0) throw new RangeError('frames must contain at least one frame');
  const { width, height } = frames[0];
  for (const [i, f] of frames.entries()) {
    if (f.width !== width || f.height !== height) {
      throw new RangeError(`frames[${i}] is ${f.width}×${f.height}, expected ${width}×${height}`);
    }
    if (f.rgba.length !== width * height * 4)
      throw new RangeError(`frames[${i}].rgba must have ${width * height * 4} bytes`);
  }
  // Palette from a concatenation of all frames (subsampled for long animations).
  const step = Math.max(1, Math.floor(frames.length / 16));
  const sample = frames.filter((_, i) => i % step === 0);
  const all = new Uint8Array(sample.length * width * height * 4);
  sample.forEach((f, i) => all.set(f.rgba, i * width * height * 4));
  const palette = quantize(all, 256);
  const gif = GIFEncoder();
  for (const f of frames)
    gif.writeFrame(applyPalette(f.rgba, palette), width, height, { palette, delay: delayMs });
  gif.finish();
  return gif.bytes();
}
