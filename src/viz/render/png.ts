/**
 * Static PNG rendering of plotly figures in headless Chromium (playwright-core driving the system
 * browser, e.g. Debian's /usr/bin/chromium). The page is built from the inlined plotly bundle and all
 * network requests are refused, so rendering is offline and reproducible.
 *
 * One browser is shared by all calls and closed after a short idle period (or by `closeRenderer()`),
 * because starting Chromium costs about a second.
 */
import { existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { assertPositive } from '../../signal/validate.js';
import { DEFAULT_SIZE, type Figure } from '../style.js';
import { plotlyLoaderScript, scriptJson } from './html.js';

/** Flags for a headless, sandbox-less (root in containers), GPU-less and quiet Chromium. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

/** Path of the Chromium executable: `$ALIASFREE_CHROMIUM`, else the first system browser found, else undefined. */
export function chromiumPath(): string | undefined {
  const env = process.env.ALIASFREE_CHROMIUM;
  if (env) return existsSync(env) ? env : undefined;
  return CANDIDATES.find((p) => existsSync(p));
}

/** True when a Chromium executable is available for `toPng` and the browser tests. */
export function chromiumAvailable(): boolean {
  return chromiumPath() !== undefined;
}

interface Session {
  browser: Browser;
  context: BrowserContext;
  /** A page with plotly already loaded, reused by `toPng` (loading the 4.8 MB bundle costs ~2 s). */
  plotPage?: Promise<Page>;
}

let session: Promise<Session> | undefined;
let idleTimer: NodeJS.Timeout | undefined;
let inFlight = 0;
/** Serialises renders on the shared plotly page. */
let queue: Promise<unknown> = Promise.resolve();

/** How long the shared browser stays open after the last render (ms). */
export let rendererIdleMs = 3000;

/** Time limit of one page load or render in ms (see `PngOptions.timeoutMs`). */
const DEFAULT_TIMEOUT_MS = 120_000;

/** Change the idle timeout of the shared browser (ms, ≥ 0). */
export function setRendererIdle(ms: number): void {
  if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`ms must be a finite number >= 0, got ${ms}`);
  rendererIdleMs = ms;
}

async function launch(): Promise<Session> {
  const executablePath = chromiumPath();
  if (!executablePath) {
    throw new Error(
      'no Chromium found (tried $ALIASFREE_CHROMIUM, ' + CANDIDATES.join(', ') + '); install Debian chromium',
    );
  }
  // playwright's launch() gives every browser a fresh temporary profile (--user-data-dir) and deletes
  // it on close and at process exit: no state leaks between runs and nothing is synced or fetched.
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ offline: true });
  // Refuse every request that is not inline or a local file: the pages must be self-contained.
  await context.route(/^(?!data:|about:|file:)/, (route) => route.abort());
  return { browser, context };
}

/** Open a fresh page in the shared headless browser (launching it if needed). Close it when done. */
export async function newPage(): Promise<Page> {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = undefined;
  session ??= launch();
  try {
    const s = await session;
    return await s.context.newPage();
  } catch (err) {
    session = undefined;
    throw err;
  }
}

function scheduleIdleClose(): void {
  if (idleTimer) clearTimeout(idleTimer);
  if (inFlight > 0) return;
  idleTimer = setTimeout(() => void closeRenderer(), rendererIdleMs);
  idleTimer.unref();
}

/** Close the shared browser now (playwright deletes its temporary profile). Safe to call at any time. */
export async function closeRenderer(): Promise<void> {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = undefined;
  const s = session;
  session = undefined;
  if (!s) return;
  try {
    const { browser } = await s;
    await browser.close();
  } catch {
    // A browser that failed to start has nothing to close.
  }
}

/**
 * Run `fn` with a page of the shared browser; the page is closed afterwards and the browser is
 * closed after `rendererIdleMs` without use.
 */
export async function withPage<T>(fn: (page: Page) => Promise<T>): Promise<T> {
  inFlight += 1;
  let page: Page | undefined;
  try {
    page = await newPage();
    return await fn(page);
  } finally {
    inFlight -= 1;
    if (page) await page.close().catch(() => undefined);
    scheduleIdleClose();
  }
}

