/**
 * The report's building blocks without a real generator: translation/rotation strips on stand-in
 * targets whose behaviour is known exactly (an equivariant one that moves its content with the
 * input transform, and a "stuck" one that ignores it), and the static spectrum tiles.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import ndarray from 'ndarray';
import { PSNR_CAP_DB, renderStrip, type StripTarget } from '../../src/report/strip.js';
import { spectrumTile, viridis } from '../../src/report/spectrum-tile.js';
import { reportProgress } from '../../src/report/progress.js';

const RES = 24;

/** Smooth, asymmetric test content g(x, y) per channel (pixel units). */
const g = (x: number, y: number, c: number) =>
  0.6 * Math.sin(0.35 * x + 0.2 * y + c) + 0.3 * Math.cos(0.15 * x * (c + 1) - 0.4 * y);

/** A target that renders g shifted by the input transform's translation (dx = −T[0][2]·res px). */
function target(kind: 'equivariant' | 'stuck' | 'round'): StripTarget & { calls: number[][] } {
  const calls: number[][] = [];
  return {
    config: { imgResolution: RES },
    calls,
    synthesis(_ws, opts = {}) {
      const t = opts.transform ?? [1, 0, 0, 0, 1, 0, 0, 0, 1];
      calls.push(t);
      const dx = kind === 'equivariant' ? -t[2] * RES : 0;
      const data = new Float32Array(3 * RES * RES);
      for (let c = 0; c < 3; c++) {
        for (let y = 0; y < RES; y++) {
          for (let x = 0; x < RES; x++) {
            const r2 = (x - RES / 2 + 0.5) ** 2 + (y - RES / 2 + 0.5) ** 2;
            data[(c * RES + y) * RES + x] =
              kind === 'round' ? Math.exp(-r2 / (2 * 5 ** 2)) - 0.5 : g(x - dx, y, c);
          }
        }
      }
      return { image: tf.tensor4d(data, [1, 3, RES, RES]) };
    },
  };
}

const ws = () => tf.zeros([1, 4, 2]) as tf.Tensor3D;

test('translate strip: equivariant content → identical untransformed frames; stuck content → errors', async () => {
  await tf.setBackend('cpu');
  const eq = target('equivariant');
  const s = await renderStrip(eq, ws(), 'translate', { frames: 4, stepPx: 2 });
  assert.deepEqual(s.steps, [0, 2, 4, 6]);
  // Input transform of frame k: translation −k·2/res (content moves right by k·2 px).
  assert.deepEqual(
    eq.calls.map((t) => t[2] + 0), // + 0 turns −0 into 0
    [0, -2 / RES, -4 / RES, -6 / RES],
  );
  assert.equal(s.psnrDb[0], null);
  for (const p of s.psnrDb.slice(1)) assert.equal(p, PSNR_CAP_DB);
  assert.equal(s.tile.width, 4 * RES + 3 * 2);
  assert.equal(s.tile.height, 2 * RES + 2);
  const stuck = await renderStrip(target('stuck'), ws(), 'translate', { frames: 4, stepPx: 2 });
  for (const p of stuck.psnrDb.slice(1)) assert.ok(p !== null && p > 0 && p < 30, String(p));
  // Growing shifts of stuck content drift further from the reference.
  assert.ok(stuck.psnrDb[3]! < stuck.psnrDb[1]!);
  // Difference row: black where equal (equivariant), bright somewhere for stuck content.
  const diffMax = (t: typeof s.tile) => {
    let m = 0;
    for (let y = RES + 2; y < t.height; y++)
      for (let x = RES + 2; x < 2 * RES + 2; x++) m = Math.max(m, t.rgba[(y * t.width + x) * 4]);
    return m;
  };
  assert.ok(diffMax(stuck.tile) > 100);
});

test('rotate strip: a round blob survives rotation far better than stuck asymmetric content', async () => {
  const round = await renderStrip(target('round'), ws(), 'rotate', { frames: 3, stepDeg: 30 });
  const stuck = await renderStrip(target('stuck'), ws(), 'rotate', { frames: 3, stepDeg: 30 });
  assert.deepEqual(round.steps, [0, 30, 60]);
  for (let k = 1; k < 3; k++) {
    assert.ok(round.psnrDb[k]! > stuck.psnrDb[k]! + 10, `${round.psnrDb[k]} vs ${stuck.psnrDb[k]}`);
  }
});

test('renderStrip rejects bad arguments naming them', async () => {
  await assert.rejects(renderStrip(target('stuck'), ws(), 'translate', { frames: 1 }), /frames/);
  await assert.rejects(renderStrip(target('stuck'), ws(), 'translate', { frames: 30 }), /stepPx/);
  await assert.rejects(
    renderStrip(target('stuck'), ws(), 'shear' as 'rotate', { frames: 3 }),
    /kind must be 'translate' or 'rotate'/,
  );
});

