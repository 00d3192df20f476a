/**
 * Tools for the course notebooks (`notebooks/`), shared by `scripts/course.ts` and `test/course`.
 *
 * - A project-local Jupyter kernel for tslab: `out/jupyter/kernels/tslab/kernel.json`, found by
 *   Jupyter through `JUPYTER_PATH=out/jupyter`, so nothing is installed globally and CI (root) and a
 *   fresh clone behave the same.
 * - Headless execution with `jupyter nbconvert --execute --allow-errors`, then a scan of the executed
 *   notebook for errors. tslab reports a TypeScript compile error as a stderr stream (`12:7 - Type …`)
 *   and nbconvert alone shows it as an empty error, so we always read the executed JSON ourselves.
 * - A tiny builder: each notebook is written once as readable Markdown (`notebooks/source/*.md`,
 *   ```` ```ts ```` fences become code cells) and turned into a student notebook (`notebooks/NN-*.ipynb`)
 *   and a solutions notebook (`notebooks/solutions/NN-*.ipynb`). Run
 *   `node --import tsx scripts/notebook-tools.ts` after editing a source.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import katex from 'katex';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const NOTEBOOKS = join(ROOT, 'notebooks');
export const SOURCES = join(NOTEBOOKS, 'source');
export const SOLUTIONS = join(NOTEBOOKS, 'solutions');
export const JUPYTER_DIR = join(ROOT, 'out', 'jupyter');

// ---------------------------------------------------------------------------------------------
// Notebook JSON (nbformat 4.5)

export interface Output {
  output_type: 'stream' | 'display_data' | 'execute_result' | 'error';
  name?: 'stdout' | 'stderr';
  text?: string | string[];
  data?: Record<string, string | string[]>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}
export interface Cell {
  cell_type: 'markdown' | 'code';
  id: string;
  metadata: Record<string, unknown>;
  source: string | string[];
  outputs?: Output[];
  execution_count?: number | null;
}
export interface Notebook {
  cells: Cell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

/** Join Jupyter's multi-line string form (a string or a list of lines) into one string. */
export function joinText(t: string | string[] | undefined): string {
  return t === undefined ? '' : Array.isArray(t) ? t.join('') : t;
}

/** Jupyter stores sources as a list of lines, each keeping its newline. */
function splitLines(text: string): string[] {
  const lines = text.split('\n');
  return lines.map((l, i) => (i < lines.length - 1 ? l + '\n' : l)).filter((l) => l !== '');
}

export function readNotebook(path: string): Notebook {
  return JSON.parse(readFileSync(path, 'utf8')) as Notebook;
}

// ---------------------------------------------------------------------------------------------
// Builder: Markdown source → student and solutions notebooks

type Block = { kind: 'markdown' | 'code' | 'exercise' | 'solution'; text: string; id?: string };

/**
 * Parse a notebook source. Text outside ```` ```ts ```` fences becomes markdown cells (a line holding
 * only `<!-- cell -->` splits one markdown cell in two); ```` ```ts ```` is a code cell in both
 * notebooks, ```` ```ts exercise ID ```` only in the student notebook and ```` ```ts solution ID ````
 * only in the solutions notebook. Other fences (```` ```bash ````) stay inside the Markdown.
 */
export function parseSource(text: string): Block[] {
  const blocks: Block[] = [];
  let md: string[] = [];
  let code: string[] | null = null;
  let current: Block | null = null;
  let otherFence = false;
  const flushMd = () => {
    const t = md.join('\n').trim();
    if (t) blocks.push({ kind: 'markdown', text: t });
    md = [];
  };
  for (const line of text.split('\n')) {
    if (code && current) {
      if (/^```\s*$/.test(line)) {
        current.text = code.join('\n').replace(/\s+$/, '');
        blocks.push(current);
        code = null;
        current = null;
      } else code.push(line);
      continue;
    }
    if (otherFence) {
      md.push(line);
      if (/^```\s*$/.test(line)) otherFence = false;
      continue;
    }
    const open = /^```ts(?:\s+(exercise|solution)\s+(\S+))?\s*$/.exec(line);
    if (open) {
      flushMd();
      code = [];
      current = { kind: (open[1] as Block['kind']) ?? 'code', text: '', id: open[2] };
      continue;
    }
    if (/^```\S*/.test(line)) otherFence = true;
    if (line.trim() === '<!-- cell -->') {
      flushMd();
      continue;
    }
    md.push(line);
  }
  if (code) throw new Error('notebook source ends inside a ```ts fence');
  flushMd();
  return blocks;
}

