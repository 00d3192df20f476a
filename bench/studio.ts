/**
 * Frames per second of aliasfree studio in headless Chromium (system browser, GPU disabled, so the
 * page runs the wasm backend), for T at 64², 128² and 256² with the CLI's capacity (C_max 64):
 * `node --import tsx bench/studio.ts [--frames N] [--res 64,128,256] [--backend wasm] [--threads]`
 * (`--threads`: the threaded wasm build, which the server's cross-origin isolation allows).
 *
 * Each measurement is N consecutive renders, each with a new translation (what the translation
 * animation and dragging do: the ws stay cached, synthesis runs every frame), timed from the request
 * to the drawn frame; after two warm-up frames. Two cases: the output only, and the layer view of a
 * middle layer with the live per-layer EQ-PSNR readout (every map read back and compared).
 */
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildStudio } from '../src/studio/build.js';
import { startStudioServer } from '../src/studio/server.js';
import { chromiumPath } from '../src/viz/render/png.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const frames = Number(opt('--frames', '10'));
const resolutions = opt('--res', '64,128,256').split(',').map(Number);
const backend = opt('--backend', 'wasm');
const threads = args.includes('--threads') ? '&threads=1' : '';

const dir = mkdtempSync(join(tmpdir(), 'aliasfree-studio-bench-'));
const app = join(dir, 'app');
await buildStudio({ out: app });
const server = await startStudioServer({ app });
const browser = await chromium.launch({
  executablePath: chromiumPath(),
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
});
try {
  console.log(`| network | case | backend | frames/s | ms/frame |`);
  console.log(`| ------- | ---- | ------- | -------- | -------- |`);
  for (const res of resolutions) {
    const page = await browser.newPage();
    await page.goto(`${server.url}?backend=${backend}${threads}#net=T,${res},64,0&eq=0`);
    await page.getByTestId('status').filter({ hasText: 'ready' }).waitFor({ timeout: 600_000 });
    const used = ((await page.getByTestId('backend').textContent()) ?? '')
      .replace(/^backend: /, '')
      .split(';')[0];
    for (const c of ['output', 'layer + EQ']) {
      const fps = await page.evaluate(
        async ({ n, layerCase }) => {
          type Hooks = {
            set(p: object): Promise<unknown>;
            measureFps(n: number): Promise<number>;
            nets: { info: { layers: { name: string }[] } | null }[];
          };
          const studio = (window as unknown as { studio: Hooks }).studio;
          const layers = studio.nets[0].info!.layers;
          await studio.set(
            layerCase
              ? { layer: layers[Math.floor(layers.length / 2)].name, eq: true }
              : { layer: 'output', eq: false },
          );
          await studio.set({ tx: 0.01 });
          await studio.set({ tx: 0.02 });
          return studio.measureFps(n);
        },
        { n: frames, layerCase: c !== 'output' },
      );
      console.log(
        `| T ${res}² (C_max 64) | ${c} | ${used} | ${fps.toFixed(2)} | ${(1000 / fps).toFixed(0)} |`,
      );
    }
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
