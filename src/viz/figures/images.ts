/**
 * Image tensors → pixels: PNG export of NCHW tensors and image-grid figures.
 *
 * Pixel mapping follows the official code (spec §0): images are nominally in [−1, 1] and the
 * uint8 value is `clamp(floor(x·127.5 + 128), 0, 255)`. For a general display range `[lo, hi]` that is
 * `floor((x − lo)/(hi − lo)·255 + 0.5)`, which reduces to the official formula for `[−1, 1]`.
 */
import { writeFileSync } from 'node:fs';
import pngjs from 'pngjs';
import type { NdArray } from 'ndarray';
import { asNCHW } from '../../signal/array.js';
import { assertInteger, assertFinite } from '../../signal/validate.js';
import { axis, baseLayout, type Figure, type Trace } from '../style.js';

const { PNG } = pngjs;

/** How values map to grey levels: fixed `[lo, hi]`, per-tile min…max, or per-tile ±max|x| (visualiser "normalise"). */
export type DisplayRange = [number, number] | 'auto' | 'symmetric';

/** How channels become pictures: `rgb` (3 channels, or 1 grey), or one grey tile per channel. */
export type ChannelMode = 'auto' | 'rgb' | 'grey';

/** How an NCHW array becomes tiles: display range, channel mode and the tile cap. */
export interface TileOptions {
  /** Display range (default `[-1, 1]`, the generator's image range). */
  range?: DisplayRange;
  /** `auto`: C = 1 → grey, C = 3 → RGB, other C → one grey tile per channel. */
  channels?: ChannelMode;
  /** Cap on the number of tiles (feature maps can have hundreds of channels). Default 64. */
  maxTiles?: number;
}

/** One 8-bit RGBA picture ready for PNG encoding. */
export interface RgbaTile {
  width: number;
  height: number;
  rgba: Uint8Array;
  /** `n` (batch index) and `c` (first channel shown) of the tile. */
  n: number;
  c: number;
}

function checkRange(range: DisplayRange): void {
  if (range === 'auto' || range === 'symmetric') return;
  if (!Array.isArray(range) || range.length !== 2) {
    throw new TypeError(`range must be [lo, hi], 'auto' or 'symmetric', got ${String(range)}`);
  }
  assertFinite('range[0]', range[0]);
  assertFinite('range[1]', range[1]);
  if (!(range[1] > range[0])) throw new RangeError(`range must have hi > lo, got [${range[0]}, ${range[1]}]`);
}

/**
 * Split a 2-D `[H,W]`, 3-D `[C,H,W]` or 4-D `[N,C,H,W]` tensor into 8-bit RGBA tiles.
 * Grey tiles replicate the value into R, G and B.
 */
