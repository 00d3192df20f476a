/**
 * Side-by-side motion comparison (paper Fig. 1 and its videos): several generators — any mix of
 * StyleGAN2 (configs A–C, official StyleGAN2 weights) and StyleGAN3 (D–R) — make the same motion,
 * and every frame becomes one grid with a column per network and a row per view.
 *
 * translate / rotate (the input Fourier features move; `schedule.ts`):
 *   1. output — the rendered frame;
 *   2. untransformed — the frame resampled back to the pose of frame 0 (`untransform.ts`). An
 *      equivariant network shows a still picture; a network with texture sticking shows its
 *      details sliding against the content, because they stayed on the pixel grid;
 *   3. |Δ| ×gain — |untransformed frame k − untransformed frame 0| (largest over the channels),
 *      amplified: grey = 255·min(1, gain·|Δ| / (hi − lo)), (lo, hi) the column's display window, so at
 *      gain 1 a difference as large as the whole window is white. Pixels the resampler cannot
 *      support (content that entered from outside the canvas) are drawn in `INVALID_RGB`.
 *   A network without a transformable input (config A: a learned 4×4 constant) cannot make these
 *   motions; its column is a labelled blank tile instead of an error.
 *
 * interpolate (w_k = lerp(w_a, w_b, k/(K − 1)) in W: the motion every network can make):
 *   1. output;
 *   2. strip timeline — the centre pixel column of every frame so far, side by side from left to
 *      right (paper Fig. 1, right; spec §4.7). While the face changes, content that moves draws
 *      slanted or broken lines; details glued to the screen draw horizontal streaks;
 *   3. |Δ prev| ×gain — the change since the previous frame (same gain mapping as above). Where a
 *      network sticks, the change concentrates on fixed pixels instead of following the content.
 *
 * StyleGAN2 networks with noise inputs render with their stored noise (`noiseMode 'const'`, as the
 * official metrics do): fresh noise in every frame would flicker and hide the sticking.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AnyGenerator } from '../../generator/weights.js';
import { assertFinite, assertInteger } from '../../signal/validate.js';
import { wrapText } from './glyphs.js';
import { composeMotionFrame, motionGridLayout, type GridCell, type GridLayout } from './grid.js';
import {
  motionSchedule,
  MOTION_KINDS,
  type MotionKind,
  type MotionShape,
  type MotionStep,
} from './schedule.js';
import { differenceMap, untransformFrame, untransformReference, type MaskedImage } from './untransform.js';

/** A network of the comparison and the label of its column. */
export interface MotionNetwork {
  label: string;
  generator: AnyGenerator;
}

/** Options of `buildMotionComparison`. */
export interface MotionComparisonOptions {
  kind: MotionKind;
  /** Frames K ≥ 2. */
  frames: number;
  /** Latent z (zDim values) of the motion; for interpolate two: from the first to the second. */
  latents: readonly Float32Array[];
  /** Truncation ψ (default 1). */
  psi?: number;
  /**
   * Amplification of the difference row (default 8 for translate/rotate; 2 for interpolate, whose
   * frame-to-frame changes are large even without sticking).
   */
  gain?: number;
  /** Integer upscaling of the tiles (default: the smallest that makes a tile ≥ 128 px). */
  scale?: number;
  /** Display window of the images (default per column: ±max |x| of its frame 0). */
  range?: readonly [number, number];
  /** StyleGAN2 networks with noise inputs: 'const' (default), 'none' or 'random'. */
  noiseMode?: 'const' | 'none' | 'random';
  /** Radius of the translation circle and turns of the rotation (`motionStep`). */
  shape?: MotionShape;
  /** Called after every finished frame (all networks). */
  onFrame?: (done: number, total: number) => void;
}

/** What a column of the comparison shows. */
export interface MotionColumn {
  label: string;
  /** False when the network cannot make the motion (its tiles are blank). */
  active: boolean;
  /** Why the column is blank (e.g. "A: no input transform"). */
  note?: string;
  /** Display window of the column's images. */
  range: [number, number];
}

/** One grid picture per frame, with the measurements behind it. */
export interface MotionComparison {
  kind: MotionKind;
  gain: number;
  /** Row names, top to bottom. */
  rows: string[];
  columns: MotionColumn[];
  steps: MotionStep[];
  /** The composed frames (RGBA, all of one size). */
  frames: { width: number; height: number; rgba: Uint8Array }[];
  /**
   * differenceRms[column][k]: RMS (over channels and valid pixels, before the gain) of what the
   * difference row shows — untransformed frame k vs frame 0, or frame k vs frame k − 1 for
   * interpolate; 0 for frame 0, null for a blank column.
   */
  differenceRms: (number | null)[][];
  /** Geometry of the frames (tile origins, label bands). */
  layout: GridLayout;
}

/** Row names of a comparison of `kind` at difference gain `gain`. */
export function motionRows(kind: MotionKind, gain: number): string[] {
  const g = `×${+gain.toPrecision(3)}`;
  return kind === 'interpolate'
    ? ['output', 'strip', `|Δ prev| ${g}`]
    : ['output', 'untransformed', `|Δ| ${g}`];
}

