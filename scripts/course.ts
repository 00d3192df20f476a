/**
 * `npm run course`: execute every course notebook headless and write a static site.
 *
 *   node --import tsx scripts/course.ts [--only 01,02] [--out out/course] [--no-build] [--no-html]
 *   node --import tsx scripts/course.ts kernel      # only install the project-local tslab kernel
 *
 * Steps: build the library (`tsc -p tsconfig.build.json` → `dist/`, which the notebooks import),
 * install the tslab kernel into `out/jupyter` (JUPYTER_PATH), execute the student notebooks
 * (`notebooks/NN-*.ipynb`) and the solutions (`notebooks/solutions/NN-*.ipynb`) with
 * `jupyter nbconvert --execute`, two at a time, sign the executed copies (so classic Notebook runs
 * their figures), convert them to HTML (`out/course/NN-*.html`, `out/course/solutions/NN-*.html`:
 * formulas rendered by KaTeX at build time, plotly.js loaded from the site's one copy, a navigation
 * bar on every page; no network needed) and write `out/course/index.html` and
 * `out/course/report.json`. Exits with 1 if any cell fails, any exercise check in a solutions
 * notebook is not ✔, or KaTeX rejects a formula.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listExercises } from '../src/course/check.js';
import {
  buildAllNotebooks,
  executeNotebook,
  JUPYTER_DIR,
  joinText,
  NOTEBOOKS,
  notebookText,
  notebookToHtml,
  ROOT,
  setupKernel,
  SOLUTIONS,
  trustNotebook,
  writeSiteAssets,
  type ExecResult,
  type Notebook,
} from './notebook-tools.js';

export interface CourseOptions {
  /** Output folder of the site (default `out/course`). */
  outDir?: string;
  /** Notebook number prefixes to run (default all). */
  only?: string[];
  /** Run `tsc -p tsconfig.build.json` first (default true). */
  build?: boolean;
  /** Write the HTML pages and the index (default true). */
  html?: boolean;
  /** Notebooks executed at the same time (default 2). */
  parallel?: number;
  log?: (line: string) => void;
}

/** What happened to one executed notebook. */
export interface NotebookReport {
  name: string;
  solutions: boolean;
  title: string;
  seconds: number;
  errors: string[];
  /** Exercise verdict marks found in the output, by id: ✔ ✘ ○. */
  checks: Record<string, string>;
  /** For solutions: exercises of this notebook that were not checked ✔. */
  failedChecks: string[];
  executed: string;
  html?: string;
  /** Formulas of the page that KaTeX could not render. */
  mathErrors: string[];
}

export interface CourseReport {
  ok: boolean;
  seconds: number;
  notebooks: NotebookReport[];
  index?: string;
}

/** Build `dist/` with the project's TypeScript (the notebooks import the compiled library). */
export function buildLibrary(log: (s: string) => void = console.log): void {
  const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
  const r = spawnSync(tsc, ['-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
  // tsc still emits on type errors; report them but let the notebooks show whether they matter.
  if (r.status !== 0) log(`warning: tsc -p tsconfig.build.json reported errors:\n${r.stdout.slice(0, 3000)}`);
}

/** Title of a notebook: its first Markdown heading. */
export function notebookTitle(nb: Notebook, fallback: string): string {
  for (const c of nb.cells) {
    if (c.cell_type !== 'markdown') continue;
    const m = /^#\s+(.+)$/m.exec(joinText(c.source));
    if (m) return m[1].trim();
  }
  return fallback;
}

/** Exercise verdicts printed by `check.exercise` (`✔ 02-kaiser-1: …`), last one per id. */
export function verdicts(nb: Notebook): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of notebookText(nb).matchAll(/^([✔✘○]) (\d\d-[\w-]+):/gmu)) out[m[2]] = m[1];
  return out;
}

