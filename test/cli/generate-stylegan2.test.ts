/**
 * `aliasfree generate` with StyleGAN2 generators: presets A (learned constant: no translate GIF)
 * and B (Fourier input: translate GIF), and the errors of `--noise-mode` on networks without noise
 * (the golden `network.pkl` itself is checked in test/generator/stylegan2.test.ts).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGenerate, type GenerateOptions } from '../../src/cli/generate.js';
import { main } from '../../src/cli/main.js';
import { setBackend } from '../../src/generator/backend.js';

const dir = mkdtempSync(join(tmpdir(), 'aliasfree-generate-sg2-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(async () => {
  await setBackend('wasm');
});

function options(over: Partial<GenerateOptions>): GenerateOptions {
  return {
    config: 'A',
    resolution: 16,
    channelBase: 256,
    channelMax: 16,
    seeds: [0, 1],
    weightSeed: 3,
    psi: 1,
    animate: 'translate',
    frames: 2,
    out: join(dir, 'x'),
    backend: 'wasm',
    workers: 1,
    quiet: true,
    ...over,
  };
}

const names = (files: string[]) => files.map((f) => f.split('/').pop());

test('generate --config A: images, no translate GIF (a learned constant cannot move)', async () => {
  const out = join(dir, 'a');
  const r = await runGenerate(options({ out, noiseMode: 'const' }));
  assert.deepEqual(names(r.files), ['seed0000.png', 'seed0001.png', 'grid.png']);
  const meta = JSON.parse(readFileSync(join(out, 'generate.json'), 'utf8'));
  assert.equal(meta.noiseMode, 'const');
  assert.equal(meta.animate, 'none');
  assert.equal(meta.generator.network, 'stylegan2');
});

test('generate --config B: the Fourier input gives a translate GIF', async () => {
  const out = join(dir, 'b');
  const r = await runGenerate(options({ config: 'B', out, seeds: [0] }));
  assert.deepEqual(names(r.files), ['seed0000.png', 'translate.gif']);
});

test('generate --noise-mode: refused for StyleGAN3 and for a StyleGAN2 without noise (C)', async () => {
  await assert.rejects(
    runGenerate(options({ config: 'T', noiseMode: 'const', out: join(dir, 't') })),
    /--noise-mode const applies to StyleGAN2 generators/,
  );
  await assert.rejects(
    runGenerate(options({ config: 'C', noiseMode: 'random', out: join(dir, 'c') })),
    /this StyleGAN2 generator has no noise inputs/,
  );
  // The option parser: only random, const, none.
  assert.equal(await main(['generate', '--config', 'A', '--noise-mode', 'fixed', '-q']), 2);
});

test('generate --config B --workers 2: the worker pool writes the images of one thread', async () => {
  const { PNG } = await import('pngjs');
  const one = await runGenerate(
    options({ config: 'B', out: join(dir, 'w1'), noiseMode: 'const', frames: 2 }),
  );
  const two = await runGenerate(
    options({ config: 'B', out: join(dir, 'w2'), noiseMode: 'const', frames: 2, workers: 2 }),
  );
  assert.deepEqual(names(two.files), names(one.files));
  assert.equal(JSON.parse(readFileSync(join(dir, 'w2', 'generate.json'), 'utf8')).workers, 2);
  for (let i = 0; i < one.files.length; i++) {
    if (!one.files[i].endsWith('.png')) continue;
    const a = PNG.sync.read(readFileSync(one.files[i])).data;
    const b = PNG.sync.read(readFileSync(two.files[i])).data;
    let diff = 0;
    for (let k = 0; k < a.length; k++) diff = Math.max(diff, Math.abs(a[k] - b[k]));
    // 8-bit images of float32 results equal within rounding: at most one level apart.
    assert.ok(diff <= 1, `${names(one.files)[i]}: one thread vs 2 workers differ by ${diff}`);
  }
});
