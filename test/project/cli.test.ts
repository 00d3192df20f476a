/**
 * `aliasfree project` end to end on the golden T `network.pkl` with a few steps: the files exist,
 * the npz reads back with the official shape [1, num_ws, w_dim], the PSNR curve has one entry per
 * step; and bad input exits with the status and message that say what is wrong.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { main } from '../../src/cli/main.js';
import { setBackend } from '../../src/generator/backend.js';
import { loadGenerator } from '../../src/generator/weights.js';
import type { Generator } from '../../src/generator/stylegan3/generator.js';
import { encodeImage } from '../../src/train/dataset/images.js';
import { readZip } from '../../src/train/dataset/zip.js';
import { parseNpy } from '../../src/io/npy.js';
import { imageToUint8 } from '../../src/project/target.js';
import { goldenPath } from '../helpers/golden.js';
import { knownImage } from './find-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'aliasfree-project-'));
const pkl = goldenPath('generators', 't32', 'network.pkl');
let targetPng: string;
let G: Generator;

before(async () => {
  await setBackend('wasm');
  G = await loadGenerator(pkl);
  const { ws, image } = knownImage(G, 3);
  targetPng = join(dir, 'target32.png');
  writeFileSync(targetPng, encodeImage(imageToUint8(image)));
  tf.dispose([ws, image]);
});
after(() => {
  G.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** Run the CLI in this process; returns the exit status and what it wrote to stderr. */
async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  const write = process.stderr.write.bind(process.stderr);
  let stderr = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await main(args), stderr };
  } finally {
    process.stderr.write = write;
  }
}

test('aliasfree project: every output file, npz of shape [1, num_ws, w_dim], one PSNR per step', async () => {
  const out = join(dir, 'run');
  const { code, stderr } = await cli([
    'project',
    '--weights',
    pkl,
    '--target',
    targetPng,
    '--steps',
    '3',
    '--out',
    out,
  ]);
  assert.equal(code, 0, stderr);
  assert.match(stderr, /step 3\/3 {2}loss [0-9.e-]+ {2}PSNR [0-9.]+ dB/);
  for (const f of ['projected_w.npz', 'target.png', 'proj.png', 'proj.gif', 'psnr.json', 'psnr.html'])
    assert.ok(existsSync(join(out, f)), f);
  const members = readZip(readFileSync(join(out, 'projected_w.npz')));
  assert.deepEqual(
    members.map((m) => m.name),
    ['w.npy'],
  );
  const w = parseNpy(members[0].data);
  assert.deepEqual(w.shape, [1, G.numWs, G.config.wDim]);
  const curve = JSON.parse(readFileSync(join(out, 'psnr.json'), 'utf8'));
  assert.equal(curve.history.length, 3);
  assert.deepEqual(
    curve.history.map((h: { step: number }) => h.step),
    [1, 2, 3],
  );
  assert.ok(curve.history.every((h: { psnr: number }) => Number.isFinite(h.psnr)));
  assert.equal(typeof curve.finalPsnr, 'number');
  assert.match(readFileSync(join(out, 'psnr.html'), 'utf8'), /PSNR per step/);
});

test('--translate writes the moved target, both projections and the PSNRs', async () => {
  const out = join(dir, 'tr');
  const r = await cli([
    'project',
    '--weights',
    pkl,
    '--target',
    targetPng,
    '--steps',
    '2',
    '--translate',
    '1.5,-0.5',
    '--out',
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /translate \(1.5, -0.5\) px: the projection rendered shifted fits the shifted target at [0-9.]+ dB/,
  );
  for (const f of [
    'shifted_target.png',
    'proj_shifted.png',
    'proj_rendered_shifted.png',
    'projected_w_shifted.npz',
  ])
    assert.ok(existsSync(join(out, 'translate', f)), f);
  const t = JSON.parse(readFileSync(join(out, 'translate', 'translate.json'), 'utf8'));
  assert.equal(t.dx, 1.5);
  assert.equal(t.dy, -0.5);
  for (const k of ['psnrFollows', 'psnrUnmoved', 'psnrRenderedVsTarget', 'psnrUnmovedVsTarget', 'psnrShift'])
    assert.ok(Number.isFinite(t[k]), k);
  // The curve of the (first) projection has one entry per step.
  assert.equal(JSON.parse(readFileSync(join(out, 'psnr.json'), 'utf8')).history.length, 2);
});

test('a target of another size: refused with the sizes and --resize; --resize projects it', async () => {
  const big = join(dir, 'target64.png');
  const grey = { width: 64, height: 64, channels: 3, data: new Uint8Array(3 * 64 * 64).fill(90) };
  writeFileSync(big, encodeImage(grey));
  const bad = await cli([
    'project',
    '--weights',
    pkl,
    '--target',
    big,
    '--steps',
    '1',
    '--out',
    join(dir, 'x'),
    '-q',
  ]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /is 64×64 pixels, but the network makes 32×32; give --resize/);
  const ok = await cli([
    'project',
    '--weights',
    pkl,
    '--target',
    big,
    '--resize',
    '--steps',
    '1',
    '--out',
    join(dir, 'r'),
    '-q',
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.ok(existsSync(join(dir, 'r', 'proj.png')));
});

test('a grayscale target for an RGB network, a missing file, bad options', async () => {
  const g = join(dir, 'grey.png');
  writeFileSync(g, encodeImage({ width: 32, height: 32, channels: 1, data: new Uint8Array(1024).fill(20) }));
  const grey = await cli([
    'project',
    '--weights',
    pkl,
    '--target',
    g,
    '--steps',
    '1',
    '--out',
    join(dir, 'g'),
    '-q',
  ]);
  assert.equal(grey.code, 1);
  assert.match(grey.stderr, /grayscale \(1 channel\), but the network makes RGB \(3 channels\) images/);
  const missing = await cli(['project', '--weights', pkl, '--target', join(dir, 'nope.png'), '-q']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /--target ".*nope.png": cannot read the file/);
  for (const [args, re] of [
    [['--steps', '0'], /--steps/],
    [['--space', 'z'], /--space/],
    [['--seed', '-3'], /--seed/],
    [['--translate', '1'], /--translate.*expected two numbers of pixels/],
  ] as const) {
    const r = await cli(['project', '--weights', pkl, '--target', targetPng, ...args, '-q']);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
});
