/**
 * Self-contained HTML for plotly figures: the plotly.js bundle (plotly.js-dist-min) is inlined, never
 * loaded from a CDN, so pages and notebook outputs render with no network access.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Figure } from '../style.js';

let bundleCache: string | undefined;

/** The plotly.js bundle source (read once from node_modules/plotly.js-dist-min). */
export function plotlyBundle(): string {
  if (bundleCache === undefined) {
    const require = createRequire(import.meta.url);
    bundleCache = readFileSync(require.resolve('plotly.js-dist-min/plotly.min.js'), 'utf8');
  }
  return bundleCache;
}

/** Version of the inlined plotly.js (from its package.json). */
export function plotlyVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('plotly.js-dist-min/package.json') as { version: string }).version;
}

/**
 * Make text safe inside `<script>`: a literal `</script` (or `<!--`) in data would end the element
 * early; `<\/` means the same thing to JavaScript and JSON-in-JS.
 */
export function escapeScript(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** JSON for embedding in a script: `<`, `>`, `&` and U+2028/2029 escaped so no HTML parser sees markup. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Escape text for HTML element content and attributes. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/**
 * `<script>` that defines `window.Plotly` from the inlined bundle, at most once per page (guarded by
 * `window.__aliasfreePlotly`). `define`, `module` and `exports` are shadowed so that AMD loaders
 * (classic Notebook's RequireJS) or CommonJS shims cannot capture the bundle instead of `window`.
 */
export function plotlyLoaderScript(): string {
  return (
    '<script type="text/javascript">\n' +
    'if (!window.Plotly && !window.__aliasfreePlotly) {\n' +
    'window.__aliasfreePlotly = true;\n' +
    'window.PlotlyConfig = { MathJaxConfig: "local" };\n' +
    '(function (define, module, exports) {\n' +
    escapeScript(plotlyBundle()) +
    '\n}).call(window, undefined, undefined, undefined);\n' +
    'window.dispatchEvent(new Event("aliasfree-plotly-ready"));\n' +
    '}\n</script>'
  );
}

let divCounter = 0;

/** A fresh, page-unique element id. */
export function newDivId(prefix = 'aliasfree-fig'): string {
  divCounter += 1;
  return `${prefix}-${Date.now().toString(36)}-${divCounter}`;
}

/** Options of `figureDiv`: element id, placeholder HTML and the plotly config. */
export interface FigureDivOptions {
  /** Element id (default: a fresh unique id). */
  id?: string;
  /** HTML shown until (or instead of) the plot — e.g. an `<img>` PNG fallback. */
  placeholder?: string;
  /** plotly `config` (default: responsive, no logo, PNG download button kept). */
  config?: Record<string, unknown>;
}

/**
 * A `<div>` plus the script that draws `fig` into it with `Plotly.newPlot` (and registers its
 * animation frames). If Plotly is not on the page yet the script waits for the loader's
 * `aliasfree-plotly-ready` event, so figures can come before or after the bundle; if it never
 * arrives the placeholder stays visible.
 */
export function figureDiv(fig: Figure, opts: FigureDivOptions = {}): string {
  const id = opts.id ?? newDivId();
  const width = typeof fig.layout.width === 'number' ? fig.layout.width : undefined;
  const height = typeof fig.layout.height === 'number' ? fig.layout.height : undefined;
  const style = [width ? `width:${width}px` : 'width:100%', height ? `height:${height}px` : 'height:450px']
    .concat(['max-width:100%'])
    .join(';');
  const config = opts.config ?? { displaylogo: false, responsive: false };
  const payload = scriptJson({ data: fig.data, layout: fig.layout, frames: fig.frames ?? [], config });
  return (
    `<div id="${escapeHtml(id)}" class="aliasfree-figure" style="${style}">${opts.placeholder ?? ''}</div>\n` +
    '<script type="text/javascript">\n' +
    '(function () {\n' +
    `  var id = ${scriptJson(id)};\n` +
    `  var fig = ${payload};\n` +
    '  function draw() {\n' +
    '    var el = document.getElementById(id);\n' +
    '    if (!el || el.getAttribute("data-drawn")) return;\n' +
    '    el.setAttribute("data-drawn", "1");\n' +
    '    el.innerHTML = "";\n' +
    '    window.Plotly.newPlot(el, fig.data, fig.layout, fig.config).then(function () {\n' +
    '      if (fig.frames.length) return window.Plotly.addFrames(el, fig.frames);\n' +
    '    }).then(function () { el.setAttribute("data-rendered", "1"); });\n' +
    '  }\n' +
    '  if (window.Plotly) draw();\n' +
    '  else window.addEventListener("aliasfree-plotly-ready", draw);\n' +
    '})();\n' +
    '</script>'
  );
}

/** Options of `htmlPage`: page title and one caption per figure. */
export interface HtmlPageOptions {
  title?: string;
  /** Optional heading/captions per figure (same order as `figs`). */
  captions?: string[];
}

/** A complete HTML document with the plotly bundle inlined once and every figure drawn. */
export function htmlPage(figs: Figure | Figure[], opts: HtmlPageOptions = {}): string {
  const list = Array.isArray(figs) ? figs : [figs];
  const title = opts.title ?? 'aliasfree figures';
  const body = list
    .map((fig, i) => {
      const cap = opts.captions?.[i];
      return `<section class="fig">${cap ? `<h2>${escapeHtml(cap)}</h2>` : ''}\n${figureDiv(fig)}\n</section>`;
    })
    .join('\n');
  return (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    `<title>${escapeHtml(title)}</title>\n` +
    '<style>body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:24px;color:#222}' +
    'h1{font-size:22px}h2{font-size:16px;margin:28px 0 6px}section.fig{margin-bottom:18px}</style>\n' +
    plotlyLoaderScript() +
    '\n</head>\n<body>\n' +
    `<h1>${escapeHtml(title)}</h1>\n` +
    body +
    '\n</body>\n</html>\n'
  );
}

/**
 * Write one self-contained HTML page with all `figs` to `path` (directories are created).
 * Returns the path. The page needs no network: plotly.js is inlined.
 */
export function toHtml(figs: Figure | Figure[], path: string, opts: HtmlPageOptions = {}): string {
  if (typeof path !== 'string' || path.length === 0) {
    throw new TypeError(`path must be a non-empty string, got ${String(path)}`);
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, htmlPage(figs, opts));
  return path;
}
