/**
 * Showing figures in Jupyter through the tslab kernel, offline.
 *
 * Each `show(fig)` emits one display_data bundle:
 * - `text/html`: a div + script that draws the figure with Plotly.newPlot. The plotly.js bundle is
 *   inlined once per kernel session (guarded on the page by `window.__aliasfreePlotly`), never taken
 *   from a CDN. This runs in JupyterLab and in trusted classic notebooks, and `jupyter nbconvert
 *   --to html` keeps it, so exported pages are interactive too.
 * - `image/png` (optional): a static rendering through headless Chromium. It is also embedded as an
 *   `<img>` inside the div, so places that do not run scripts (untrusted classic notebooks, viewers
 *   that strip scripts) still show the figure.
 * - `text/plain`: a one-line description.
 */
import { createRequire } from 'node:module';
import type { Figure } from '../style.js';
import { figureDiv, plotlyLoaderScript, escapeHtml } from './html.js';
import { chromiumAvailable, toPng, type PngOptions } from './png.js';

/** A Jupyter MIME bundle. Binary types are base64 strings, as in notebook JSON. */
export interface DisplayBundle {
  'text/html': string;
  'text/plain': string;
  'image/png'?: string;
}

/** Options of `show`/`displayBundle` in a notebook: PNG fallback, plotly inlining and PNG size. */
export interface DisplayOptions {
  /** Add the PNG fallback: true, false, or 'auto' (only when Chromium is available). Default: `notebookDefaults.png`. */
  png?: boolean | 'auto';
  /** Inline the plotly bundle: 'once' per kernel session (default), 'always', or 'never'. */
  plotly?: 'once' | 'always' | 'never';
  /** Options of the PNG rendering (size, scale). */
  pngOptions?: PngOptions;
}

/**
 * Session-wide defaults for `show`/`displayBundle`. The PNG fallback costs ~0.2–3 s per figure, so
 * a notebook can switch it off (`notebookDefaults.png = false`) while exploring.
 */
export const notebookDefaults: { png: boolean | 'auto' } = { png: 'auto' };

let plotlySent = false;

/** Forget that the plotly bundle was sent (call after clearing all outputs, or use `{plotly: 'always'}`). */
export function resetNotebook(): void {
  plotlySent = false;
}

function describe(fig: Figure): string {
  const title = (fig.layout.title as { text?: string } | undefined)?.text ?? 'figure';
  const types = [...new Set(fig.data.map((t) => t.type))].join(', ');
  return `<aliasfree figure "${title}": ${fig.data.length} trace(s) [${types}]${fig.frames ? `, ${fig.frames.length} frames` : ''}>`;
}

/**
 * Build the MIME bundle for `fig` (no side effects besides remembering that the plotly bundle was
 * included when `plotly` is 'once'). Testable without a kernel.
 */
export async function displayBundle(fig: Figure, opts: DisplayOptions = {}): Promise<DisplayBundle> {
  if (!fig || !Array.isArray(fig.data) || typeof fig.layout !== 'object') {
    throw new TypeError(`fig must be a plotly figure {data, layout}, got ${String(fig)}`);
  }
  const pngMode = opts.png ?? notebookDefaults.png;
  const plotlyMode = opts.plotly ?? 'once';
  if (!['once', 'always', 'never'].includes(plotlyMode)) {
    throw new RangeError(`plotly must be 'once', 'always' or 'never', got ${String(plotlyMode)}`);
  }
  const wantPng = pngMode === true || (pngMode === 'auto' && chromiumAvailable());
  let png: string | undefined;
  if (wantPng) png = (await toPng(fig, undefined, opts.pngOptions)).toString('base64');
  const includePlotly = plotlyMode === 'always' || (plotlyMode === 'once' && !plotlySent);
  if (plotlyMode === 'once') plotlySent = true;
  const text = describe(fig);
  const placeholder = png
    ? `<img alt="${escapeHtml(text)}" style="max-width:100%" src="data:image/png;base64,${png}">`
    : `<pre>${escapeHtml(text)}</pre>`;
  const html = (includePlotly ? plotlyLoaderScript() + '\n' : '') + figureDiv(fig, { placeholder });
  const bundle: DisplayBundle = { 'text/html': html, 'text/plain': text };
  if (png) bundle['image/png'] = png;
  return bundle;
}

/** What `show` found to talk to Jupyter. */
type Emitter = (bundle: DisplayBundle) => void;

/**
 * Find a way to emit a multi-MIME display_data in a running tslab kernel:
 * 1. the kernel's `jupyter` module (tslab keeps the current cell's `lastWriteDisplayData` there)
 *    — looked up in the CommonJS module cache, so it is the instance the kernel really uses;
 * 2. otherwise `tslab.display` (one output per MIME type, so only the HTML is sent).
 * Returns undefined outside a kernel.
 */
async function findEmitter(): Promise<Emitter | undefined> {
  const require = createRequire(import.meta.url);
  type Writer = (
    data: { data: Record<string, string>; metadata: object; transient: object },
    update: boolean,
  ) => void;
  for (const [file, mod] of Object.entries(require.cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(file)) continue;
    const write = (mod?.exports as { lastWriteDisplayData?: Writer | null } | undefined)
      ?.lastWriteDisplayData;
    if (typeof write === 'function') {
      return (bundle) => write({ data: { ...bundle }, metadata: {}, transient: {} }, false);
    }
  }
  const g = globalThis as { __tslab__?: { require?: (id: string) => unknown } };
  let tslab: { display?: { html(s: string): void } } | undefined;
  try {
    tslab = g.__tslab__?.require ? (g.__tslab__.require('tslab') as typeof tslab) : undefined;
  } catch {
    tslab = undefined;
  }
  if (!tslab) {
    try {
      tslab = (await import('tslab' as string)) as typeof tslab;
    } catch {
      tslab = undefined;
    }
  }
  const display = tslab?.display;
  if (!display) return undefined;
  return (bundle) => {
    try {
      display.html(bundle['text/html']);
    } catch {
      // tslab is installed but no cell is running ("Not ready"): not a kernel.
      throw new NotInKernel();
    }
  };
}

class NotInKernel extends Error {}

/**
 * Display a figure in the running tslab notebook (offline; see module doc): `await show(fig)`.
 * Resolves to `undefined` once the output is sent (so the kernel does not echo the multi-megabyte
 * bundle as the cell's value); outside a kernel nothing is displayed and the bundle is returned, so
 * scripts can still save or inspect it.
 */
export async function show(fig: Figure, opts: DisplayOptions = {}): Promise<DisplayBundle | undefined> {
  const emit = await findEmitter();
  const bundle = await displayBundle(fig, opts);
  if (emit) {
    try {
      emit(bundle);
      return undefined;
    } catch (err) {
      if (!(err instanceof NotInKernel)) throw err;
    }
  }
  return bundle;
}