export function tensorToTiles(x: NdArray, opts: TileOptions = {}): RgbaTile[] {
  const range = opts.range ?? [-1, 1];
  checkRange(range);
  const maxTiles = opts.maxTiles ?? 64;
  assertInteger('maxTiles', maxTiles, 1);
  const { x: t } = asNCHW('x', x);
  const [N, C, H, W] = t.shape;
  const data = t.data;
  const mode: ChannelMode = opts.channels ?? 'auto';
  const rgb = mode === 'rgb' ? C >= 3 : mode === 'auto' ? C === 3 : false;
  if (mode === 'rgb' && C !== 1 && C < 3) {
    throw new RangeError(`channels 'rgb' needs 1 or ≥ 3 channels, x has C = ${C}`);
  }
  const plane = H * W;
  const tiles: RgbaTile[] = [];
  for (let n = 0; n < N && tiles.length < maxTiles; n++) {
    const groups: number[][] = rgb ? [[0, 1, 2]] : Array.from({ length: C }, (_, c) => [c, c, c]);
    for (const chans of groups) {
      if (tiles.length >= maxTiles) break;
      const base = chans.map((c) => (n * C + c) * plane);
      // Display window for this tile.
      let lo: number;
      let hi: number;
      if (Array.isArray(range)) {
        [lo, hi] = range;
      } else {
        let mn = Infinity;
        let mx = -Infinity;
        for (const b of base) {
          for (let i = 0; i < plane; i++) {
            const v = data[b + i];
            if (v < mn) mn = v;
            if (v > mx) mx = v;
          }
        }
        if (range === 'symmetric') {
          const m = Math.max(Math.abs(mn), Math.abs(mx)) || 1;
          lo = -m;
          hi = m;
        } else {
          lo = mn;
          hi = mx > mn ? mx : mn + 1;
        }
      }
      const scale = 255 / (hi - lo);
      const rgba = new Uint8Array(plane * 4);
      for (let i = 0; i < plane; i++) {
        for (let k = 0; k < 3; k++) {
          const v = data[base[k] + i];
          const u = Math.floor((v - lo) * scale + 0.5);
          rgba[i * 4 + k] = Number.isFinite(u) ? (u < 0 ? 0 : u > 255 ? 255 : u) : 0;
        }
        rgba[i * 4 + 3] = 255;
      }
      tiles.push({ width: W, height: H, rgba, n, c: chans[0] });
    }
  }
  return tiles;
}

/** Encode one RGBA picture as PNG bytes (pngjs, 8-bit RGBA). */
export function encodePng(tile: { width: number; height: number; rgba: Uint8Array }): Buffer {
  const png = new PNG({ width: tile.width, height: tile.height });
  png.data = Buffer.from(tile.rgba.buffer, tile.rgba.byteOffset, tile.rgba.byteLength);
  return PNG.sync.write(png);
}

/** Decode PNG bytes into `{width, height, rgba}` (used by tests and the PNG checks). */
export function decodePng(bytes: Uint8Array): { width: number; height: number; rgba: Uint8Array } {
  const png = PNG.sync.read(Buffer.from(bytes));
  return { width: png.width, height: png.height, rgba: new Uint8Array(png.data) };
}

/** Lay tiles out row-major on a white canvas, `cols` per row, `gap` pixels apart. */
export function composeGrid(tiles: RgbaTile[], cols: number, gap = 2): RgbaTile {
  assertInteger('cols', cols, 1);
  assertInteger('gap', gap, 0);
  if (tiles.length === 0) throw new RangeError('composeGrid needs at least one tile, got 0');
  const tw = Math.max(...tiles.map((t) => t.width));
  const th = Math.max(...tiles.map((t) => t.height));
  const c = Math.min(cols, tiles.length);
  const r = Math.ceil(tiles.length / c);
  const width = c * tw + (c - 1) * gap;
  const height = r * th + (r - 1) * gap;
  const rgba = new Uint8Array(width * height * 4).fill(255);
  tiles.forEach((t, k) => {
    const ox = (k % c) * (tw + gap);
    const oy = Math.floor(k / c) * (th + gap);
    for (let y = 0; y < t.height; y++) {
      const src = y * t.width * 4;
      rgba.set(t.rgba.subarray(src, src + t.width * 4), ((oy + y) * width + ox) * 4);
    }
  });
  return { width, height, rgba, n: tiles[0].n, c: tiles[0].c };
}

/**
 * Export an image tensor (`[H,W]`, `[C,H,W]` or `[N,C,H,W]`) as a PNG: one image, or a grid of the
 * batch (and of the channels when C is not 1 or 3). Returns the PNG bytes; writes them to `path`
 * when given. Default range `[-1, 1]` maps like the official uint8 conversion `x·127.5 + 128`.
 */
export function imageToPng(
  x: NdArray,
  path?: string,
  opts: TileOptions & { cols?: number; gap?: number } = {},
): Buffer {
  const tiles = tensorToTiles(x, opts);
  const cols = opts.cols ?? Math.ceil(Math.sqrt(tiles.length));
  const pic = tiles.length === 1 ? tiles[0] : composeGrid(tiles, cols, opts.gap ?? 2);
  const bytes = encodePng(pic);
  if (path !== undefined) writeFileSync(path, bytes);
  return bytes;
}

