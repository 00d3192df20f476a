/**
 * Test harness of the studio: build the bundle into a temporary folder, serve it, open it in
 * headless Chromium (playwright-core + the system browser) and record every request that leaves
 * the server's origin and every console error. A frame is read back through the page's
 * `window.studio` hooks (the image and the shown map as the worker computed them, before display).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildStudio } from '../../src/studio/build.js';
import { startStudioServer, type StudioServer } from '../../src/studio/server.js';
import { chromiumPath } from '../../src/viz/render/png.js';

/** Build the app once into a temporary folder; returns it and a cleanup. */
export async function buildTemp(): Promise<{ app: string; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'aliasfree-studio-'));
  const app = join(dir, 'app');
  await buildStudio({ out: app });
  return { app, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An open studio page and what it did. */
export interface StudioPage {
  browser: Browser;
  page: Page;
  server: StudioServer;
  /** Requests to anything but the studio server. */
  outside: string[];
  /** Console messages of type error, and uncaught page errors. */
  errors: string[];
  close(): Promise<void>;
}

/** Options of `openStudio`. */
export interface OpenOptions {
  app: string;
  /** Query string, e.g. `?backend=webgl`. */
  query?: string;
  /** URL hash (state), e.g. `#net=T,16,8,0`. */
  hash?: string;
  weights?: string[];
  /** Launch Chromium with SwiftShader WebGL (otherwise the GPU is disabled). */
  webgl?: boolean;
}

/** Serve `app`, launch Chromium, open the page and wait for the first drawn frame. */
export async function openStudio(opts: OpenOptions): Promise<StudioPage> {
  const executablePath = chromiumPath();
  if (!executablePath)
    throw new Error('Chromium is required (Debian package chromium or $ALIASFREE_CHROMIUM)');
  const server = await startStudioServer({ app: opts.app, weights: opts.weights });
  const gpuArgs = opts.webgl ? ['--use-angle=swiftshader', '--enable-unsafe-swiftshader'] : ['--disable-gpu'];
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--no-first-run',
      ...gpuArgs,
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const outside: string[] = [];
  const errors: string[] = [];
  const origin = new URL(server.url).origin;
  // Worker requests included (context-level routing sees them); nothing outside is let through.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin || url.startsWith('data:') || url.startsWith('blob:'))
      return route.continue();
    outside.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}${opts.query ?? ''}${opts.hash ?? ''}`);
  await waitReady(page);
  return {
    browser,
    page,
    server,
    outside,
    errors,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

/** Wait until the status says "ready" (the current request has been drawn). */
export async function waitReady(page: Page, timeout = 240_000): Promise<void> {
  await page.getByTestId('status').filter({ hasText: 'ready' }).waitFor({ timeout });
}

/** One network's frame as plain arrays. */
export interface PlainFrame {
  slot: number;
  layer: string;
  image: { shape: number[]; data: number[] };
  map: { shape: number[]; data: number[] };
  eqPsnrDb: Record<string, number | null> | null;
}

/** Set controls through the page's hooks and return the frames drawn for them. */
export async function setAndRead(page: Page, partial: Record<string, unknown>): Promise<PlainFrame[]> {
  return page.evaluate(async (p) => {
    const studio = (window as unknown as { studio: { set(p: unknown): Promise<unknown[]> } }).studio;
    const frames = (await studio.set(p)) as {
      slot: number;
      layer: string;
      image: { shape: number[]; data: Float32Array };
      map: { shape: number[]; data: Float32Array };
      eqPsnrDb: Record<string, number | null> | null;
    }[];
    return frames.map((f) => ({
      slot: f.slot,
      layer: f.layer,
      image: { shape: f.image.shape, data: Array.from(f.image.data) },
      map: { shape: f.map.shape, data: Array.from(f.map.data) },
      eqPsnrDb: f.eqPsnrDb,
    }));
  }, partial);
}

/** max |a − b| / max |b|. */
export function relMaxError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`lengths differ: ${a.length} vs ${b.length}`);
  let err = 0;
  let ref = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    ref = Math.max(ref, Math.abs(b[i]));
  }
  return err / ref;
}
