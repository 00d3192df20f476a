/**
 * The course end to end: every notebook (student and solutions) is executed headless with the tslab
 * kernel, no cell may error (TypeScript diagnostics included), every exercise check in the solutions
 * must print ✔, and the built static site, opened offline in headless Chromium, must show drawn
 * figures, formulas rendered by KaTeX (no raw `$$`) and the navigation on every page.
 * Needs Debian's Jupyter (`jupyter-nbconvert python3-ipykernel jupyter-client`, see .ci/run) and
 * Chromium. Slow (about a minute per notebook pair on 2 cores), so it runs the course once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { PNG } from 'pngjs';
import { runCourse, type CourseReport } from '../../scripts/course.js';
import {
  buildAllNotebooks,
  courseNames,
  hasJupyter,
  joinText,
  NOTEBOOKS,
  notebookErrors,
  notebookText,
  readNotebook,
  SOLUTIONS,
} from '../../scripts/notebook-tools.js';
import { listExercises } from '../../src/course/check.js';
import { chromiumPath } from '../../src/viz/render/png.js';

const out = mkdtempSync(join(tmpdir(), 'aliasfree-course-'));
let report: CourseReport;

before(async () => {
  assert.ok(
    hasJupyter(),
    'Jupyter (nbconvert, jupyter_client) is missing: apt-get install jupyter-nbconvert python3-ipykernel jupyter-client',
  );
  report = await runCourse({ outDir: out, log: () => {} });
});
after(() => rmSync(out, { recursive: true, force: true }));

test('stored notebooks match notebooks/source and carry no outputs', () => {
  assert.deepEqual(buildAllNotebooks(true), [], 'run: node --import tsx scripts/notebook-tools.ts');
  for (const dir of [NOTEBOOKS, SOLUTIONS]) {
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ipynb'))) {
      const nb = readNotebook(join(dir, f));
      for (const c of nb.cells) assert.deepEqual(c.outputs ?? [], [], `${f} has stored outputs`);
      const code = nb.cells
        .filter((c) => c.cell_type === 'code')
        .map((c) => joinText(c.source))
        .join('\n');
      assert.doesNotMatch(code, /shared\//, `${f} must not read ../shared`);
    }
  }
});

test('every notebook and its solutions were executed', () => {
  const executed = report.notebooks.map((r) => `${r.solutions ? 'solutions/' : ''}${r.name}`).sort();
  const expected = courseNames()
    .flatMap((n) => [n, `solutions/${n}`])
    .sort();
  assert.deepEqual(executed, expected);
});

test('no cell errors (runtime exceptions, TypeScript diagnostics, cells not run)', () => {
  for (const r of report.notebooks) {
    assert.deepEqual(r.errors, [], `${r.solutions ? 'solutions/' : ''}${r.name}`);
  }
});

test('every exercise check passes in the solutions, and is reached in the student notebooks', () => {
  for (const r of report.notebooks) {
    const ids = listExercises(r.name.slice(0, 2));
    for (const id of ids) {
      if (r.solutions) assert.equal(r.checks[id], '✔', `solutions/${r.name}: exercise ${id}`);
      // Every student stub is unanswered (undefined): it must say ○, not ✘ with a hint.
      else assert.equal(r.checks[id], '○', `${r.name}: exercise ${id} printed ${r.checks[id]}`);
    }
  }
  const checked = new Set(report.notebooks.filter((r) => r.solutions).flatMap((r) => Object.keys(r.checks)));
  assert.deepEqual(
    listExercises().filter((id) => !checked.has(id)),
    [],
    'every exercise appears in a solutions notebook',
  );
});

test('01: the notebook asserts that the samples lie on the drawn alias curve, and the assertion ran', () => {
  for (const r of report.notebooks.filter((n) => n.name.startsWith('01'))) {
    const text = notebookText(readNotebook(r.executed));
    assert.match(text, /alias check passed: the \d+ samples lie on −cos 2π·3x/, r.executed);
  }
});

test('08: texture sticking runs on the trained networks of data/, and the averaging check ran', () => {
  for (const r of report.notebooks.filter((n) => n.name.startsWith('08'))) {
    const text = notebookText(readNotebook(r.executed));
    assert.match(text, /stylegan2-procedural32: config family A, 32²/, r.executed);
    assert.match(text, /stylegan3-t-procedural32: config family T, 32²/, r.executed);
    assert.match(text, /T trained: largest RMS of the untransformed difference = [\d.]+ %/, r.executed);
    assert.match(
      text,
      /sticking check passed: the trained StyleGAN2 keeps [\d.]+–[\d.]+ of its high band, the trained T [\d.]+–[\d.]+/,
      r.executed,
    );
  }
});

test('figures display as rich output only (show() must not print its MIME bundle as text)', () => {
  for (const r of report.notebooks) {
    const text = readFileSync(r.executed, 'utf8');
    const nb = JSON.parse(text) as { cells: { outputs?: { output_type: string; text?: string[] }[] }[] };
    for (const c of nb.cells) {
      for (const o of c.outputs ?? []) {
        const printed = o.output_type === 'stream' && /'text\/html'/.test((o.text ?? []).join(''));
        assert.ok(
          !printed,
          `${r.solutions ? 'solutions/' : ''}${r.name}: a figure cell printed its MIME bundle`,
        );
      }
    }
  }
});

test('each notebook runs in under 2 minutes', () => {
  for (const r of report.notebooks) assert.ok(r.seconds < 120, `${r.name}: ${r.seconds.toFixed(1)} s`);
});

test('error detection: a TypeScript type error and an exception are reported', async () => {
  const nb = readNotebook(join(out, 'executed', `${courseNames()[0]}.ipynb`));
  const bad = structuredClone(nb);
  bad.cells[1].outputs = [
    {
      output_type: 'stream',
      name: 'stderr',
      text: ["3:7 - Type 'string' is not assignable to type 'number'.\n"],
    },
  ];
  bad.cells.push({
    ...structuredClone(nb.cells[1]),
    outputs: [{ output_type: 'error', ename: 'RangeError', evalue: 'x', traceback: [] }],
  });
  const errors = notebookErrors(bad);
  assert.equal(errors.length, 2);
  assert.match(errors[0], /not assignable/);
  assert.match(errors[1], /RangeError/);
});

test('the site: index links every notebook; figures are drawn in headless Chromium', async () => {
  assert.ok(report.index, 'index.html written');
  const index = readFileSync(report.index!, 'utf8');
  for (const n of courseNames()) {
    assert.ok(index.includes(`href="${n}.html"`), `index links ${n}`);
    assert.ok(index.includes(`href="solutions/${n}.html"`), `index links solutions/${n}`);
  }
  assert.ok(index.includes('href="../studio/index.html"'), 'index links the studio (out/studio)');
  const first = report.notebooks.find((r) => !r.solutions && r.name.startsWith('00'));
  assert.ok(first?.html, 'the index notebook has a page');
  assert.match(
    readFileSync(first.html, 'utf8'),
    /href="01-[\w-]+\.html"/,
    'links between notebooks point to pages',
  );
  const exe = chromiumPath();
  assert.ok(exe, 'Chromium is missing: apt-get install chromium');
  const browser = await chromium.launch({ executablePath: exe, args: ['--no-sandbox'] });
  try {
    // Offline: every script, stylesheet and font must come from the site folder.
    const context = await browser.newContext({ offline: true, viewport: { width: 1000, height: 800 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(pathToFileURL(report.index!).href);
    const pages = report.notebooks.filter((r) => !r.solutions && r.html);
    for (const r of report.notebooks.filter((n) => n.html)) {
      // Every page, solutions included: formulas drawn by KaTeX (no raw TeX left), navigation.
      await page.goto(pathToFileURL(r.html!).href, { waitUntil: 'load' });
      const where = `${r.solutions ? 'solutions/' : ''}${r.name}`;
      const seen = await page.evaluate(() => ({
        katex: document.querySelectorAll('.katex').length,
        errors: document.querySelectorAll('.katex-error').length,
        text: document.body.innerText,
        nav: Array.from(document.querySelector('nav.course-nav')?.querySelectorAll('a') ?? []).map(
          (a) => `${a.getAttribute('rel')} ${a.getAttribute('href')}`,
        ),
      }));
      assert.ok(seen.katex > 0, `${where}: formulas rendered`);
      assert.equal(seen.errors, 0, `${where}: formulas KaTeX could not render`);
      assert.ok(!seen.text.includes('$$'), `${where}: raw $$ on the page`);
      assert.ok(!/\$\\[A-Za-z]/.test(seen.text), `${where}: raw inline TeX on the page`);
      const i = courseNames().indexOf(r.name);
      const expectNav = [
        `index ${r.solutions ? '../' : ''}index.html`,
        ...(i > 0 ? [`prev ${courseNames()[i - 1]}.html`] : []),
        ...(i < courseNames().length - 1 ? [`next ${courseNames()[i + 1]}.html`] : []),
        `alternate ${r.solutions ? '../' : 'solutions/'}${r.name}.html`,
      ];
      assert.deepEqual(seen.nav, expectNav, `${where}: navigation`);
      // plotly.js comes from the site's one copy, never inlined in a page.
      const html = readFileSync(r.html!, 'utf8');
      assert.ok(!html.includes('window.PlotlyConfig = { MathJaxConfig'), `${where}: plotly.js inlined`);
      assert.equal(
        html.match(/<script src="[./]*plotly\.min\.js"><\/script>/g)?.length ?? 0,
        1,
        `${where}: plotly.min.js`,
      );
    }
    for (const r of pages) {
      await page.goto(pathToFileURL(r.html!).href, { waitUntil: 'load' });
      // One show(fig) = one display_data output with text/html = one plotly div on the page.
      const expected = readNotebook(r.executed)
        .cells.flatMap((c) => c.outputs ?? [])
        .filter((o) => o.output_type === 'display_data' && o.data?.['text/html']).length;
      if (expected === 0) continue;
      await page.waitForFunction(
        (n) =>
          document.querySelectorAll('.js-plotly-plot .main-svg').length > 0 &&
          document.querySelectorAll('.js-plotly-plot').length >= n,
        expected,
        { timeout: 30_000 },
      );
      const drawn = await page.evaluate(() => ({
        plots: document.querySelectorAll('.js-plotly-plot').length,
        traces: document.querySelectorAll('.js-plotly-plot .trace, .js-plotly-plot image').length,
      }));
      assert.ok(
        drawn.plots === expected && drawn.traces > 0,
        `${r.name}: ${expected} figures, ${JSON.stringify(drawn)}`,
      );
      // Screenshot the first figure: it must show more than a blank canvas.
      const shot = await page.locator('.js-plotly-plot').first().screenshot();
      const png = PNG.sync.read(shot);
      const colours = new Set<number>();
      let ink = 0;
      for (let i = 0; i < png.data.length; i += 4) {
        const [rr, g, b] = [png.data[i], png.data[i + 1], png.data[i + 2]];
        colours.add((rr << 16) | (g << 8) | b);
        if (rr + g + b < 600) ink++;
      }
      assert.ok(colours.size > 20, `${r.name}: screenshot has only ${colours.size} colours`);
      assert.ok(ink > 0.005 * png.width * png.height, `${r.name}: screenshot is almost blank`);
    }
    assert.deepEqual(pageErrors, [], 'no JavaScript errors on the pages');
  } finally {
    await browser.close();
  }
});