/** Code in `notebooks/solutions/` sits one folder deeper: `'../dist/…'` becomes `'../../dist/…'`. */
function deepen(code: string): string {
  return code.replace(/(['"])\.\.\//g, '$1../../');
}

/** Build the student (`solutions: false`) or solutions notebook from parsed blocks. */
export function buildNotebook(blocks: Block[], name: string, solutions: boolean): Notebook {
  const cells: Cell[] = [];
  for (const b of blocks) {
    if (b.kind === 'exercise' && solutions) continue;
    if (b.kind === 'solution' && !solutions) continue;
    const id = `${name.slice(0, 2)}-${String(cells.length).padStart(3, '0')}`;
    if (b.kind === 'markdown') {
      cells.push({ cell_type: 'markdown', id, metadata: {}, source: splitLines(b.text) });
    } else {
      const text = solutions ? deepen(b.text) : b.text;
      const metadata = b.id
        ? { tags: [b.kind === 'exercise' ? 'exercise' : 'solution'], exercise: b.id }
        : {};
      cells.push({
        cell_type: 'code',
        id,
        metadata,
        source: splitLines(text),
        outputs: [],
        execution_count: null,
      });
    }
  }
  return {
    cells,
    metadata: {
      kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' },
      language_info: { name: 'typescript', file_extension: '.ts', mimetype: 'text/typescript' },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

export function serializeNotebook(nb: Notebook): string {
  return JSON.stringify(nb, null, 1) + '\n';
}

/** The notebook names of the course (source files without `.md`), in order. */
export function courseNames(): string[] {
  return readdirSync(SOURCES)
    .filter((f) => /^\d\d-.*\.md$/.test(f))
    .sort()
    .map((f) => basename(f, '.md'));
}

/** Render every source into `notebooks/NAME.ipynb` and `notebooks/solutions/NAME.ipynb`. */
export function buildAllNotebooks(check = false): string[] {
  const stale: string[] = [];
  mkdirSync(SOLUTIONS, { recursive: true });
  for (const name of courseNames()) {
    const blocks = parseSource(readFileSync(join(SOURCES, `${name}.md`), 'utf8'));
    for (const [path, sol] of [
      [join(NOTEBOOKS, `${name}.ipynb`), false],
      [join(SOLUTIONS, `${name}.ipynb`), true],
    ] as const) {
      const text = serializeNotebook(buildNotebook(blocks, name, sol));
      const old = existsSync(path) ? readFileSync(path, 'utf8') : '';
      if (old !== text) {
        stale.push(path);
        if (!check) writeFileSync(path, text);
      }
    }
  }
  return stale;
}

// ---------------------------------------------------------------------------------------------
// Kernel and execution

/** Python with Jupyter installed (Debian's), preferring /usr/bin/python3 over pyenv shims. */
export function python(): string {
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/**
 * Write the tslab kernel spec into `out/jupyter/kernels/tslab/` (idempotent) and return the
 * environment Jupyter needs to find it. Same kernel.json as `npx tslab install` writes, but pointing
 * at this checkout's `node_modules/.bin/tslab`.
 */
export function setupKernel(): NodeJS.ProcessEnv {
  const bin = join(ROOT, 'node_modules', '.bin');
  const tslab = join(bin, 'tslab');
  if (!existsSync(tslab)) throw new Error(`tslab not found at ${tslab}: run npm ci`);
  const dir = join(JUPYTER_DIR, 'kernels', 'tslab');
  mkdirSync(dir, { recursive: true });
  const spec = {
    argv: [tslab, 'kernel', '--config-path', '{connection_file}'],
    display_name: 'TypeScript',
    language: 'typescript',
  };
  const path = join(dir, 'kernel.json');
  const text = JSON.stringify(spec, null, 1) + '\n';
  if (!existsSync(path) || readFileSync(path, 'utf8') !== text) writeFileSync(path, text);
  const env = { ...process.env };
  env.JUPYTER_PATH = [JUPYTER_DIR, env.JUPYTER_PATH].filter(Boolean).join(':');
  env.PATH = [bin, env.PATH].filter(Boolean).join(':');
  return env;
}

/** True when `jupyter nbconvert` can be run. */
export function hasJupyter(): boolean {
  const r = spawnSync(python(), ['-c', 'import nbconvert, jupyter_client'], { encoding: 'utf8' });
  return r.status === 0;
}

export interface ExecResult {
  input: string;
  output: string;
  seconds: number;
  notebook: Notebook;
  errors: string[];
  log: string;
}

/**
 * Execute `input` headless into `output` (both .ipynb paths), with the kernel started in the input's
 * folder so relative imports (`../dist/signal/index.js`) resolve as they do for a student.
 */
export function executeNotebook(
  input: string,
  output: string,
  env: NodeJS.ProcessEnv,
  timeoutS = 240,
): Promise<ExecResult> {
  mkdirSync(dirname(output), { recursive: true });
  const args = [
    '-m',
    'nbconvert',
    '--to',
    'notebook',
    '--execute',
    '--allow-errors',
    `--ExecutePreprocessor.timeout=${timeoutS}`,
    // The tslab kernel starts a Node process and compiles TypeScript: on a busy machine that can
    // take longer than nbclient's default 60 s, which is then reported as a dead kernel.
    `--ExecutePreprocessor.startup_timeout=${timeoutS}`,
    '--ExecutePreprocessor.kernel_name=tslab',
    `--output-dir=${dirname(output)}`,
    `--output=${basename(output, '.ipynb')}`,
    input,
  ];
  const t0 = performance.now();
  return new Promise((res, rej) => {
    const child = spawn(python(), args, { env, cwd: dirname(input), stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d) => (log += d));
    child.stderr.on('data', (d) => (log += d));
    child.on('error', rej);
    child.on('close', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      if (code !== 0 || !existsSync(output)) {
        const errors = [`nbconvert exited with ${code}: ${log.slice(-2000)}`];
        res({
          input,
          output,
          seconds,
          notebook: { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 },
          errors,
          log,
        });
        return;
      }
      const notebook = readNotebook(output);
      res({ input, output, seconds, notebook, errors: notebookErrors(notebook), log });
    });
  });
}

/** TypeScript diagnostics as tslab prints them: `line:col - message`. */
const DIAGNOSTIC = /^(?:\S+ )?\d+:\d+ - /m;
/** A runtime exception as tslab prints it (stack trace on stderr). */
const EXCEPTION = /^(?:\w*Error|Uncaught|evalmachine\.<anonymous>)/m;

/**
 * Every problem in an executed notebook: error outputs, TypeScript diagnostics and exceptions printed
 * on stderr, and code cells that never ran (tslab stops after an error).
 */
export function notebookErrors(nb: Notebook): string[] {
  const errors: string[] = [];
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== 'code') return;
    const where = `cell ${i} (${joinText(cell.source).split('\n')[0].slice(0, 60)})`;
    for (const o of cell.outputs ?? []) {
      if (o.output_type === 'error') {
        errors.push(`${where}: ${o.ename ?? ''}: ${o.evalue ?? ''}`);
      } else if (o.output_type === 'stream' && o.name === 'stderr') {
        const text = joinText(o.text);
        if (DIAGNOSTIC.test(text) || EXCEPTION.test(text)) errors.push(`${where}: ${text.slice(0, 800)}`);
      }
    }
    const exec = cell.metadata.execution as Record<string, string> | undefined;
    if (!exec || !exec['iopub.status.idle']) errors.push(`${where}: not executed`);
  });
  return errors;
}

/** All text a notebook's code cells printed (stdout and stderr), in order. */
export function notebookText(nb: Notebook): string {
  let text = '';
  for (const cell of nb.cells) {
    for (const o of cell.outputs ?? []) {
      if (o.output_type === 'stream') text += joinText(o.text);
      if (o.data?.['text/plain']) text += joinText(o.data['text/plain']) + '\n';
    }
  }
  return text;
}

/** Run a command, resolving to its exit code and output (never rejects on a non-zero exit). */
function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; log: string }> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d) => (log += d));
    child.stderr.on('data', (d) => (log += d));
    child.on('error', rej);
    child.on('close', (code) => res({ code, log }));
  });
}