/** `data:image/png;base64,…` URI of a tile (what plotly `image` traces display via `source`). */
export function pngDataUri(tile: { width: number; height: number; rgba: Uint8Array }): string {
  return `data:image/png;base64,${encodePng(tile).toString('base64')}`;
}

/** Options of `imageGridFigure`: the tile options plus layout (columns, captions, tile size). */
export interface ImageGridOptions extends TileOptions {
  title?: string;
  /** Tiles per row (default: ⌈√tiles⌉). */
  cols?: number;
  /** Caption of each tile, in tile order (default `n=…, c=…`). */
  labels?: string[];
  /** Size of one tile on screen in CSS pixels (default: fit 800 px wide). */
  tilePx?: number;
}

/**
 * Image grid figure of a tensor: one plotly `image` trace per tile (pixels embedded as PNG data
 * URIs, so nothing is fetched), each in its own subplot with square pixels and pixel-unit axes.
 */
export function imageGridFigure(x: NdArray, opts: ImageGridOptions = {}): Figure {
  const tiles = tensorToTiles(x, opts);
  const cols = opts.cols ?? Math.ceil(Math.sqrt(tiles.length));
  assertInteger('cols', cols, 1);
  const c = Math.min(cols, tiles.length);
  const rows = Math.ceil(tiles.length / c);
  const tilePx = opts.tilePx ?? Math.max(60, Math.min(256, Math.floor(760 / c)));
  const gapFrac = 0.04;
  const data: Trace[] = [];
  const layout = baseLayout(opts.title ?? 'Images', {
    width: Math.max(300, c * tilePx + 60),
    height: rows * (tilePx + 24) + 90,
    margin: { l: 30, r: 30, t: 60, b: 30 },
    showlegend: false,
  });
  const annotations: Record<string, unknown>[] = [];
  tiles.forEach((t, k) => {
    const i = k + 1;
    const col = k % c;
    const row = Math.floor(k / c);
    const xs = i === 1 ? '' : String(i);
    const x0 = col / c + gapFrac / c;
    const x1 = (col + 1) / c - gapFrac / c;
    const y1 = 1 - row / rows - (gapFrac * 2) / rows;
    const y0 = 1 - (row + 1) / rows + gapFrac / rows;
    const label = opts.labels?.[k] ?? (tiles.length > 1 ? `n=${t.n}, c=${t.c}` : '');
    data.push({
      type: 'image',
      name: label,
      source: pngDataUri(t),
      x0: 0,
      y0: 0,
      dx: 1,
      dy: 1,
      xaxis: `x${xs}`,
      yaxis: `y${xs}`,
      hovertemplate: `${label} x=%{x} y=%{y}<extra></extra>`,
    });
    layout[`xaxis${xs}`] = axis('', '', {
      anchor: `y${xs}`,
      domain: [x0, x1],
      range: [-0.5, t.width - 0.5],
      showticklabels: false,
      ticks: '',
      showgrid: false,
      zeroline: false,
    });
    layout[`yaxis${xs}`] = axis('', '', {
      anchor: `x${xs}`,
      domain: [y0, y1],
      range: [t.height - 0.5, -0.5],
      showticklabels: false,
      ticks: '',
      showgrid: false,
      zeroline: false,
      scaleanchor: `x${xs}`,
    });
    if (label) {
      annotations.push({
        text: label,
        xref: 'paper',
        yref: 'paper',
        x: (x0 + x1) / 2,
        y: y1,
        yanchor: 'bottom',
        showarrow: false,
        font: { size: 11 },
      });
    }
  });
  layout.annotations = annotations;
  return { data, layout };
}