type Synth = (gen: AnyGenerator, ws: tf.Tensor3D, transform: number[] | null) => tf.Tensor4D;

function isStyleGAN2(gen: AnyGenerator): boolean {
  return (gen.config as { network?: string }).network === 'stylegan2';
}

/**
 * Whether a network can make `kind`: interpolation always; translate/rotate need a transformable
 * input (StyleGAN3, or StyleGAN2 with Fourier features — not config A's constant). Returns the
 * reason when not.
 */
export function motionSupport(gen: AnyGenerator, kind: MotionKind, label: string): string | null {
  if (kind === 'interpolate') return null;
  if (isStyleGAN2(gen) && (gen.config as { input?: string }).input === 'const')
    return `${label}: no input transform`;
  return null;
}

function synthesizer(noiseMode: 'const' | 'none' | 'random'): Synth {
  return (gen, ws, transform) => {
    if (isStyleGAN2(gen)) {
      const g = gen as Extract<AnyGenerator, { config: { network: 'stylegan2' } }>;
      const mode = g.config.useNoise ? noiseMode : 'none';
      return g.synthesis(ws, { transform, noiseMode: mode }).image as tf.Tensor4D;
    }
    return gen.synthesis(ws, { transform }).image as tf.Tensor4D;
  };
}

function maxAbs(x: Float32Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m > 0 && Number.isFinite(m) ? m : 1;
}

function checkOptions(networks: readonly MotionNetwork[], opts: MotionComparisonOptions) {
  if (!Array.isArray(networks) || networks.length === 0)
    throw new RangeError('networks must list at least one { label, generator }');
  if (!MOTION_KINDS.includes(opts.kind))
    throw new RangeError(`kind must be one of ${MOTION_KINDS.join(', ')}, got ${JSON.stringify(opts.kind)}`);
  assertInteger('frames', opts.frames, 2);
  const gain = opts.gain ?? (opts.kind === 'interpolate' ? 2 : 8);
  assertFinite('gain', gain);
  if (!(gain > 0)) throw new RangeError(`gain must be positive, got ${gain}`);
  const want = opts.kind === 'interpolate' ? 2 : 1;
  if (!Array.isArray(opts.latents) || opts.latents.length !== want)
    throw new RangeError(
      `latents must hold ${want} z vector${want > 1 ? 's' : ''} for ${opts.kind}, got ${opts.latents?.length}`,
    );
  const res = networks[0].generator.config.imgResolution;
  for (const [i, n] of networks.entries()) {
    if (typeof n.label !== 'string' || n.label === '')
      throw new TypeError(`networks[${i}].label must be a non-empty string`);
    const r = n.generator.config.imgResolution;
    if (r !== res)
      throw new RangeError(
        `networks must share one resolution: ${JSON.stringify(networks[0].label)} is ${res}², ${JSON.stringify(n.label)} is ${r}² ` +
          '(resampling one would change the very aliasing the comparison shows)',
      );
    for (const [j, z] of opts.latents.entries())
      if (z.length !== n.generator.config.zDim)
        throw new RangeError(
          `latents[${j}] has ${z.length} values; ${JSON.stringify(n.label)} needs zDim = ${n.generator.config.zDim}`,
        );
  }
  if (opts.range && !(opts.range[1] > opts.range[0]))
    throw new RangeError(`range must have hi > lo, got [${opts.range.join(', ')}]`);
  const scale = opts.scale ?? Math.max(1, Math.ceil(128 / res));
  assertInteger('scale', scale, 1);
  return { gain, res, scale };
}

/** The caption under frame `step`: the motion and where it is. */
function motionCaption(kind: MotionKind, step: MotionStep, frames: number, res: number): string {
  const at = `frame ${step.index + 1}/${frames}`;
  if (kind === 'interpolate') return `interpolate in W · ${at} · λ = ${step.weight.toFixed(2)}`;
  if (kind === 'translate')
    return `translate · ${at} · (${(step.tx * res).toFixed(1)}, ${(step.ty * res).toFixed(1)}) px`;
  return `rotate · ${at} · ${((step.angle * 180) / Math.PI).toFixed(0)}°`;
}

/** Lines a caption wraps to in the grid it goes under. */
function captionLineCount(spec: Parameters<typeof motionGridLayout>[0]): number {
  const bare = motionGridLayout({ ...spec, caption: undefined });
  const pad = 2 * bare.textScale;
  return wrapText(spec.caption ?? '', bare.width - 2 * pad, bare.textScale).length;
}

/** Per-column state carried from frame to frame. */
interface ColumnState {
  net: MotionNetwork;
  note: string | null;
  ws: tf.Tensor3D[];
  channels: number;
  range: [number, number];
  first: Float32Array | null;
  previous: Float32Array | null;
  strip: Float32Array | null;
  stripMask: Float32Array | null;
  rms: (number | null)[];
}

/**
 * Render the comparison: every network makes the same motion (`motionSchedule(kind, frames)`), frame
 * by frame, and each frame is composed into one grid (`composeMotionFrame`). Networks must share one
 * output resolution (refused otherwise: resampling one would alter the aliasing being compared) and
 * take latents of their zDim. Tensors are disposed as soon as their frame is read back.
 */