/**
 * Sign an executed notebook with nbformat's notary so classic Jupyter Notebook runs its HTML
 * scripts (plotly figures) when a teacher opens it. Best effort: resolves to false if signing failed.
 */
export async function trustNotebook(path: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const code =
    'import sys, nbformat\nfrom nbformat.sign import NotebookNotary\n' +
    'nb = nbformat.read(sys.argv[1], as_version=4)\nNotebookNotary().sign(nb)\n';
  return (await run(python(), ['-c', code, path], env)).code === 0;
}

// ---------------------------------------------------------------------------------------------
// Static pages: math rendered at build time (KaTeX), plotly loaded once per site

/** One formula found in a Markdown cell: its TeX source and whether it is display math (`$$…$$`). */
export interface MathSpan {
  tex: string;
  display: boolean;
}

/** The token that stands for formula `i` while nbconvert renders the Markdown (letters only). */
function mathToken(i: number): string {
  return `KATEXMATH${i}X`;
}

/**
 * Replace every formula of a Markdown text (`$$…$$`, then `$…$`) by a plain-letter token and append
 * it to `spans`. Fenced code blocks and inline code are left alone (`$PWD` in a bash block is not
 * math), as is an escaped `\$`. The tokens survive Markdown rendering untouched, so the formulas
 * never meet the Markdown parser (no `_` or `*` taken for emphasis, no `|` splitting a table cell).
 */