/** Run `tasks` with at most `n` in flight. */
async function pool<T>(tasks: (() => Promise<T>)[], n: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, tasks.length) }, worker));
  return results;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function indexPage(reports: NotebookReport[]): string {
  const rows = reports
    .filter((r) => !r.solutions)
    .map((r) => {
      const sol = reports.find((s) => s.solutions && s.name === r.name);
      const status = r.errors.length || (sol && (sol.errors.length || sol.failedChecks.length)) ? '✘' : '✔';
      const solLink = sol?.html
        ? ` · <a href="solutions/${escapeHtml(basename(sol.html))}">solutions</a>`
        : '';
      return `<li><a href="${escapeHtml(basename(r.html ?? ''))}">${escapeHtml(r.title)}</a>${solLink} <small>${status} ${r.seconds.toFixed(1)} s</small></li>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>aliasfree — the course</title>
<style>body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;max-width:760px;margin:2em auto;line-height:1.5}
small{color:#666}</style></head>
<body><h1>Alias-free generation, from Nyquist to StyleGAN3</h1>
<p>Executed TypeScript notebooks (tslab kernel) of the <code>aliasfree</code> course. Every figure is
interactive and every formula is rendered; the site works offline. Open the notebooks themselves in
JupyterLab to edit and run them (see <code>docs/course.md</code>). The live visualiser, where layers,
spectra and texture sticking can be explored by dragging the input: <a href="../studio/index.html">aliasfree
studio</a> (<code>npm run studio:build</code> writes it next to this site; its rendering worker needs a
web server, so open it through <code>npx aliasfree studio --app out/studio</code>, or simply
<code>npx aliasfree studio</code>). The paper: Karras et al., <i>Alias-Free Generative Adversarial Networks</i>,
NeurIPS 2021 (arXiv:2106.12423).</p>
<ol>
${rows}
</ol>
<p><small>Generated by <code>npm run course</code> on ${new Date().toISOString()}.</small></p>
</body></html>
`;
}

/** The navigation bar of one page: index, previous and next notebook, exercises ↔ solutions. */
export function navigationBar(reports: NotebookReport[], current: NotebookReport): string {
  const same = reports.filter((r) => r.solutions === current.solutions && r.html);
  const i = same.indexOf(current);
  const root = current.solutions ? '../' : '';
  const href = (r: NotebookReport) =>
    (r.solutions === current.solutions ? '' : r.solutions ? 'solutions/' : '../') + basename(r.html!);
  const link = (r: NotebookReport | undefined, text: string, rel: string) =>
    r ? `<a rel="${rel}" href="${escapeHtml(href(r))}">${escapeHtml(text)}</a>` : '';
  const prev = same[i - 1];
  const next = same[i + 1];
  const other = reports.find((r) => r.name === current.name && r.solutions !== current.solutions && r.html);
  const items = [
    `<a rel="index" href="${root}index.html">Course index</a>`,
    link(prev, `← ${prev?.title ?? ''}`, 'prev'),
    link(next, `${next?.title ?? ''} →`, 'next'),
    link(other, current.solutions ? 'Exercises (student notebook)' : 'Worked solutions', 'alternate'),
  ].filter(Boolean);
  return (
    '<nav class="course-nav" style="font-family:sans-serif;font-size:14px;padding:8px 16px;' +
    'border-bottom:1px solid #ddd;display:flex;gap:18px;flex-wrap:wrap">' +
    items.join('') +
    (current.solutions ? '<span style="color:#a00">solutions</span>' : '') +
    '</nav>'
  );
}

/** Write the navigation bar at the top and the bottom of every page of the site. */
function addNavigation(reports: NotebookReport[]): void {
  for (const r of reports) {
    if (!r.html || !existsSync(r.html)) continue;
    const bar = navigationBar(reports, r);
    const page = readFileSync(r.html, 'utf8')
      .replace(/<body[^>]*>/, (tag) => `${tag}\n${bar}`)
      .replace('</body>', `${bar.replace('border-bottom', 'border-top')}\n</body>`);
    writeFileSync(r.html, page);
  }
}

/** Execute the course and write the site. Never throws for notebook errors: see `report.ok`. */
export async function runCourse(opts: CourseOptions = {}): Promise<CourseReport> {
  const log = opts.log ?? ((s: string) => console.log(s));
  const outDir = resolve(opts.outDir ?? join(ROOT, 'out', 'course'));
  const t0 = performance.now();
  if (opts.build ?? true) buildLibrary(log);
  for (const p of buildAllNotebooks(true))
    log(`warning: ${relative(ROOT, p)} differs from notebooks/source (run scripts/notebook-tools.ts)`);
  const env = setupKernel();
  const executedDir = join(outDir, 'executed');
  // Start clean so a page never outlives a notebook that now fails.
  rmSync(executedDir, { recursive: true, force: true });
  rmSync(join(outDir, 'solutions'), { recursive: true, force: true });
  if (existsSync(outDir)) {
    for (const f of readdirSync(outDir)) if (/^\d\d-.*\.html$/.test(f)) rmSync(join(outDir, f));
  }

  const names = readdirSync(NOTEBOOKS)
    .filter((f) => /^\d\d-.*\.ipynb$/.test(f))
    .sort()
    .filter((f) => !opts.only || opts.only.some((p) => f.startsWith(p)));
  const jobs: { name: string; solutions: boolean; input: string; output: string }[] = [];
  for (const f of names) {
    const name = basename(f, '.ipynb');
    jobs.push({ name, solutions: false, input: join(NOTEBOOKS, f), output: join(executedDir, f) });
    if (existsSync(join(SOLUTIONS, f))) {
      jobs.push({
        name,
        solutions: true,
        input: join(SOLUTIONS, f),
        output: join(executedDir, 'solutions', f),
      });
    }
  }
  const html = opts.html ?? true;
  const results: (ExecResult & { html?: string; mathErrors?: string[] })[] = await pool(
    jobs.map((j) => async () => {
      const r = await executeNotebook(j.input, j.output, env);
      log(`${r.errors.length ? '✘' : '✔'} ${relative(ROOT, j.input)} (${r.seconds.toFixed(1)} s)`);
      for (const e of r.errors) log(`    ${e}`);
      if (!html || !existsSync(j.output) || r.errors.some((e) => e.startsWith('nbconvert exited'))) return r;
      await trustNotebook(j.output, env);
      const page = j.solutions
        ? await notebookToHtml(j.output, join(outDir, 'solutions'), env, '../')
        : await notebookToHtml(j.output, outDir, env, '');
      for (const e of page.mathErrors) log(`    formula not rendered in ${basename(page.path)}: ${e}`);
      return { ...r, html: page.path, mathErrors: page.mathErrors };
    }),
    opts.parallel ?? 2,
  );

  const reports: NotebookReport[] = jobs.map((j, i) => {
    const r = results[i];
    const checks = verdicts(r.notebook);
    const failedChecks = j.solutions
      ? listExercises(j.name.slice(0, 2)).filter((id) => checks[id] !== '✔')
      : [];
    for (const id of failedChecks)
      log(`✘ ${relative(ROOT, j.input)}: exercise ${id} is ${checks[id] ?? 'not checked'}`);
    return {
      name: j.name,
      solutions: j.solutions,
      title: notebookTitle(r.notebook, j.name),
      seconds: r.seconds,
      errors: r.errors,
      checks,
      failedChecks,
      executed: j.output,
      html: r.html,
      mathErrors: r.mathErrors ?? [],
    };
  });

  let index: string | undefined;
  if (html) {
    mkdirSync(outDir, { recursive: true });
    index = join(outDir, 'index.html');
    writeFileSync(index, indexPage(reports));
    writeSiteAssets(outDir);
    addNavigation(reports);
  }
  const ok = reports.every(
    (r) => r.errors.length === 0 && r.failedChecks.length === 0 && r.mathErrors.length === 0,
  );
  const report: CourseReport = { ok, seconds: (performance.now() - t0) / 1000, notebooks: reports, index };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'report.json'), JSON.stringify(report, null, 1) + '\n');
  log(
    `${ok ? 'course ok' : 'course FAILED'}: ${reports.length} notebooks in ${report.seconds.toFixed(1)} s → ${relative(ROOT, outDir)}`,
  );
  return report;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args[0] === 'kernel') {
    setupKernel();
    console.log(
      `tslab kernel installed in ${relative(ROOT, JUPYTER_DIR)}/kernels/tslab. Start Jupyter with:`,
    );
    console.log(
      `  npm run build && JUPYTER_PATH=${JUPYTER_DIR} PATH=${join(ROOT, 'node_modules', '.bin')}:$PATH jupyter lab notebooks/`,
    );
  } else {
    const value = (flag: string) => {
      const i = args.indexOf(flag);
      return i >= 0 ? args[i + 1] : undefined;
    };
    const report = await runCourse({
      outDir: value('--out'),
      only: value('--only')?.split(','),
      build: !args.includes('--no-build'),
      html: !args.includes('--no-html'),
    });
    process.exit(report.ok ? 0 : 1);
  }
}
