/**
 * Animation with a slider: the same image (and optionally its spectrum) under a sweep of
 * translations or rotations of the input — an equivariant system shows content that moves
 * rigidly, a non-equivariant one shows texture sticking or shimmering (paper Fig. 1, spec §4.7).
 */
import type { NdArray } from 'ndarray';
import { assertFinite } from '../../signal/validate.js';
import { axis, baseLayout, SPECTRUM_COLORSCALE, type Figure, type Frame, type Trace } from '../style.js';
import { pngDataUri, tensorToTiles, type DisplayRange } from './images.js';
import { centredFreqs, rowsOf } from './spectrum.js';

/** One animation step: the transform parameter value, its image and (optionally) its spectrum in dB. */
export interface AnimationStep {
  /** Parameter value (e.g. shift in pixels or angle in degrees). */
  value: number;
  image: NdArray;
  /** Centred spectrum in dB `[S,S]` (optional second panel). */
  spectrum?: NdArray;
}

/** Options of the animation figure (slider label, display range, frame duration, spectrum dB window). */
export interface AnimationOptions {
  title?: string;
  /** Slider label, e.g. "translation x (px)" or "rotation (deg)". */
  parameter?: string;
  /** Image display range (default [−1, 1]). */
  range?: DisplayRange;
  /** Frame duration in ms for the play button (default 200). */
  frameMs?: number;
  /** dB window of the spectrum panel (default [−50, 50]). */
  dbRange?: [number, number];
  /** Span of the spectrum axes, in cycles per unit (default: S, i.e. cycles per image = bins). */
  spectrumSpan?: number;
}

/**
 * Slider + play/pause animation over transform steps. Figure `data` holds the first step; `frames`
 * hold every step (named by its value) and restyle traces 0 (image) and 1 (spectrum, if given).
 */
export function transformAnimationFigure(steps: AnimationStep[], opts: AnimationOptions = {}): Figure {
  if (!Array.isArray(steps) || steps.length === 0) {
    throw new RangeError(`steps must be a non-empty array, got ${String(steps)}`);
  }
  const withSpectrum = steps.every((s) => s.spectrum !== undefined);
  const param = opts.parameter ?? 'shift';
  const frameMs = opts.frameMs ?? 200;
  const [zmin, zmax] = opts.dbRange ?? [-50, 50];
  const traceFor = (s: AnimationStep, i: number): Trace[] => {
    assertFinite(`steps[${i}].value`, s.value);
    const tile = tensorToTiles(s.image, { range: opts.range ?? [-1, 1], maxTiles: 1 })[0];
    const out: Trace[] = [{ type: 'image', name: 'image', source: pngDataUri(tile), xaxis: 'x', yaxis: 'y' }];
    if (withSpectrum && s.spectrum) {
      const [, w] = s.spectrum.shape;
      const f = centredFreqs(w, opts.spectrumSpan ?? w);
      out.push({
        type: 'heatmap',
        name: 'spectrum',
        x: f,
        y: f,
        z: rowsOf(s.spectrum),
        zmin,
        zmax,
        colorscale: SPECTRUM_COLORSCALE,
        colorbar: { title: { text: 'dB' }, thickness: 12 },
        xaxis: 'x2',
        yaxis: 'y2',
      });
    }
    return out;
  };
  const first = traceFor(steps[0], 0);
  const label = (v: number) => `${+v.toFixed(4)}`;
  const frames: Frame[] = steps.map((s, i) => ({
    name: label(s.value),
    data: traceFor(s, i),
    traces: withSpectrum ? [0, 1] : [0],
  }));
  const firstTile = tensorToTiles(steps[0].image, { range: opts.range ?? [-1, 1], maxTiles: 1 })[0];
  const layout = baseLayout(opts.title ?? `Input ${param} sweep`, {
    width: withSpectrum ? 820 : 520,
    height: 560,
    margin: { l: 60, r: 40, t: 60, b: 130 },
    showlegend: false,
    xaxis: axis('x', 'px', {
      domain: withSpectrum ? [0, 0.44] : [0, 1],
      range: [-0.5, firstTile.width - 0.5],
      showgrid: false,
      zeroline: false,
    }),
    yaxis: axis('y', 'px', {
      range: [firstTile.height - 0.5, -0.5],
      scaleanchor: 'x',
      showgrid: false,
      zeroline: false,
    }),
    updatemenus: [
      {
        type: 'buttons',
        showactive: false,
        direction: 'left',
        x: 0,
        y: -0.12,
        xanchor: 'left',
        yanchor: 'top',
        buttons: [
          {
            label: '▶ play',
            method: 'animate',
            args: [
              null,
              { frame: { duration: frameMs, redraw: true }, fromcurrent: true, transition: { duration: 0 } },
            ],
          },
          {
            label: '❚❚ pause',
            method: 'animate',
            args: [[null], { mode: 'immediate', frame: { duration: 0, redraw: false } }],
          },
        ],
      },
    ],
    sliders: [
      {
        active: 0,
        x: 0.3,
        len: 0.7,
        y: -0.08,
        yanchor: 'top',
        currentvalue: { prefix: `${param} = `, font: { size: 13 } },
        steps: frames.map((f) => ({
          label: f.name,
          method: 'animate',
          args: [
            [f.name],
            { mode: 'immediate', frame: { duration: 0, redraw: true }, transition: { duration: 0 } },
          ],
        })),
      },
    ],
  });
  if (withSpectrum) {
    const f = (first[1].x as number[]) ?? [];
    layout.xaxis2 = axis('f_x', 'cycles per image', {
      anchor: 'y2',
      domain: [0.56, 1],
      range: [f[0], f[f.length - 1]],
      showgrid: false,
    });
    layout.yaxis2 = axis('f_y', 'cycles per image', {
      anchor: 'x2',
      range: [f[0], f[f.length - 1]],
      scaleanchor: 'x2',
      showgrid: false,
    });
  }
  return { data: first, layout, frames };
}
