/**
 * aliasfree studio in real headless Chromium (wasm backend, no GPU): the page starts and draws,
 * its numbers equal the library's in Node (image and a layer within 1e-4·max), the golden t32
 * network.pkl loads through the file input and lists its layers, translation changes the frame,
 * the FFT view draws, two networks side by side render from one request, bad files get a message
 * while the previous network keeps working, and the page neither requests anything outside the
 * local server nor logs a console error. Small networks (16–32², C_max ≤ 16) keep it quick.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  configAt,
  createGenerator,
  ladderCapacity,
  loadGenerator,
  measureLayers,
  setBackend,
  Rng,
  type Generator,
  type SynthesisResult,
} from '../../src/generator/index.js';
import { writeNetworkPickle } from '../../src/io/pickle/network.js';
import { goldenPath } from '../helpers/golden.js';
import { buildTemp, openStudio, relMaxError, setAndRead, waitReady, type StudioPage } from './harness.js';

let built: Awaited<ReturnType<typeof buildTemp>>;
let studio: StudioPage;
const T32 = goldenPath('generators', 't32');

before(async () => {
  await setBackend('wasm');
  built = await buildTemp();
  // T at 32² with C_max 16, weight seed 0.
  studio = await openStudio({ app: built.app, hash: '#net=T,32,16,0', weights: [join(T32, 'network.pkl')] });
});
after(async () => {
  await studio?.close();
  built?.cleanup();
});

/** The library's render in Node: z = Rng(seed).normals, ψ = 1, input translated by (tx, ty). */
function nodeRender(gen: Generator, seed: number, tx: number, ty: number): SynthesisResult {
  const z = tf.tensor2d(new Rng(seed).normals(gen.config.zDim), [1, gen.config.zDim]);
  const ws = gen.mapping(z);
  // Image transform M = [[1, 0, tx], [0, 1, ty]]; the input's transform buffer holds M⁻¹.
  const r = gen.synthesis(ws, { transform: [1, 0, -tx, 0, 1, -ty, 0, 0, 1], capture: true });
  tf.dispose([z, ws]);
  return r;
}

async function layerOptions(): Promise<string[]> {
  return studio.page
    .getByTestId('layer-select')
    .locator('option')
    .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
}

test('the page starts, says which backend runs and draws a first frame', async () => {
  const { page } = studio;
  assert.match((await page.getByTestId('status').textContent()) ?? '', /ready/);
  assert.match((await page.getByTestId('backend').textContent()) ?? '', /wasm/);
  const stats = await page.getByTestId('output').evaluate((c) => {
    const canvas = c as HTMLCanvasElement;
    const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let min = 255;
    let max = 0;
    for (let i = 0; i < d.length; i += 4) {
      min = Math.min(min, d[i], d[i + 1], d[i + 2]);
      max = Math.max(max, d[i], d[i + 1], d[i + 2]);
    }
    return { w: canvas.width, h: canvas.height, min, max };
  });
  assert.deepEqual([stats.w, stats.h], [32, 32]);
  assert.ok(stats.max - stats.min > 8, `the first frame is flat: ${JSON.stringify(stats)}`);
});

test('image and one layer equal aliasfree/generator in Node within 1e-4·max', async (t) => {
  const cfg = configAt('T', 32, { ablation: true });
  Object.assign(cfg, ladderCapacity(16).T);
  const gen = await createGenerator(cfg, { seed: 0 });
  const layer = (await layerOptions())[4];
  assert.match(layer, /^L3_\d+_\d+$/);
  const [tx, ty] = [0.0625 + 1 / 96, -0.03];
  const [frame] = await setAndRead(studio.page, { seed: 3, tx, ty, layer });
  const ref = nodeRender(gen, 3, tx, ty);
  try {
    assert.equal(frame.layer, layer);
    assert.deepEqual(frame.image.shape, ref.image.shape);
    const eImage = relMaxError(frame.image.data, ref.image.dataSync());
    const eLayer = relMaxError(frame.map.data, ref.layers![layer].dataSync());
    t.diagnostic(`max|Δ|/max|ref|: image ${eImage.toExponential(2)}, ${layer} ${eLayer.toExponential(2)}`);
    assert.ok(eImage <= 1e-4);
    assert.deepEqual(frame.map.shape, ref.layers![layer].shape);
    assert.ok(eLayer <= 1e-4);
  } finally {
    tf.dispose([ref.image, ...Object.values(ref.layers!)]);
    gen.dispose();
  }
});