/**
 * Run `fn` on the shared page that has plotly loaded (created on first use), one call at a time.
 * The page holds one `<div id="fig">` to draw into.
 */
async function withPlotlyPage<T>(fn: (page: Page) => Promise<T>): Promise<T> {
  const run = async (): Promise<T> => {
    inFlight += 1;
    try {
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = undefined;
      session ??= launch();
      const s = await session;
      s.plotPage ??= (async () => {
        const page = await s.context.newPage();
        // Loading plotly into the page is the slow step (megabytes of script); on a busy machine it
        // outlasted playwright's 30 s default once, so the page gets the same limit as a render.
        page.setDefaultTimeout(DEFAULT_TIMEOUT_MS);
        await page.setContent(
          `<!DOCTYPE html><html><head><meta charset="utf-8">${plotlyLoaderScript()}</head>` +
            '<body style="margin:0"><div id="fig"></div></body></html>',
        );
        return page;
      })();
      const page = await s.plotPage;
      return await fn(page);
    } catch (err) {
      // A crashed page or browser is dropped so the next call starts clean.
      await closeRenderer();
      throw err;
    } finally {
      inFlight -= 1;
      scheduleIdleClose();
    }
  };
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  return result;
}

/** Options of `toPng`: size in CSS pixels, device pixel ratio and time limit. */
export interface PngOptions {
  /** Image width in CSS pixels (default: layout.width or 800). */
  width?: number;
  /** Image height in CSS pixels (default: layout.height or 450). */
  height?: number;
  /** Device pixel ratio (2 for crisp README images). Default 1. */
  scale?: number;
  /** Give up after this many ms (default 120 000: a stuck browser, not a slow machine, should fail). */
  timeoutMs?: number;
}

/**
 * Render a figure to PNG bytes with `Plotly.toImage` in headless Chromium, exactly as the
 * interactive figure draws (first frame of an animation). Writes the bytes to `path` when given.
 */
export async function toPng(fig: Figure, path?: string, opts: PngOptions = {}): Promise<Buffer> {
  if (!fig || !Array.isArray(fig.data) || typeof fig.layout !== 'object') {
    throw new TypeError(`fig must be a plotly figure {data, layout}, got ${String(fig)}`);
  }
  const width = opts.width ?? (typeof fig.layout.width === 'number' ? fig.layout.width : DEFAULT_SIZE.width);
  const height =
    opts.height ?? (typeof fig.layout.height === 'number' ? fig.layout.height : DEFAULT_SIZE.height);
  const scale = opts.scale ?? 1;
  assertPositive('width', width);
  assertPositive('height', height);
  assertPositive('scale', scale);
  const timeout = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const bytes = await withPlotlyPage(async (page) => {
    page.setDefaultTimeout(timeout);
    const payload = scriptJson({ data: fig.data, layout: fig.layout });
    const dataUrl = await page.evaluate(
      async ({ json, width, height, scale }) => {
        const w = window as unknown as { Plotly: any };
        const f = JSON.parse(json) as { data: unknown[]; layout: Record<string, unknown> };
        const el = document.getElementById('fig') as HTMLElement;
        w.Plotly.purge(el);
        el.style.width = `${width}px`;
        el.style.height = `${height}px`;
        const gd = await w.Plotly.newPlot(el, f.data, { ...f.layout, width, height }, { staticPlot: true });
        const url = (await w.Plotly.toImage(gd, { format: 'png', width, height, scale })) as string;
        w.Plotly.purge(el);
        return url;
      },
      { json: payload, width, height, scale },
    );
    const prefix = 'data:image/png;base64,';
    if (!dataUrl.startsWith(prefix)) throw new Error('Plotly.toImage did not return a PNG data URL');
    return Buffer.from(dataUrl.slice(prefix.length), 'base64');
  });
  if (path !== undefined) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
  }
  return bytes;
}
