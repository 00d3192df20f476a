/**
 * One frame of a motion comparison as pixels: a grid with one column per network (its label on
 * top), one row per view (its name on the left) and an optional caption below. Tiles are the
 * networks' images upscaled by an integer factor with nearest-neighbour pixels, so that a 16² or
 * 32² network stays visible in a video without smoothing away the very details it is about.
 */
import { assertInteger } from '../../signal/validate.js';
import { drawText, fitText, GLYPH_HEIGHT, textWidth, wrapText } from './glyphs.js';

/** Colour of pixels without a valid comparison (outside the resampler's support). */
export const INVALID_RGB = [60, 60, 100] as const;

/** Colour of a network's blank tile (a view it cannot show). */
export const BLANK_RGB = [200, 200, 200] as const;

/** What one cell of the grid shows. */
export type GridCell =
  | {
      kind: 'image';
      /** Row-major C·H·W values, C = 1 (grey) or ≥ 3 (the first three channels as RGB). */
      data: Float32Array;
      channels: number;
      /** Display window: lo → 0, hi → 255. */
      range: readonly [number, number];
      /** Optional per-pixel mask (H·W): pixels with 0 are drawn in `INVALID_RGB`. */
      mask?: Float32Array;
    }
  | {
      kind: 'difference';
      /** H·W non-negative values; NaN = no valid comparison (drawn in `INVALID_RGB`). */
      map: Float32Array;
      /** The value drawn white: grey = 255·min(1, value / white). */
      white: number;
    }
  | {
      kind: 'blank';
      /** Why the network shows nothing here (wrapped into the tile). */
      text: string;
    };

/** Everything a frame is composed from. */
export interface GridSpec {
  /** Label on top of each column. */
  columnLabels: readonly string[];
  /** Name of each row, drawn on the left. */
  rowLabels: readonly string[];
  /** cells[row][column]. */
  cells: readonly (readonly GridCell[])[];
  /** Pixels per side of a network's image. */
  resolution: number;
  /** Integer upscaling of every tile (nearest neighbour). */
  scale: number;
  /** Optional line(s) under the grid (wrapped to the grid's width). */
  caption?: string;
  /**
   * Caption lines to reserve (default: as many as `caption` wraps to). Frames of one video give
   * the most any of their captions needs, so that every frame has the same size.
   */
  captionLines?: number;
}

/** Geometry of a composed frame, in output pixels. */
export interface GridLayout {
  width: number;
  height: number;
  /** Side of one tile: resolution·scale. */
  tile: number;
  /** Scale of the 3×5 font. */
  textScale: number;
  /** Width of the row-label column on the left. */
  gutter: number;
  /** Height of the column-label band on top. */
  header: number;
  /** Space between tiles. */
  gap: number;
  /** Top-left corner of the tile in `row`, `col`. */
  origin(row: number, col: number): { x: number; y: number };
}

/** The text scale for a tile size: 1 below 96 px, 2 up to 191 px, then 3. */
function textScaleFor(tile: number): number {
  return tile < 96 ? 1 : tile < 192 ? 2 : 3;
}

/** Layout of a grid of `rows` × `cols` tiles with these labels and caption. */
export function motionGridLayout(spec: Omit<GridSpec, 'cells'>): GridLayout {
  assertInteger('resolution', spec.resolution, 1);
  assertInteger('scale', spec.scale, 1);
  const cols = spec.columnLabels.length;
  const rows = spec.rowLabels.length;
  if (cols < 1) throw new RangeError('columnLabels must name at least one column');
  if (rows < 1) throw new RangeError('rowLabels must name at least one row');
  const tile = spec.resolution * spec.scale;
  const textScale = textScaleFor(tile);
  const pad = 2 * textScale;
  const gap = 2;
  const gutter = Math.max(...spec.rowLabels.map((l) => textWidth(l, textScale))) + 2 * pad;
  const header = GLYPH_HEIGHT * textScale + 2 * pad;
  const gridWidth = gutter + cols * tile + (cols - 1) * gap + pad;
  const captionLines = Math.max(
    spec.captionLines ?? 0,
    spec.caption ? wrapText(spec.caption, gridWidth - 2 * pad, textScale).length : 0,
  );
  const footer = captionLines ? captionLines * (GLYPH_HEIGHT + 2) * textScale + 2 * pad : pad;
  const height = header + rows * tile + (rows - 1) * gap + footer;
  return {
    width: gridWidth,
    height,
    tile,
    textScale,
    gutter,
    header,
    gap,
    origin: (row, col) => ({ x: gutter + col * (tile + gap), y: header + row * (tile + gap) }),
  };
}

