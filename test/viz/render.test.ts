/**
 * Rendering in headless Chromium (Debian chromium through playwright-core, offline):
 * the gallery page draws every figure, `toPng` gives a decodable, correctly sized, non-blank PNG,
 * and the notebook display bundle draws (also under a RequireJS `define`, as in classic Notebook)
 * and loads plotly only once. One browser for the whole file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  chromiumAvailable,
  closeRenderer,
  decodePng,
  displayBundle,
  notebookDefaults,
  plotlyBundle,
  resetNotebook,
  show,
  toHtml,
  toPng,
  withPage,
} from '../../src/viz/index.js';
import { allFigures, heatmapExample, samplingExample } from './fixtures.js';

let dir = '';
before(() => {
  assert.ok(chromiumAvailable(), 'Chromium is required (Debian package chromium or $ALIASFREE_CHROMIUM)');
  dir = mkdtempSync(join(tmpdir(), 'aliasfree-viz-'));
});
after(async () => {
  await closeRenderer();
  rmSync(dir, { recursive: true, force: true });
});

/** Pixel statistics of a decoded PNG: distinct colours and the fraction of non-white pixels. */
function inkStats(png: { width: number; height: number; rgba: Uint8Array }) {
  const colours = new Set<number>();
  let ink = 0;
  for (let i = 0; i < png.rgba.length; i += 4) {
    const [r, g, b] = [png.rgba[i], png.rgba[i + 1], png.rgba[i + 2]];
    colours.add((r << 16) | (g << 8) | b);
    if (r < 245 || g < 245 || b < 245) ink++;
  }
  return { colours: colours.size, ink: ink / (png.width * png.height) };
}

test('toHtml page draws every figure offline in headless Chromium', async () => {
  const figs = allFigures();
  const path = toHtml(
    figs.map((f) => f.fig),
    join(dir, 'gallery.html'),
    { title: 'test gallery', captions: figs.map((f) => f.name) },
  );
  const result = await withPage(async (page) => {
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(path).href);
    await page.waitForFunction(
      (n) => document.querySelectorAll('.aliasfree-figure[data-rendered]').length === n,
      figs.length,
      {
        timeout: 30000,
      },
    );
    const perFigure = await page.$$eval('.aliasfree-figure', (els) =>
      els.map((el) => ({
        svg: el.querySelectorAll('svg.main-svg').length,
        lines: el.querySelectorAll('.scatterlayer .trace path.js-line').length,
        heatmapImages: el.querySelectorAll('.heatmaplayer image, .contourlayer path').length,
        imageTraces: el.querySelectorAll('.imagelayer image').length,
        bars: el.querySelectorAll('.barlayer .point').length,
        tableCells: el.querySelectorAll('.table .cell-text').length,
        sliders: el.querySelectorAll('.slider-container').length,
      })),
    );
    return {
      requests,
      errors,
      perFigure,
      hasPlotly: await page.evaluate(() => typeof (window as any).Plotly?.newPlot),
    };
  });
  assert.deepEqual(result.errors, []);
  assert.equal(result.hasPlotly, 'function');
  // Only the file itself (and inline data: images) — no CDN or other network use.
  assert.deepEqual(
    result.requests.filter((u) => !u.startsWith('data:')),
    [pathToFileURL(path).href],
  );
  const by = Object.fromEntries(figs.map((f, i) => [f.name, result.perFigure[i]]));
  for (const [name, m] of Object.entries(by)) assert.ok(m.svg >= 1, `${name}: plotly svg drawn`);
  assert.ok(by.sampling.lines >= 5, JSON.stringify(by.sampling));
  assert.ok(by['filter-response'].lines >= 3);
  assert.ok(by['spectrum-heatmap'].heatmapImages >= 1, JSON.stringify(by['spectrum-heatmap']));
  assert.equal(by['image-grid'].imageTraces, 2);
  assert.equal(by['layer-aliasing'].imageTraces, 15);
  assert.ok(by['layer-aliasing'].heatmapImages >= 15);
  assert.equal(by['layer-aliasing'].bars, 15);
  assert.ok(by['eq-table'].tableCells >= 8);
  assert.equal(by['translation-animation'].sliders, 1);
  assert.equal(by['rotation-animation'].sliders, 1);
});

test('toPng: decodable PNG of the requested size, not blank', async () => {
  const { fig } = heatmapExample();
  const path = join(dir, 'heatmap.png');
  const bytes = await toPng(fig, path, { width: 500, height: 460, scale: 2 });
  const png = decodePng(bytes);
  assert.equal(png.width, 1000);
  assert.equal(png.height, 920);
  const s = inkStats(png);
  assert.ok(s.colours > 200, `distinct colours ${s.colours}`);
  assert.ok(s.ink > 0.3, `ink fraction ${s.ink}`);
  // A line plot: mostly background, some ink.
  const line = decodePng(await toPng(samplingExample().fig));
  assert.equal(line.width, 800);
  assert.equal(line.height, 450);
  const ls = inkStats(line);
  assert.ok(ls.ink > 0.02 && ls.ink < 0.6, `line plot ink ${ls.ink}`);
  await assert.rejects(() => toPng(fig, undefined, { scale: 0 }), /scale must be > 0/);
  await assert.rejects(() => toPng({} as never), /fig must be a plotly figure/);
});