test('spectrumTile: viridis colours, guide squares at f_c (white), f_t (orange) and s/2 (red)', () => {
  const P = 32;
  const s = 16;
  const freqs = Float64Array.from({ length: P }, (_, k) => ((k - P / 2) * s) / P);
  const spec = ndarray(new Float64Array(P * P).fill(-10), [P, P]);
  const px = 64;
  const t = spectrumTile(
    { spectrumDb: spec, spectrumFreqs: freqs, samplingRate: s, cutoff: 2, halfWidth: 2 },
    px,
  );
  const at = (x: number, y: number) => Array.from(t.rgba.subarray((y * px + x) * 4, (y * px + x) * 4 + 3));
  // −10 dB in the −40…20 range is the middle of the scale.
  assert.deepEqual(at(px / 2 - 1, px / 2 - 1 + 2), viridis(0.5));
  // Tile spans −s/2 − Δ/2 … s/2 − Δ/2 (Δ = s/P): frequency f is at pixel (f + s/2 + Δ/2)/s·px − 0.5.
  const pos = (f: number) => Math.round(((f + s / 2 + s / P / 2) / s) * px - 0.5);
  assert.deepEqual(at(pos(2), px / 2), [255, 255, 255]);
  assert.deepEqual(at(pos(-2), px / 2), [255, 255, 255]);
  assert.deepEqual(at(pos(4), px / 2), [255, 127, 14]);
  assert.deepEqual(at(pos(s / 2), px / 2), [214, 39, 40]);
  assert.deepEqual(viridis(0), [68, 1, 84]);
  assert.deepEqual(viridis(1), [253, 231, 37]);
  assert.deepEqual(viridis(NaN), [68, 1, 84]);
  assert.throws(
    () =>
      spectrumTile({
        spectrumDb: spec,
        spectrumFreqs: freqs.subarray(1),
        samplingRate: s,
        cutoff: 2,
        halfWidth: 1,
      }),
    /square/,
  );
});

test('reportProgress: weighted ETA over configs', () => {
  const lines: string[] = [];
  const p = reportProgress(['A', 'B'], [1, 3], { write: (l) => lines.push(l) });
  p.update(0, 1, 'x');
  assert.match(lines[0], /^\[1\/2 A\] x {2}overall 25%/);
  assert.match(lines[0], /ETA/);
  p.update(1, 1, 'y');
  assert.match(lines[1], /overall 100%/);
  assert.doesNotMatch(lines[1], /ETA/);
});

test('reportProgress: configs running at the same time add up', () => {
  const lines: string[] = [];
  const p = reportProgress(['A', 'B', 'C'], [1, 1, 2], { write: (l) => lines.push(l) });
  p.update(2, 0.5, 'c'); // 1 of 4
  p.update(0, 0.5, 'a'); // 1.5 of 4
  p.update(1, 0.25, 'b'); // 1.75 of 4
  assert.deepEqual(
    lines.map((l) => l.match(/overall (\d+)%/)![1]),
    ['25', '38', '44'],
  );
  assert.match(lines[2], /^\[2\/3 B\] b {2}overall 44%/);
  p.finish(0); // A reported 0.5 last, but it is done: 2.25 of 4
  p.update(2, 0.5, 'c');
  assert.match(lines[3], /overall 56%/);
});

test('styleGAN2View: B renders with its stored noise (same frames every call), strips and captured layers by module name', async () => {
  const { createGenerator } = await import('../../src/generator/weights.js');
  const { configs } = await import('../../src/generator/config.js');
  const { styleGAN2View } = await import('../../src/report/measure.js');
  const gen = await createGenerator(
    { ...configs.B, imgResolution: 16, channelBase: 128, channelMax: 8, zDim: 8, wDim: 8 },
    { seed: 1 },
  );
  try {
    const view = styleGAN2View(gen);
    const ws = tf.tidy(() => gen.mapping(tf.randomNormal([1, 8], 0, 1, 'float32', 3) as tf.Tensor2D));
    // noise_mode 'random' would differ between calls; the view's stored noise does not.
    const a = view.synthesis(ws).image;
    const b = view.synthesis(ws).image;
    assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
    tf.dispose([a, b]);
    const cap = view.synthesis(ws, { capture: true });
    assert.ok(['b4.conv1', 'b8.conv0', 'b16.torgb'].every((k) => k in cap.layers!));
    tf.dispose([cap.image, ...Object.values(cap.layers!)]);
    const s = await renderStrip(view, ws, 'translate', { frames: 3 });
    assert.equal(s.psnrDb[0], null);
    for (const v of s.psnrDb.slice(1)) assert.ok(v !== null && Number.isFinite(v) && v > 0, String(v));
    ws.dispose();
  } finally {
    gen.dispose();
  }
});
