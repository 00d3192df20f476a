/**
 * `aliasfree generate` in this process on a tiny preset (T at 16², C_max 16): the files it writes,
 * the images it draws (not blank), and `--workers 2` (each image split across two worker threads
 * by channels) drawing the same PNGs and GIF frames as one thread.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGenerate, type GenerateOptions } from '../../src/cli/generate.js';
import { decodePng } from '../../src/viz/index.js';

const dir = mkdtempSync(join(tmpdir(), 'aliasfree-generate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function options(out: string, workers: number): GenerateOptions {
  return {
    config: 'T',
    resolution: 16,
    channelBase: 512,
    channelMax: 16,
    seeds: [0, 1, 2],
    weightSeed: 3,
    psi: 0.8,
    animate: 'translate',
    frames: 3,
    out,
    backend: 'wasm',
    workers,
    quiet: true,
  };
}

test('generate: one thread and --workers 2 write the same images', async () => {
  const one = await runGenerate(options(join(dir, 'one'), 1));
  const two = await runGenerate(options(join(dir, 'two'), 2));
  const names = (files: string[]) => files.map((f) => f.split('/').pop());
  assert.deepEqual(names(one.files), [
    'seed0000.png',
    'seed0001.png',
    'seed0002.png',
    'grid.png',
    'translate.gif',
  ]);
  assert.deepEqual(names(two.files), names(one.files));
  for (let i = 0; i < 4; i++) {
    const a = decodePng(readFileSync(one.files[i]));
    const b = decodePng(readFileSync(two.files[i]));
    assert.equal(a.width, i < 3 ? 16 : b.width);
    assert.equal(a.width, b.width);
    assert.equal(a.height, b.height);
    let lo = 255;
    let hi = 0;
    let diff = 0;
    for (let k = 0; k < a.rgba.length; k++) {
      lo = Math.min(lo, a.rgba[k]);
      hi = Math.max(hi, a.rgba[k]);
      diff = Math.max(diff, Math.abs(a.rgba[k] - b.rgba[k]));
    }
    assert.ok(hi - lo > 20, `${one.files[i]} is not blank (range ${lo}–${hi})`);
    // float32 rounding may move a pixel across an 8-bit step, never more
    assert.ok(diff <= 1, `${names(one.files)[i]}: one thread vs 2 workers differ by ${diff}`);
  }
  // The translate frames of seed 0 went through the pool too: at this size both paths run the same
  // float32 ops in the same order, so the GIFs are byte for byte the same.
  assert.ok(readFileSync(one.files[4]).equals(readFileSync(two.files[4])), 'the GIFs differ');
  const meta = JSON.parse(readFileSync(join(dir, 'two', 'generate.json'), 'utf8'));
  assert.equal(meta.workers, 2);
  assert.deepEqual(meta.seeds, [0, 1, 2]);
});
