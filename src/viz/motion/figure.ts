/**
 * A motion comparison as an interactive figure: its composed frames behind a slider and a play
 * button (the `transformAnimationFigure` of `figures/animation.ts`), so notebooks show the same
 * picture the CLI writes as GIF/MP4.
 */
import ndarray from 'ndarray';
import type { Figure } from '../style.js';
import { transformAnimationFigure } from '../figures/animation.js';
import type { MotionComparison } from './comparison.js';

/** RGBA bytes as a [1, 3, H, W] float array of 0…255 levels (shown with the range [0, 255]). */
function rgbaToPlanes(f: { width: number; height: number; rgba: Uint8Array }) {
  const plane = f.width * f.height;
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) out[c * plane + p] = f.rgba[p * 4 + c];
  return ndarray(out, [1, 3, f.height, f.width]);
}

/** Options of `motionComparisonFigure`. */
export interface MotionFigureOptions {
  title?: string;
  /** Frame duration of the play button in ms (default 120). */
  frameMs?: number;
  /** Width of the figure in CSS pixels (default: the frame's width + margins, at most 960). */
  width?: number;
}

/**
 * The frames of `cmp` as an animation figure: slider steps are the frame numbers (1…K); pixels are
 * shown exactly as composed (range [0, 255], so the 8-bit levels map to themselves).
 */
export function motionComparisonFigure(cmp: MotionComparison, opts: MotionFigureOptions = {}): Figure {
  if (!cmp || !Array.isArray(cmp.frames) || cmp.frames.length === 0)
    throw new RangeError('cmp must be a motion comparison with at least one frame (buildMotionComparison)');
  const fig = transformAnimationFigure(
    cmp.frames.map((f, k) => ({ value: k + 1, image: rgbaToPlanes(f) })),
    {
      title:
        opts.title ??
        `${cmp.kind}: ${cmp.columns.map((c) => c.label).join(' · ')} (rows: ${cmp.rows.join(' · ')})`,
      parameter: 'frame',
      range: [0, 255],
      frameMs: opts.frameMs ?? 120,
    },
  );
  const { width, height } = cmp.frames[0];
  const w = opts.width ?? Math.min(960, width + 100);
  fig.layout.width = w;
  // Plot area keeps the frame's aspect; the margins hold the title and the slider.
  fig.layout.height = Math.round(((w - 100) * height) / width) + 190;
  return fig;
}