test('the live per-layer EQ-PSNR equals measureLayers for the same latent and translation', async (t) => {
  const cfg = configAt('T', 32, { ablation: true });
  Object.assign(cfg, ladderCapacity(16).T);
  const gen = await createGenerator(cfg, { seed: 0 });
  try {
    const shift = 1 / 16 + 1 / (3 * 32); // measureLayers' default: a fraction of a pixel at every rate
    const [frame] = await setAndRead(studio.page, {
      seed: 7,
      tx: shift,
      ty: shift,
      eq: true,
      layer: 'output',
    });
    const ref = await measureLayers(gen, {
      samples: 1,
      seed: 7,
      spectra: false,
      alias: false,
      equivariance: true,
    });
    let worst = 0;
    for (const m of ref) {
      const got = frame.eqPsnrDb![m.name];
      assert.ok(got !== null && m.eqPsnrDb !== null, m.name);
      worst = Math.max(worst, Math.abs(got! - m.eqPsnrDb!));
    }
    t.diagnostic(
      `${ref.length} maps, max |Δ| ${worst.toExponential(2)} dB; L3: ${frame.eqPsnrDb!.L3_36_16?.toFixed(2)} dB`,
    );
    assert.ok(worst < 1e-6, `max |Δ| = ${worst} dB`);
  } finally {
    gen.dispose();
  }
});

test('changing the translation input changes the frame', async () => {
  const { page } = studio;
  const before = await setAndRead(page, { tx: 0, ty: 0, layer: 'output' });
  await page.getByTestId('translate-x').fill('0.25');
  await waitReady(page);
  const after = await setAndRead(page, {});
  assert.equal(
    await page.evaluate(() => (window as unknown as { studio: { state: { tx: number } } }).studio.state.tx),
    0.25,
  );
  assert.ok(relMaxError(after[0].image.data, before[0].image.data) > 0.05, 'the frame did not change');
});

test('a burst of input while the worker is busy renders only the newest state', async () => {
  const { page } = studio;
  type Hooks = { studio: { requestsSent: number; state: { tx: number } } };
  const before = await page.evaluate(() => (window as unknown as Hooks).studio.requestsSent);
  // 15 input events in one task: the first is sent, the other 14 only update the pending state.
  await page.getByTestId('translate-x').evaluate((el) => {
    const box = el as HTMLInputElement;
    for (let i = 1; i <= 15; i++) {
      box.value = String(i / 100);
      box.dispatchEvent(new Event('input', { bubbles: true }));
    }
  });
  await waitReady(page);
  const after = await page.evaluate(() => (window as unknown as Hooks).studio.requestsSent);
  assert.equal(after - before, 2, 'one request for the first event, one for the newest state');
  const drawn = await page.evaluate(() =>
    Array.from(
      (window as unknown as { studio: { frames: { image: { data: Float32Array } }[] } }).studio.frames[0]
        .image.data,
    ),
  );
  const again = await setAndRead(page, { tx: 0.15 });
  assert.deepEqual(again[0].image.data, drawn, 'the last drawn frame is the one for tx = 0.15');
});

test('the FFT view draws, with its band guides', async () => {
  await setAndRead(studio.page, { layer: (await layerOptions())[4] });
  const colours = await studio.page.getByTestId('fft').evaluate((c) => {
    const canvas = c as HTMLCanvasElement;
    const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    const set = new Set<number>();
    for (let i = 0; i < d.length; i += 4) set.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    return { n: set.size, w: canvas.width, white: set.has(0xffffff), orange: set.has(0xff9f1c) };
  });
  assert.ok(colours.w >= 256, `fft canvas ${colours.w} px wide`);
  assert.ok(colours.n > 30, `only ${colours.n} colours in the FFT view`);
  assert.ok(colours.white && colours.orange, 'the f_c and f_c + f_h guides are not drawn');
});

