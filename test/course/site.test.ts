/**
 * The static course site without executing the course: formulas rendered by KaTeX at build time,
 * plotly.js shipped once per site, and a page opened offline in headless Chromium (math drawn, no
 * raw `$$`, the figure drawn from the site's one plotly copy). Needs Debian's Jupyter (nbconvert)
 * and Chromium, like course.test.ts, but takes seconds.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import {
  externalPlotly,
  extractMath,
  hasJupyter,
  notebookToHtml,
  renderMath,
  serializeNotebook,
  setupKernel,
  writeSiteAssets,
  type MathSpan,
  type Notebook,
} from '../../scripts/notebook-tools.js';
import { displayBundle } from '../../src/viz/render/notebook.js';
import { plotlyLoaderScript } from '../../src/viz/render/html.js';
import { chromiumPath } from '../../src/viz/render/png.js';

const dir = mkdtempSync(join(tmpdir(), 'aliasfree-site-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('extractMath: display and inline formulas become tokens; code and escaped dollars stay', () => {
  const spans: MathSpan[] = [];
  const md = [
    'Rate $f_s$ and $|f| < f_s/2$ in a table | cell.',
    '',
    '$$',
    'A = 2.285\\,(n-1)\\,\\pi\\,\\Delta f + 7.95 \\tag{2.3}',
    '$$',
    '',
    'Shell: `echo $PWD` costs \\$5.',
    '```bash',
    'JUPYTER_PATH=$PWD/out/jupyter jupyter lab',
    '```',
  ].join('\n');
  const out = extractMath(md, spans);
  assert.deepEqual(
    spans.map((s) => [s.tex, s.display]),
    [
      ['A = 2.285\\,(n-1)\\,\\pi\\,\\Delta f + 7.95 \\tag{2.3}', true],
      ['f_s', false],
      ['|f| < f_s/2', false],
    ],
  );
  assert.match(out, /`echo \$PWD`/);
  assert.match(out, /\\\$5/);
  assert.match(out, /JUPYTER_PATH=\$PWD/);
  assert.doesNotMatch(out.replace(/`[^`]*`|```[\s\S]*?```|\\\$/g, ''), /\$/);
});

test('renderMath: KaTeX markup for each token; a broken formula is reported, not thrown', () => {
  const spans: MathSpan[] = [
    { tex: '\\hat z(f) = \\sum_k z_k \\tag{1.2}', display: true },
    { tex: 'Ш_{f_s}', display: false },
    { tex: '\\frac{1}{', display: false },
  ];
  const { html, errors } = renderMath('<p>KATEXMATH0X</p><p>a KATEXMATH1X b KATEXMATH2X</p>', spans);
  assert.equal((html.match(/class="katex"/g) ?? []).length, 2);
  assert.equal((html.match(/class="katex-error"/g) ?? []).length, 1, 'the broken one is shown in red');
  assert.match(html, /katex-display/);
  assert.match(html, /\(1\.2\)/, 'the equation number is rendered');
  assert.doesNotMatch(html, /KATEXMATH/);
  assert.equal(errors.length, 1);
  assert.match(errors[0], /\\frac\{1\}\{/);
});

test('externalPlotly: the inlined bundle is replaced by the site copy, once per page', () => {
  const page = `<html><body>${plotlyLoaderScript()}<div>fig</div></body></html>`;
  assert.ok(page.length > 1e6, 'the loader inlines plotly.js');
  const out = externalPlotly(page, '../');
  assert.ok(out.length < 2000, `page is ${out.length} characters`);
  assert.match(out, /<script src="\.\.\/plotly\.min\.js"><\/script>/);
  assert.match(out, /aliasfree-plotly-ready/);
});

test('a built page opened offline in Chromium: formulas drawn by KaTeX, no raw $$, figure drawn', async () => {
  assert.ok(
    hasJupyter(),
    'Jupyter (nbconvert) is missing: apt-get install jupyter-nbconvert python3-ipykernel jupyter-client',
  );
  const figure = await displayBundle(
    {
      data: [{ type: 'scatter', mode: 'lines', x: [0, 1, 2, 3], y: [0, 1, 0, 1] }],
      layout: { title: { text: 'zig-zag' }, width: 400, height: 300 },
    },
    { png: false, plotly: 'always' },
  );
  const nb: Notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
    cells: [
      {
        cell_type: 'markdown',
        id: 'm1',
        metadata: {},
        source: [
          '# 99 · Test page\n',
          '\n',
          'Samples $Z[k] = z\\big((k + \\tfrac12)/f_s\\big)$ of the comb $Ш_{f_s}$:\n',
          '\n',
          '$$\n',
          '\\hat Z(f) = f_s \\sum_{k\\in\\mathbb{Z}} (-1)^k\\, \\hat z(f - k f_s). \\tag{1.2}\n',
          '$$\n',
        ],
      },
      {
        cell_type: 'code',
        id: 'c1',
        metadata: {},
        source: ['await show(fig);'],
        execution_count: 1,
        outputs: [{ output_type: 'display_data', data: { ...figure }, metadata: {} } as never],
      },
    ],
  };
  const input = join(dir, 'in', '99-test.ipynb');
  mkdirSync(join(dir, 'in'), { recursive: true });
  writeFileSync(input, serializeNotebook(nb));
  const site = join(dir, 'site');
  writeSiteAssets(site);
  const { path, mathErrors } = await notebookToHtml(input, site, setupKernel(), '');
  assert.deepEqual(mathErrors, []);
  const html = readFileSync(path, 'utf8');
  assert.doesNotMatch(html, /MathJax\.js|cdn\.|https:\/\/cdnjs/, 'no script from the network');
  assert.ok(statSync(path).size < 1e6, 'plotly.js is not inlined in the page');

  const exe = chromiumPath();
  assert.ok(exe, 'Chromium is missing: apt-get install chromium');
  const browser = await chromium.launch({ executablePath: exe, args: ['--no-sandbox'] });
  try {
    const context = await browser.newContext({ offline: true });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(String(e)));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
    await page.waitForSelector('.js-plotly-plot .main-svg', { timeout: 30_000 });
    const seen = await page.evaluate(() => ({
      katex: document.querySelectorAll('.katex').length,
      display: document.querySelectorAll('.katex-display').length,
      errors: document.querySelectorAll('.katex-error').length,
      text: document.body.innerText,
      // KaTeX's fonts are loaded from the site folder: the math is drawn in KaTeX_Main/KaTeX_Math.
      fontsLoaded: Array.from(document.fonts as unknown as Iterable<FontFace>).some(
        (f) => f.family.includes('KaTeX') && f.status === 'loaded',
      ),
    }));
    assert.equal(seen.katex, 3, 'three formulas rendered');
    assert.equal(seen.display, 1);
    assert.equal(seen.errors, 0);
    assert.ok(!seen.text.includes('$$'), 'no raw $$ on the page');
    assert.ok(!/\$[\\A-Za-z]/.test(seen.text), 'no raw inline TeX on the page');
    assert.ok(seen.text.includes('(1.2)'), 'equation number shown');
    assert.ok(seen.fontsLoaded, 'KaTeX fonts loaded from the site');
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
