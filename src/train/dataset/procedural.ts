/**
 * A procedural, offline training set that exercises texture sticking: every image shows one to three
 * objects at a random sub-pixel position and angle, each carrying fine detail that belongs to the
 * object (a grating and dots drawn in the object's own frame, so they move and turn with it), over a
 * smooth background. A generator that sticks texture to pixel coordinates cannot reproduce detail
 * that follows the object; one that is equivariant can.
 *
 * Rendering is anti-aliased so that the dataset itself holds no aliasing: the scene is continuous,
 * its edges are smoothstep ramps 0.75 px wide, its grating periods are ≥ 3 px (below the Nyquist
 * rate 0.5 cycles/px), and each pixel averages an 8×8 grid of samples (spacing 1/4 px) over a tent of ±1 px (a
 * triangle pre-filter, twice as strong a low-pass above Nyquist as the box). Deterministic: image
 * `i` of seed `s` depends on (s, i) only.
 */
import { Rng } from '../../generator/rng.js';
import type { Uint8Image } from './images.js';

/** Options of `proceduralImage` / `proceduralDataset`. */
export interface ProceduralOptions {
  /** Side in pixels (power of two ≥ 4). */
  resolution: number;
  /** Seed of the whole set (default 0). */
  seed?: number;
  /** Colour channels, 3 (default) or 1. */
  channels?: number;
}

interface SceneObject {
  cx: number;
  cy: number;
  cos: number;
  sin: number;
  /** Half-extents in pixels along the object's axes. */
  ax: number;
  ay: number;
  /** 0 ellipse, 1 rounded square. */
  shape: number;
  color: number[];
  detail: number[];
  /** Grating frequency (cycles/px) in the object's frame. */
  freq: number;
  phase: number;
  dots: { u: number; v: number; r: number }[];
}

function smoothstep(e0: number, e1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
}

function scene(rng: Rng, R: number) {
  const bg0 = [rng.uniform(), rng.uniform(), rng.uniform()].map((v) => 0.15 + 0.5 * v);
  const bg1 = [rng.uniform(), rng.uniform(), rng.uniform()].map((v) => 0.15 + 0.5 * v);
  const bgAngle = rng.uniform() * 2 * Math.PI;
  const count = 1 + Math.floor(rng.uniform() * 3);
  const objects: SceneObject[] = [];
  for (let k = 0; k < count; k++) {
    const size = R * (0.16 + 0.14 * rng.uniform());
    const angle = rng.uniform() * 2 * Math.PI;
    const color = [rng.uniform(), rng.uniform(), rng.uniform()];
    objects.push({
      cx: R * (0.2 + 0.6 * rng.uniform()),
      cy: R * (0.2 + 0.6 * rng.uniform()),
      cos: Math.cos(angle),
      sin: Math.sin(angle),
      ax: size,
      ay: size * (0.6 + 0.4 * rng.uniform()),
      shape: rng.uniform() < 0.5 ? 0 : 1,
      color,
      detail: color.map((c) => 1 - c),
      freq: 1 / (3 + 2 * rng.uniform()),
      phase: rng.uniform() * 2 * Math.PI,
      dots: Array.from({ length: 2 }, () => ({
        u: (rng.uniform() - 0.5) * size,
        v: (rng.uniform() - 0.5) * size * 0.6,
        r: Math.max(0.9, size * 0.18),
      })),
    });
  }
  return { bg0, bg1, bgCos: Math.cos(bgAngle), bgSin: Math.sin(bgAngle), objects };
}

/** Colour of the continuous scene at (x, y) in pixels (pixel centres at i + 0.5), channels 0–2. */
function shade(sc: ReturnType<typeof scene>, R: number, x: number, y: number, out: number[]): void {
  const t = ((x - R / 2) * sc.bgCos + (y - R / 2) * sc.bgSin) / R + 0.5;
  for (let c = 0; c < 3; c++) out[c] = sc.bg0[c] + (sc.bg1[c] - sc.bg0[c]) * Math.min(1, Math.max(0, t));
  for (const o of sc.objects) {
    const dx = x - o.cx;
    const dy = y - o.cy;
    // Object frame: (u, v) rotate with the object, so the detail belongs to it.
    const u = dx * o.cos + dy * o.sin;
    const v = -dx * o.sin + dy * o.cos;
    let d: number; // signed distance in px (negative inside), approximate for the ellipse
    if (o.shape === 0) d = (Math.hypot(u / o.ax, v / o.ay) - 1) * Math.min(o.ax, o.ay);
    else {
      const r = 0.3 * Math.min(o.ax, o.ay);
      const qx = Math.abs(u) - o.ax + r;
      const qy = Math.abs(v) - o.ay + r;
      d = Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
    }
    const inside = 1 - smoothstep(-0.375, 0.375, d);
    if (inside <= 0) continue;
    let detail = 0.5 + 0.5 * Math.sin(2 * Math.PI * o.freq * u + o.phase);
    for (const dot of o.dots)
      detail = Math.max(
        detail,
        1 - smoothstep(dot.r - 0.375, dot.r + 0.375, Math.hypot(u - dot.u, v - dot.v)),
      );
    for (let c = 0; c < 3; c++) {
      const col = o.color[c] + (o.detail[c] - o.color[c]) * 0.6 * detail;
      out[c] += (col - out[c]) * inside;
    }
  }
}

/** Image `index` of the procedural set (CHW uint8). */
export function proceduralImage(index: number, opts: ProceduralOptions): Uint8Image {
  const R = opts.resolution;
  const seed = opts.seed ?? 0;
  const C = opts.channels ?? 3;
  if (!Number.isSafeInteger(R) || R < 4 || (R & (R - 1)) !== 0)
    throw new RangeError(`resolution must be a power of two >= 4, got ${R}`);
  if (C !== 1 && C !== 3) throw new RangeError(`channels must be 1 or 3, got ${C}`);
  if (!Number.isSafeInteger(index) || index < 0)
    throw new RangeError(`index must be a non-negative integer, got ${index}`);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  const sc = scene(new Rng(`procedural:${seed}:${index}`), R);
  const S = 4;
  const data = new Uint8Array(C * R * R);
  const acc = new Float64Array(3);
  const col = [0, 0, 0];
  for (let py = 0; py < R; py++)
    for (let px = 0; px < R; px++) {
      acc.fill(0);
      let wsum = 0;
      // Tent pre-filter of half-width 1 px centred on the pixel centre, sampled on a 2S×2S grid.
      for (let j = 0; j < 2 * S; j++) {
        const oy = (j + 0.5) / S - 1;
        for (let i = 0; i < 2 * S; i++) {
          const ox = (i + 0.5) / S - 1;
          const w = (1 - Math.abs(ox)) * (1 - Math.abs(oy));
          shade(sc, R, px + 0.5 + ox, py + 0.5 + oy, col);
          for (let c = 0; c < 3; c++) acc[c] += w * col[c];
          wsum += w;
        }
      }
      const rgb = [acc[0] / wsum, acc[1] / wsum, acc[2] / wsum];
      const vals = C === 3 ? rgb : [0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]];
      for (let c = 0; c < C; c++) {
        const v = Math.round(vals[c] * 255);
        data[(c * R + py) * R + px] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  return { width: R, height: R, channels: C, data };
}

/** Images 0 … count−1 of the procedural set. */
export function proceduralDataset(count: number, opts: ProceduralOptions): Uint8Image[] {
  if (!Number.isSafeInteger(count) || count < 1)
    throw new RangeError(`count must be a positive integer, got ${count}`);
  return Array.from({ length: count }, (_, i) => proceduralImage(i, opts));
}