test('keyboard shortcuts change the controls; the URL holds the state and reopens it', async () => {
  const { page } = studio;
  type Hooks = { studio: { state: Record<string, unknown>; frames: { image: { data: Float32Array } }[] } };
  const state = () => page.evaluate(() => ({ ...(window as unknown as Hooks).studio.state }));
  await page.locator('header h1').click(); // no input has the focus
  const s0 = await state();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('d');
  await page.keyboard.press('u');
  await page.keyboard.press('ArrowDown');
  await waitReady(page);
  const s1 = await state();
  const layers = await layerOptions();
  assert.equal(s1.seed, (s0.seed as number) + 1);
  assert.ok(Math.abs((s1.tx as number) - ((s0.tx as number) + 1 / 32)) < 1e-12);
  assert.equal(s1.untransform, !s0.untransform);
  assert.equal(s1.layer, layers[layers.indexOf(s0.layer as string) + 1]);
  const url = page.url();
  assert.match(url, /#.*untransform=1/);
  const other = await page.context().newPage();
  other.on('console', (m) => {
    if (m.type() === 'error') studio.errors.push(m.text());
  });
  try {
    await other.goto(url);
    await waitReady(other);
    const s2 = await other.evaluate(() => ({ ...(window as unknown as Hooks).studio.state }));
    assert.deepEqual(s2, s1);
    const [a, b] = await Promise.all(
      [page, other].map((p) =>
        p.evaluate(() => Array.from((window as unknown as Hooks).studio.frames[0].image.data)),
      ),
    );
    assert.deepEqual(b, a);
  } finally {
    await other.close();
  }
  await setAndRead(page, { untransform: false });
});

test('loads the golden t32 network.pkl through the file input, lists its layers and renders as Node does', async () => {
  const { page } = studio;
  await page.getByTestId('network-file').setInputFiles(join(T32, 'network.pkl'));
  await page.waitForFunction(
    () => (document.querySelector('[data-testid=layer-select]')?.textContent ?? '').includes('L3_36_32'),
    null,
    { timeout: 120_000 },
  );
  await waitReady(page);
  const golden = JSON.parse(readFileSync(join(T32, 'layers.json'), 'utf8')) as { layers: { name: string }[] };
  assert.deepEqual(await layerOptions(), ['input', ...golden.layers.map((l) => l.name), 'output']);
  const gen = await loadGenerator(T32);
  const [tx, ty] = [0.1, 0.05];
  const [frame] = await setAndRead(page, { seed: 1, tx, ty, layer: 'L5_52_32' });
  const ref = nodeRender(gen, 1, tx, ty);
  try {
    assert.ok(relMaxError(frame.image.data, ref.image.dataSync()) <= 1e-4);
    assert.ok(relMaxError(frame.map.data, ref.layers!.L5_52_32.dataSync()) <= 1e-4);
  } finally {
    tf.dispose([ref.image, ...Object.values(ref.layers!)]);
    gen.dispose();
  }
});

test('two networks side by side render every state from one request (T32 pickle next to R at 16²)', async () => {
  const { page } = studio;
  await page.getByTestId('config-b').selectOption('R');
  await page.getByTestId('resolution-b').selectOption('16');
  await page.getByTestId('channel-max-b').fill('8');
  await page.getByTestId('build-b').click();
  await page.getByTestId('output-b').waitFor({ state: 'visible' });
  await waitReady(page);
  assert.equal(await page.getByTestId('side-by-side').isChecked(), true);
  const cfg = configAt('R', 16, { ablation: true });
  Object.assign(cfg, ladderCapacity(8).R);
  const r16 = await createGenerator(cfg, { seed: 0 });
  try {
    for (const tx of [0.05, 0.2]) {
      const frames = await setAndRead(page, { seed: 2, tx, ty: 0, layer: 'output' });
      assert.deepEqual(
        frames.map((f) => f.slot),
        [0, 1],
      );
      const ref = nodeRender(r16, 2, tx, 0);
      assert.ok(relMaxError(frames[1].image.data, ref.image.dataSync()) <= 1e-4, `B out of sync at tx ${tx}`);
      tf.dispose([ref.image, ...Object.values(ref.layers!)]);
    }
  } finally {
    r16.dispose();
  }
  const b = await page.getByTestId('output-b').evaluate((c) => (c as HTMLCanvasElement).width);
  assert.equal(b, 16);
});

test('bad input: a message on the page, and the previous network keeps working', async () => {
  const { page } = studio;
  const dir = mkdtempSync(join(tmpdir(), 'aliasfree-studio-bad-'));
  const text = join(dir, 'notes.pkl');
  writeFileSync(text, 'this is not a pickle\n');
  const other = join(dir, 'discriminator.pkl');
  writeFileSync(
    other,
    writeNetworkPickle({
      initKwargs: { class_name: 'training.networks_stylegan2.Discriminator', c_dim: 0 },
      state: new Map([['b4.fc.weight', { shape: [2, 2], data: new Float32Array(4) }]]),
    }),
  );
  const layers = await layerOptions();
  const message = page.getByTestId('message');
  await page.getByTestId('network-file').setInputFiles(text);
  await message.filter({ hasText: 'not a network pickle' }).waitFor({ timeout: 60_000 });
  await page.getByTestId('network-file').setInputFiles(other);
  await message.filter({ hasText: 'does not run' }).waitFor({ timeout: 60_000 });
  // Too large: T at 1024² with C_max 4096 is refused before anything is allocated.
  await page.getByTestId('config').selectOption('T');
  await page.getByTestId('resolution').selectOption('1024');
  await page.getByTestId('channel-max').fill('4096');
  await page.getByTestId('build').click();
  await message.filter({ hasText: "too large for the browser's memory" }).waitFor({ timeout: 60_000 });
  await waitReady(page);
  assert.deepEqual(await layerOptions(), layers);
  const before = await setAndRead(page, { tx: 0 });
  const after = await setAndRead(page, { tx: 0.125 });
  assert.equal(before[0].layer, 'output');
  assert.ok(relMaxError(after[0].image.data, before[0].image.data) > 0.01);
});

test('a StyleGAN2 network.pkl (golden s2_32) loads with its block maps and renders as Node does (const noise)', async () => {
  const { page } = studio;
  const S2 = goldenPath('stylegan2', 's2_32');
  await page.getByTestId('network-file').setInputFiles(join(S2, 'network.pkl'));
  await page.waitForFunction(
    () => (document.querySelector('[data-testid=layer-select]')?.textContent ?? '').includes('b16.x'),
    null,
    { timeout: 120_000 },
  );
  await waitReady(page);
  const options = await layerOptions();
  assert.deepEqual(options.slice(0, 2), ['b4.x', 'b4.img']);
  assert.equal(options[options.length - 1], 'output');
  const gen = await loadGenerator(S2);
  const [frame] = await setAndRead(page, { seed: 4, tx: 0, ty: 0, layer: 'b16.x', noiseMode: 'const' });
  const z = tf.tensor2d(new Rng(4).normals(32), [1, 32]);
  const ws = gen.mapping(z);
  const ref = (gen as unknown as { synthesis(ws: tf.Tensor, o: object): SynthesisResult }).synthesis(ws, {
    noiseMode: 'const',
    capture: true,
  });
  try {
    assert.ok(relMaxError(frame.image.data, ref.image.dataSync()) <= 1e-4);
    assert.ok(relMaxError(frame.map.data, ref.layers!['b16.x'].dataSync()) <= 1e-4);
  } finally {
    tf.dispose([z, ws, ref.image, ...Object.values(ref.layers!)]);
    gen.dispose();
  }
});

test('a file named with --weights is offered in the page and loads from the server', async () => {
  const { page } = studio;
  const served = page.getByTestId('served');
  await served.locator('option', { hasText: 'network.pkl' }).waitFor({ state: 'attached' });
  await served.selectOption({ label: 'network.pkl' });
  await page.waitForFunction(
    () => (document.querySelector('[data-testid=layer-select]')?.textContent ?? '').includes('L3_36_32'),
    null,
    { timeout: 120_000 },
  );
  await waitReady(page);
  const [frame] = await setAndRead(page, { layer: 'L3_36_32' });
  assert.deepEqual(frame.map.shape, [1, 32, 36, 36]);
});

test('no request left the local server and no console error was logged', () => {
  assert.deepEqual(studio.outside, []);
  assert.deepEqual(studio.errors, []);
});
