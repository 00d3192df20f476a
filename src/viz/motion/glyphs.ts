/**
 * A 3×5 pixel font for the captions burnt into motion-comparison frames. GIF and MP4 frames are
 * plain pixels, so the column labels ("C", "T", "R", file names) and row names must be drawn into
 * them; a tiny fixed font keeps that dependency-free and legible at any integer scale.
 */

/** Glyph rows, 3 bits each (left to right), top to bottom. Lower case draws as upper case. */
const GLYPHS: Record<string, string> = {
  A: '010 101 111 101 101',
  B: '110 101 110 101 110',
  C: '011 100 100 100 011',
  D: '110 101 101 101 110',
  E: '111 100 110 100 111',
  F: '111 100 110 100 100',
  G: '011 100 101 101 011',
  H: '101 101 111 101 101',
  I: '111 010 010 010 111',
  J: '001 001 001 101 010',
  K: '101 101 110 101 101',
  L: '100 100 100 100 111',
  M: '101 111 111 101 101',
  N: '110 101 101 101 101',
  O: '010 101 101 101 010',
  P: '110 101 110 100 100',
  Q: '010 101 101 110 011',
  R: '110 101 110 101 101',
  S: '011 100 010 001 110',
  T: '111 010 010 010 010',
  U: '101 101 101 101 111',
  V: '101 101 101 101 010',
  W: '101 101 111 111 101',
  X: '101 101 010 101 101',
  Y: '101 101 010 010 010',
  Z: '111 001 010 100 111',
  '0': '111 101 101 101 111',
  '1': '010 110 010 010 111',
  '2': '110 001 010 100 111',
  '3': '110 001 010 001 110',
  '4': '101 101 111 001 001',
  '5': '111 100 110 001 110',
  '6': '011 100 111 101 111',
  '7': '111 001 010 010 010',
  '8': '111 101 111 101 111',
  '9': '111 101 111 001 110',
  ' ': '000 000 000 000 000',
  ':': '000 010 000 010 000',
  '.': '000 000 000 000 010',
  ',': '000 000 000 010 100',
  '-': '000 000 111 000 000',
  _: '000 000 000 000 111',
  '×': '000 101 010 101 000',
  '·': '000 000 010 000 000',
  '(': '001 010 010 010 001',
  ')': '100 010 010 010 100',
  '/': '001 001 010 100 100',
  '|': '010 010 010 010 010',
  '=': '000 111 000 111 000',
  '+': '000 010 111 010 000',
  '%': '101 001 010 100 101',
  '°': '010 101 010 000 000',
  Δ: '010 010 101 101 111',
  λ: '100 010 010 101 101',
  '?': '110 001 010 000 010',
};

/** Glyph cell: 3 px wide plus 1 px spacing, 5 px tall, at scale 1. */
export const GLYPH_WIDTH = 4;
/** Glyph height in pixels at scale 1. */
export const GLYPH_HEIGHT = 5;

function glyph(ch: string): string {
  return GLYPHS[ch] ?? GLYPHS[ch.toUpperCase()] ?? GLYPHS['?'];
}

/** Width in pixels of `text` drawn at `scale` (no trailing spacing). */
export function textWidth(text: string, scale = 1): number {
  const n = [...text].length;
  return n === 0 ? 0 : (n * GLYPH_WIDTH - 1) * scale;
}

/** An RGBA canvas (row-major, width·height·4 bytes) that text can be drawn into. */
export interface RgbaCanvas {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/**
 * Draw `text` with its top-left corner at (x, y), each font pixel a `scale`×`scale` block of
 * `color`; pixels outside the canvas are clipped (a label never writes out of bounds).
 */
export function drawText(
  canvas: RgbaCanvas,
  text: string,
  x: number,
  y: number,
  { scale = 1, color = [0, 0, 0] }: { scale?: number; color?: readonly [number, number, number] } = {},
): void {
  let ox = x;
  for (const ch of text) {
    const rows = glyph(ch).split(' ');
    for (let r = 0; r < GLYPH_HEIGHT; r++)
      for (let c = 0; c < 3; c++) {
        if (rows[r][c] !== '1') continue;
        for (let dy = 0; dy < scale; dy++)
          for (let dx = 0; dx < scale; dx++) {
            const px = ox + c * scale + dx;
            const py = y + r * scale + dy;
            if (px < 0 || py < 0 || px >= canvas.width || py >= canvas.height) continue;
            const i = (py * canvas.width + px) * 4;
            canvas.rgba[i] = color[0];
            canvas.rgba[i + 1] = color[1];
            canvas.rgba[i + 2] = color[2];
            canvas.rgba[i + 3] = 255;
          }
      }
    ox += GLYPH_WIDTH * scale;
  }
}

/**
 * Fit `text` into `maxWidth` pixels at `scale`: break it into lines at spaces (a word longer than a
 * line is cut and marked with a final '.'), so a long caption wraps instead of spilling over the
 * next column.
 */
export function wrapText(text: string, maxWidth: number, scale = 1): string[] {
  const perLine = Math.max(1, Math.floor((maxWidth / scale + 1) / GLYPH_WIDTH));
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const w = [...word].length > perLine ? [...word].slice(0, perLine - 1).join('') + '.' : word;
    const candidate = line ? `${line} ${w}` : w;
    if ([...candidate].length <= perLine) line = candidate;
    else {
      if (line) lines.push(line);
      line = w;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** `text` cut to at most `maxWidth` pixels at `scale` (ending in '.' when cut). */
export function fitText(text: string, maxWidth: number, scale = 1): string {
  const chars = [...text];
  const perLine = Math.max(1, Math.floor((maxWidth / scale + 1) / GLYPH_WIDTH));
  return chars.length <= perLine ? text : chars.slice(0, Math.max(0, perLine - 1)).join('') + '.';
}
