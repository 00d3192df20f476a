/**
 * `npm run gallery`: every figure type of aliasfree/viz, built from real library and generator
 * output (test/viz/fixtures.ts), written as one self-contained page `out/gallery.html` and as one
 * PNG per figure `out/gallery/<name>.png`, plus the generator samples as a plain image PNG.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { allFigures, imageGridExample } from '../test/viz/fixtures.js';
import { chromiumAvailable, closeRenderer, imageToPng, toHtml, toPng } from '../src/viz/index.js';

const outDir = process.argv[2] ?? 'out';
const pngDir = join(outDir, 'gallery');
mkdirSync(pngDir, { recursive: true });

const t0 = Date.now();
const figs = allFigures();
const page = toHtml(
  figs.map((f) => f.fig),
  join(outDir, 'gallery.html'),
  { title: 'aliasfree/viz gallery', captions: figs.map((f) => f.name) },
);
console.log(`wrote ${page} (${figs.length} figures, ${Date.now() - t0} ms)`);

imageToPng(imageGridExample().img, join(pngDir, 'samples-image.png'), { range: [-1, 1] });
console.log(`wrote ${join(pngDir, 'samples-image.png')}`);

if (chromiumAvailable()) {
  try {
    for (const { name, fig } of figs) {
      const path = join(pngDir, `${name}.png`);
      await toPng(fig, path, { scale: 1 });
      console.log(`wrote ${path}`);
    }
  } finally {
    await closeRenderer();
  }
} else {
  console.warn('no Chromium found: PNG figures skipped (set ALIASFREE_CHROMIUM or install chromium)');
}
console.log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