test('notebook display bundle: plotly inlined once, PNG fallback, draws under RequireJS', async () => {
  resetNotebook();
  const fig1 = samplingExample().fig;
  const fig2 = heatmapExample().fig;
  const b1 = await displayBundle(fig1, { png: true });
  const b2 = await displayBundle(fig2, { png: false });
  const bundleLen = plotlyBundle().length;
  assert.ok(b1['text/html'].length > bundleLen, 'first output carries the plotly bundle');
  assert.ok(b2['text/html'].length < 1e6, 'second output does not repeat it');
  assert.ok(!b2['text/html'].includes('window.__aliasfreePlotly = true'));
  assert.equal(decodePng(Buffer.from(b1['image/png']!, 'base64')).width, 800);
  assert.equal(b2['image/png'], undefined);
  assert.match(b1['text/plain'], /5 trace\(s\) \[scatter\]/);
  assert.match(b1['text/html'], /<img alt=[^>]*src="data:image\/png;base64,/);
  // A classic-Notebook-like page: RequireJS's global `define` present; the second figure's output
  // comes before the one holding the bundle (outputs can be reordered by re-running cells).
  const html =
    '<!DOCTYPE html><html><head><meta charset="utf-8"><script>window.define=function(){throw new Error("AMD define used")};' +
    'window.define.amd={};</script></head><body>' +
    b2['text/html'] +
    b1['text/html'] +
    '</body></html>';
  const out = await withPage(async (page) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.setContent(html);
    await page.waitForFunction(
      () => document.querySelectorAll('.aliasfree-figure[data-rendered]').length === 2,
      null,
      {
        timeout: 30000,
      },
    );
    return {
      errors,
      svgs: await page.$$eval('.aliasfree-figure', (els) =>
        els.map((e) => e.querySelectorAll('svg.main-svg').length),
      ),
      imgsLeft: await page.$$eval('.aliasfree-figure > img', (els) => els.length),
    };
  });
  assert.deepEqual(out.errors, []);
  assert.ok(
    out.svgs.every((n) => n >= 1),
    JSON.stringify(out.svgs),
  );
  assert.equal(out.imgsLeft, 0, 'the PNG placeholder is replaced by the live plot');
  resetNotebook();
  assert.ok(
    (await displayBundle(fig2, { png: false }))['text/html'].length > bundleLen,
    'reset re-inlines plotly',
  );
  assert.ok((await displayBundle(fig2, { png: false, plotly: 'always' }))['text/html'].length > bundleLen);
  await assert.rejects(
    () => displayBundle(fig2, { plotly: 'sometimes' as never }),
    /plotly must be 'once', 'always' or 'never'/,
  );
});

test('show: sends one multi-MIME display_data through the tslab kernel, returns the bundle outside', async () => {
  const fig = samplingExample().fig;
  notebookDefaults.png = false;
  try {
    // Outside a kernel: nothing is emitted, the bundle comes back.
    const plain = await show(fig);
    assert.ok(plain?.['text/html'].includes('Plotly.newPlot'));
    // Inside tslab: the kernel's jupyter module holds the current cell's display writer.
    const require = createRequire(import.meta.url);
    const fake = '/fake/node_modules/tslab/dist/jupyter.js';
    const sent: { data: Record<string, string>; update: boolean }[] = [];
    require.cache[fake] = {
      id: fake,
      filename: fake,
      loaded: true,
      exports: {
        lastWriteDisplayData: (msg: { data: Record<string, string> }, update: boolean) =>
          sent.push({ data: msg.data, update }),
      },
    } as never;
    try {
      resetNotebook();
      assert.equal(await show(fig, { png: true }), undefined, 'nothing for the kernel to echo');
      assert.equal(sent.length, 1);
      assert.deepEqual(Object.keys(sent[0].data).sort(), ['image/png', 'text/html', 'text/plain']);
      assert.ok(
        sent[0].data['text/html'].includes('window.__aliasfreePlotly = true'),
        'first output carries plotly',
      );
      assert.equal(decodePng(Buffer.from(sent[0].data['image/png'], 'base64')).width, 800);
      assert.equal(sent[0].update, false);
    } finally {
      delete require.cache[fake];
    }
  } finally {
    notebookDefaults.png = 'auto';
  }
});