function toByte(v: number, lo: number, hi: number): number {
  const u = Math.floor(((v - lo) / (hi - lo)) * 255 + 0.5);
  return Number.isFinite(u) ? (u < 0 ? 0 : u > 255 ? 255 : u) : 0;
}

/** RGB of pixel p of a cell. */
function cellPixel(cell: GridCell, p: number, plane: number): readonly [number, number, number] {
  if (cell.kind === 'image') {
    if (cell.mask && cell.mask[p] === 0) return INVALID_RGB;
    const [lo, hi] = cell.range;
    const g = (ch: number) => toByte(cell.data[ch * plane + p], lo, hi);
    return cell.channels >= 3 ? [g(0), g(1), g(2)] : [g(0), g(0), g(0)];
  }
  if (cell.kind === 'difference') {
    const v = cell.map[p];
    if (Number.isNaN(v)) return INVALID_RGB;
    const g = Math.min(255, Math.round((v / cell.white) * 255));
    return [g, g, g];
  }
  return BLANK_RGB;
}

function checkCell(cell: GridCell, plane: number, where: string): void {
  if (cell.kind === 'image') {
    if (!(cell.channels === 1 || cell.channels >= 3))
      throw new RangeError(`${where}: channels must be 1 or ≥ 3, got ${cell.channels}`);
    if (cell.data.length !== cell.channels * plane)
      throw new RangeError(
        `${where}: data has ${cell.data.length} values, expected ${cell.channels * plane}`,
      );
    if (!(cell.range[1] > cell.range[0]))
      throw new RangeError(`${where}: range must have hi > lo, got [${cell.range.join(', ')}]`);
  } else if (cell.kind === 'difference') {
    if (cell.map.length !== plane)
      throw new RangeError(`${where}: map has ${cell.map.length} values, expected ${plane}`);
    if (!(cell.white > 0)) throw new RangeError(`${where}: white must be positive, got ${cell.white}`);
  }
}

/**
 * Compose one frame: white background, column labels (cut to the tile width), row names, every
 * cell upscaled by `scale`, blank cells in light grey with their wrapped reason, and the caption.
 */
export function composeMotionFrame(spec: GridSpec): { width: number; height: number; rgba: Uint8Array } {
  const layout = motionGridLayout(spec);
  const { width, height, tile, textScale: ts } = layout;
  const res = spec.resolution;
  const plane = res * res;
  if (spec.cells.length !== spec.rowLabels.length)
    throw new RangeError(`cells has ${spec.cells.length} rows, rowLabels names ${spec.rowLabels.length}`);
  const rgba = new Uint8Array(width * height * 4).fill(255);
  const canvas = { width, height, rgba };
  const pad = 2 * ts;
  spec.columnLabels.forEach((label, col) => {
    const text = fitText(label, tile, ts);
    const { x } = layout.origin(0, col);
    drawText(canvas, text, x + Math.max(0, Math.floor((tile - textWidth(text, ts)) / 2)), pad, { scale: ts });
  });
  spec.rowLabels.forEach((label, row) => {
    const { y } = layout.origin(row, 0);
    drawText(canvas, label, pad, y + Math.floor((tile - GLYPH_HEIGHT * ts) / 2), { scale: ts });
  });
  spec.cells.forEach((cells, row) => {
    if (cells.length !== spec.columnLabels.length)
      throw new RangeError(`cells[${row}] has ${cells.length} cells, expected ${spec.columnLabels.length}`);
    cells.forEach((cell, col) => {
      checkCell(cell, plane, `cells[${row}][${col}]`);
      const { x: ox, y: oy } = layout.origin(row, col);
      for (let y = 0; y < res; y++)
        for (let x = 0; x < res; x++) {
          const [r, g, b] = cellPixel(cell, y * res + x, plane);
          for (let dy = 0; dy < spec.scale; dy++) {
            let i = ((oy + y * spec.scale + dy) * width + ox + x * spec.scale) * 4;
            for (let dx = 0; dx < spec.scale; dx++, i += 4) {
              rgba[i] = r;
              rgba[i + 1] = g;
              rgba[i + 2] = b;
            }
          }
        }
      if (cell.kind === 'blank') {
        const lines = wrapText(cell.text, tile - 2 * pad, ts);
        lines.forEach((line, i) =>
          drawText(canvas, line, ox + pad, oy + pad + i * (GLYPH_HEIGHT + 2) * ts, { scale: ts }),
        );
      }
    });
  });
  if (spec.caption) {
    const lines = wrapText(spec.caption, width - 2 * pad, ts);
    const top = layout.origin(spec.rowLabels.length - 1, 0).y + tile + pad;
    lines.forEach((line, i) => drawText(canvas, line, pad, top + i * (GLYPH_HEIGHT + 2) * ts, { scale: ts }));
  }
  return { width, height, rgba };
}