export async function buildMotionComparison(
  networks: readonly MotionNetwork[],
  opts: MotionComparisonOptions,
): Promise<MotionComparison> {
  const { gain, res, scale } = checkOptions(networks, opts);
  const { kind, frames } = opts;
  const steps = motionSchedule(kind, frames, opts.shape);
  const synth = synthesizer(opts.noiseMode ?? 'const');
  const rows = motionRows(kind, gain);
  const plane = res * res;
  const stripColumn = Math.floor(res / 2);
  const columns: ColumnState[] = networks.map((net) => ({
    net,
    note: motionSupport(net.generator, kind, net.label),
    ws: [],
    channels: net.generator.config.imgChannels,
    range: opts.range ? [opts.range[0], opts.range[1]] : [-1, 1],
    first: null,
    previous: null,
    strip: null,
    stripMask: null,
    rms: [],
  }));
  const composed: MotionComparison['frames'] = [];
  const captions = steps.map((s) => motionCaption(kind, s, frames, res));
  const columnLabels = networks.map((n) => n.label);
  const base = { columnLabels, rowLabels: rows, resolution: res, scale };
  const captionLines = Math.max(...captions.map((caption) => captionLineCount({ ...base, caption })));
  const layout = motionGridLayout({ ...base, captionLines });
  try {
    for (const col of columns)
      if (!col.note) col.ws = opts.latents.map((z) => col.net.generator.mapping(z, { psi: opts.psi ?? 1 }));
    for (const step of steps) {
      const cells: GridCell[][] = rows.map(() => []);
      for (const col of columns) {
        if (col.note) {
          cells[0].push({ kind: 'blank', text: col.note });
          cells[1].push({ kind: 'blank', text: '' });
          cells[2].push({ kind: 'blank', text: '' });
          col.rms.push(null);
          continue;
        }
        const ws =
          kind === 'interpolate'
            ? tf.tidy(
                () =>
                  tf.add(tf.mul(col.ws[0], 1 - step.weight), tf.mul(col.ws[1], step.weight)) as tf.Tensor3D,
              )
            : col.ws[0];
        const image = synth(col.net.generator, ws, kind === 'interpolate' ? null : step.inputTransform);
        if (ws !== col.ws[0]) ws.dispose();
        const data = (await image.data()) as Float32Array;
        const shape = image.shape.slice();
        image.dispose();
        const c = shape[1];
        const shown = c === col.channels ? c : Math.min(c, 3);
        if (col.first === null) {
          col.first = data;
          if (!opts.range) {
            const m = maxAbs(data);
            col.range = [-m, m];
          }
        }
        const whiteAt = (col.range[1] - col.range[0]) / gain;
        const imageCell = (d: Float32Array, mask?: Float32Array): GridCell => ({
          kind: 'image',
          data: d.subarray(0, (shown >= 3 ? 3 : 1) * plane),
          channels: shown >= 3 ? 3 : 1,
          range: col.range,
          mask,
        });
        cells[0].push(imageCell(data));
        if (kind === 'interpolate') {
          // Strip timeline: tile column x shows the centre column of frame ⌊x·K/res⌋ once it exists.
          col.strip ??= new Float32Array(c * plane);
          col.stripMask ??= new Float32Array(plane);
          for (let x = 0; x < res; x++) {
            if (Math.floor((x * frames) / res) !== step.index) continue;
            for (let y = 0; y < res; y++) {
              col.stripMask[y * res + x] = 1;
              for (let ch = 0; ch < c; ch++)
                col.strip[ch * plane + y * res + x] = data[ch * plane + y * res + stripColumn];
            }
          }
          cells[1].push(imageCell(col.strip.slice(), col.stripMask.slice()));
          const full = new Float32Array(plane).fill(1);
          const prev: MaskedImage = { image: col.previous ?? data, mask: full };
          const diff = differenceMap({ image: data, mask: full }, prev, shape);
          cells[2].push({ kind: 'difference', map: diff.map, white: whiteAt });
          col.rms.push(diff.rms);
          col.previous = data;
        } else {
          const back = untransformFrame(data, shape, step);
          const ref = untransformReference(col.first, shape, step);
          const diff = differenceMap(back, ref, shape);
          cells[1].push(imageCell(back.image, back.mask));
          cells[2].push({ kind: 'difference', map: diff.map, white: whiteAt });
          col.rms.push(diff.rms);
        }
      }
      composed.push(composeMotionFrame({ ...base, cells, caption: captions[step.index], captionLines }));
      opts.onFrame?.(step.index + 1, frames);
    }
  } finally {
    for (const col of columns) for (const w of col.ws) w.dispose();
  }
  return {
    kind,
    gain,
    rows,
    columns: columns.map((c) => ({
      label: c.net.label,
      active: c.note === null,
      ...(c.note ? { note: c.note } : {}),
      range: c.range,
    })),
    steps,
    frames: composed,
    differenceRms: columns.map((c) => c.rms),
    layout,
  };
}