export function extractMath(markdown: string, spans: MathSpan[]): string {
  // Split into code (kept) and text (scanned) segments: fences first, then inline code spans.
  const parts = markdown.split(/(^```[^\n]*\n[\s\S]*?^```[ \t]*$|`[^`\n]*`)/m);
  return parts
    .map((part, i) => {
      if (i % 2 === 1) return part;
      return part
        .replace(/(?<!\\)\$\$([\s\S]+?)\$\$/g, (_, tex: string) => {
          spans.push({ tex: tex.trim(), display: true });
          return mathToken(spans.length - 1);
        })
        .replace(/(?<![\\$])\$(?!\s)([^$\n]+?)(?<!\s)\$/g, (_, tex: string) => {
          spans.push({ tex, display: false });
          return mathToken(spans.length - 1);
        });
    })
    .join('');
}

/** KaTeX options of the course: errors are rendered in red (and counted), `\tag` is allowed. */
const KATEX_OPTIONS = { throwOnError: false, strict: 'ignore', output: 'htmlAndMathml' } as const;

/**
 * Put the formulas back into an HTML page as KaTeX markup (rendered here, at build time: the page
 * needs no script and no network for its math). Returns the page and the formulas KaTeX rejected.
 */
export function renderMath(html: string, spans: MathSpan[]): { html: string; errors: string[] } {
  const errors: string[] = [];
  const out = html.replace(/KATEXMATH(\d+)X/g, (token, i: string) => {
    const span = spans[Number(i)];
    if (!span) return token;
    try {
      return katex.renderToString(span.tex, {
        ...KATEX_OPTIONS,
        displayMode: span.display,
        throwOnError: true,
      });
    } catch (err) {
      errors.push(`${span.tex.slice(0, 80)}: ${(err as Error).message}`);
      return katex.renderToString(span.tex, { ...KATEX_OPTIONS, displayMode: span.display });
    }
  });
  return { html: out, errors };
}

/** A copy of `nb` whose Markdown cells carry tokens instead of formulas, and the formulas. */
export function notebookWithoutMath(nb: Notebook): { notebook: Notebook; spans: MathSpan[] } {
  const spans: MathSpan[] = [];
  const notebook = structuredClone(nb);
  for (const cell of notebook.cells) {
    if (cell.cell_type === 'markdown') cell.source = extractMath(joinText(cell.source), spans);
  }
  return { notebook, spans };
}

/** Start and end of the plotly loader that `aliasfree/viz`'s `show()` puts before the first figure. */
const PLOTLY_LOADER_START =
  '<script type="text/javascript">\nif (!window.Plotly && !window.__aliasfreePlotly) {';
const PLOTLY_LOADER_END = 'window.dispatchEvent(new Event("aliasfree-plotly-ready"));\n}\n</script>';

/**
 * Replace each inlined plotly.js bundle (several MB) by a reference to the site's one copy
 * (`plotly.min.js` at the site root). AMD `define` is hidden while the bundle runs, as the inline
 * loader does, and the ready event the figure scripts wait for is still sent.
 */
export function externalPlotly(html: string, siteRoot: string): string {
  let out = html;
  for (;;) {
    const start = out.indexOf(PLOTLY_LOADER_START);
    if (start < 0) return out;
    const end = out.indexOf(PLOTLY_LOADER_END, start);
    if (end < 0) return out;
    const loader =
      '<script>window.__aliasfreePlotly = true; window.__aliasfreeDefine = window.define; window.define = undefined;</script>\n' +
      `<script src="${siteRoot}plotly.min.js"></script>\n` +
      '<script>window.define = window.__aliasfreeDefine; window.dispatchEvent(new Event("aliasfree-plotly-ready"));</script>';
    out = out.slice(0, start) + loader + out.slice(end + PLOTLY_LOADER_END.length);
  }
}

/**
 * The template's MathJax (and RequireJS) come from system or CDN URLs, which an offline reader
 * does not have: drop them and link the site's KaTeX stylesheet instead.
 */
function offlineHead(html: string, siteRoot: string): string {
  return html
    .replace(/<!-- Load mathjax -->[\s\S]*?<!-- End of mathjax configuration -->/, '')
    .replace(/<script[^>]*MathJax[^>]*>\s*<\/script>/g, '')
    .replace(/<script src="[^"]*require(?:\.min)?\.js"><\/script>/g, '')
    .replace('</head>', `<link rel="stylesheet" href="${siteRoot}katex/katex.min.css">\n</head>`);
}

/**
 * Copy the files every page of a site shares into `siteDir`: KaTeX's stylesheet and fonts
 * (`katex/`) and the plotly.js bundle (`plotly.min.js`).
 */
export function writeSiteAssets(siteDir: string): void {
  const require = createRequire(import.meta.url);
  const katexDist = dirname(require.resolve('katex/dist/katex.min.css'));
  mkdirSync(join(siteDir, 'katex'), { recursive: true });
  copyFileSync(join(katexDist, 'katex.min.css'), join(siteDir, 'katex', 'katex.min.css'));
  cpSync(join(katexDist, 'fonts'), join(siteDir, 'katex', 'fonts'), { recursive: true });
  copyFileSync(require.resolve('plotly.js-dist-min/plotly.min.js'), join(siteDir, 'plotly.min.js'));
}

export interface HtmlResult {
  /** The page written. */
  path: string;
  /** Formulas KaTeX could not render (shown in red on the page). */
  mathErrors: string[];
}

/**
 * Convert an executed notebook to a standalone HTML page (nbconvert's `lab` template) in `outDir`:
 * formulas rendered with KaTeX at build time, plotly taken from the site root (`siteRoot`, relative
 * URL such as `''` or `'../'`; see {@link writeSiteAssets}), links to sibling notebooks
 * (`01-….ipynb`) turned into links to their pages.
 */
export async function notebookToHtml(
  input: string,
  outDir: string,
  env: NodeJS.ProcessEnv,
  siteRoot = '',
): Promise<HtmlResult> {
  mkdirSync(outDir, { recursive: true });
  const name = basename(input, '.ipynb');
  const { notebook, spans } = notebookWithoutMath(readNotebook(input));
  const tmp = mkdtempSync(join(tmpdir(), 'aliasfree-page-'));
  try {
    const source = join(tmp, `${name}.ipynb`);
    writeFileSync(source, serializeNotebook(notebook));
    const args = ['-m', 'nbconvert', '--to', 'html', `--output-dir=${outDir}`, `--output=${name}`, source];
    const r = await run(python(), args, env);
    if (r.code !== 0) throw new Error(`nbconvert --to html failed for ${input}: ${r.log.slice(-2000)}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const path = join(outDir, `${name}.html`);
  const math = renderMath(readFileSync(path, 'utf8'), spans);
  const page = externalPlotly(offlineHead(math.html, siteRoot), siteRoot).replace(
    /href="(\d\d-[\w-]+)\.ipynb(#[\w-]*)?"/g,
    'href="$1.html$2"',
  );
  writeFileSync(path, page);
  return { path, mathErrors: math.errors };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  const stale = buildAllNotebooks(check);
  for (const p of stale) console.log(`${check ? 'stale' : 'wrote'} ${p.slice(ROOT.length + 1)}`);
  if (check && stale.length) process.exit(1);
}
