/**
 * `node --import tsx scripts/studio-screenshot.ts [out.png]`: the README's studio screenshot
 * (docs/img/studio.png): T next to R at 64² (C_max 32, seeded weights), a middle layer with its
 * FFT and band guides, the input translated, the live EQ-PSNR readout; headless Chromium, wasm.
 */
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildStudio } from '../src/studio/build.js';
import { startStudioServer } from '../src/studio/server.js';
import { chromiumPath } from '../src/viz/render/png.js';

const out = resolve(process.argv[2] ?? 'docs/img/studio.png');
const dir = mkdtempSync(join(tmpdir(), 'aliasfree-studio-shot-'));
const app = join(dir, 'app');
await buildStudio({ out: app });
const server = await startStudioServer({ app });
const browser = await chromium.launch({
  executablePath: chromiumPath(),
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1500, height: 860 } });
  await page.goto(
    `${server.url}?backend=wasm#net=T,64,32,0&net2=R,64,32,0&sbs=1&seed=2&layer=L6_52_32&rgb=1&normalize=1`,
  );
  await page.getByTestId('status').filter({ hasText: 'ready' }).waitFor({ timeout: 600_000 });
  await page.evaluate(() =>
    (window as unknown as { studio: { set(p: object): Promise<unknown> } }).studio.set({ tx: 0.1, ty: 0.05 }),
  );
  await page.getByTestId('status').filter({ hasText: 'ready' }).waitFor({ timeout: 600_000 });
  await page.screenshot({ path: out });
  console.log(`studio screenshot: ${out}`);
} finally {
  await browser.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
