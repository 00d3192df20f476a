/**
 * Figures and frames of a projection run: the PSNR curve (a plotly figure, `aliasfree/viz` style)
 * and the side-by-side frames of the optimisation video (target | image of the step).
 */
import { axis, baseLayout, type Figure } from '../viz/style.js';
import type { Uint8Image } from '../train/dataset/images.js';
import type { ProjectionStep } from './projector.js';

/**
 * PSNR per step, with the learning rate on a second axis (the schedule's ramps explain the curve).
 *
 * @example
 * ```ts
 * toHtml(psnrCurveFigure(result.history), 'out/psnr.html');
 * ```
 */
export function psnrCurveFigure(
  history: readonly ProjectionStep[],
  title = 'Projection: PSNR per step',
): Figure {
  const steps = history.map((h) => h.step);
  return {
    data: [
      { type: 'scatter', mode: 'lines', name: 'PSNR (dB)', x: steps, y: history.map((h) => h.psnr) },
      {
        type: 'scatter',
        mode: 'lines',
        name: 'learning rate',
        x: steps,
        y: history.map((h) => h.lr),
        yaxis: 'y2',
        line: { dash: 'dot', color: '#888888' },
      },
    ],
    layout: baseLayout(title, {
      xaxis: axis('step'),
      yaxis: axis('PSNR', 'dB'),
      yaxis2: { ...axis('learning rate'), overlaying: 'y', side: 'right', showgrid: false },
    }),
  };
}

/**
 * One RGBA frame with two 8-bit CHW images side by side (grayscale shown as grey), as the official
 * projector's video (target | projection).
 *
 * @example
 * ```ts
 * const frame = sideBySide(imageToUint8(target), imageToUint8(result.image));
 * ```
 */
export function sideBySide(
  left: Uint8Image,
  right: Uint8Image,
): { width: number; height: number; rgba: Uint8Array } {
  if (left.width !== right.width || left.height !== right.height)
    throw new RangeError(
      `sideBySide: the images differ in size (${left.width}×${left.height} and ${right.width}×${right.height})`,
    );
  const { width: w, height: h } = left;
  const rgba = new Uint8Array(2 * w * h * 4);
  const plane = w * h;
  [left, right].forEach((img, side) => {
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const o = (y * 2 * w + side * w + x) * 4;
        for (let k = 0; k < 3; k++) rgba[o + k] = img.data[(img.channels === 1 ? 0 : k) * plane + y * w + x];
        rgba[o + 3] = 255;
      }
  });
  return { width: 2 * w, height: h, rgba };
}
