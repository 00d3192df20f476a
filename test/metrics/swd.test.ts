import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/generator/rng.js';
import { imagesToUint8, laplacianPyramid, slicedWasserstein, swd } from '../../src/metrics/swd.js';

function noiseImages(N: number, C: number, R: number, seed: number, smooth = 0): Uint8Array {
  const rng = new Rng(seed);
  const out = new Uint8Array(N * C * R * R);
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(rng.uniform() * 256);
  if (smooth) {
    // Box-blur rows to change the spectrum (and so the Laplacian levels).
    for (let p = 0; p < N * C * R; p++) {
      const row = out.slice(p * R, (p + 1) * R);
      for (let x = 0; x < R; x++) {
        let s = 0;
        for (let k = -smooth; k <= smooth; k++) s += row[(x + k + R) % R];
        out[p * R + x] = Math.round(s / (2 * smooth + 1));
      }
    }
  }
  return out;
}

test('sliced Wasserstein in 1-D equals |shift|; permutations give 0', () => {
  const rng = new Rng(1);
  const A = Float64Array.from({ length: 50 }, () => rng.normal());
  const B = A.map((v) => v + 0.75);
  // dim 1: every unit direction is ±1, so each projection difference is exactly 0.75.
  assert.ok(Math.abs(slicedWasserstein(A, B, 1, { dirRepeats: 2, dirsPerRepeat: 8 }) - 0.75) < 1e-12);
  // A permutation of the rows of 3-D points: the sorted projections are identical.
  const P = Float64Array.from({ length: 30 }, () => rng.normal());
  const Q = new Float64Array(30);
  for (let i = 0; i < 10; i++) Q.set(P.subarray(((i * 7) % 10) * 3, ((i * 7) % 10) * 3 + 3), i * 3);
  assert.equal(slicedWasserstein(P, Q, 3), 0);
  assert.throws(() => slicedWasserstein(P, Q.subarray(0, 27), 3), /same non-zero number/);
});

test('sliced Wasserstein of a 2-D shift ≈ |v|·E|cos θ| = |v|·2/π over many directions', () => {
  const rng = new Rng(2);
  const A = Float64Array.from({ length: 200 }, () => rng.normal());
  const B = A.map((v, i) => (i % 2 === 0 ? v + 1 : v));
  const got = slicedWasserstein(A, B, 2, { dirRepeats: 8, dirsPerRepeat: 512 });
  assert.ok(Math.abs(got - 2 / Math.PI) < 0.02, `${got}`);
});

test('Laplacian pyramid: constant images have zero detail and keep their value in the residual', () => {
  const R = 32;
  const x = new Float64Array(2 * R * R).fill(77);
  const pyr = laplacianPyramid(x, 2, R, 2);
  assert.equal(pyr[0].size, 32);
  assert.equal(pyr[1].size, 16);
  assert.ok(pyr[0].data.every((v) => Math.abs(v) < 1e-12));
  assert.ok(pyr[1].data.every((v) => Math.abs(v - 77) < 1e-12));
});

test('SWD: identical sets give exactly 0 at every level', () => {
  const a = noiseImages(4, 3, 32, 5);
  const r = swd(a, a.slice(), [4, 3, 32, 32], { nhoodsPerImage: 16, dirsPerRepeat: 16 });
  assert.deepEqual(r.resolutions, [32, 16]);
  assert.deepEqual(r.perLevel, [0, 0]);
  assert.equal(r.average, 0);
});

test('SWD is invariant to a brightness offset and a contrast scale (per-set normalisation)', () => {
  const a = noiseImages(4, 3, 32, 6, 1);
  const half = a.map((v) => Math.floor(v / 2) * 2); // even values so that /2 and +40 stay exact
  const scaled = half.map((v) => v / 2 + 40);
  const r = swd(half, Uint8Array.from(scaled), [4, 3, 32, 32], { nhoodsPerImage: 16, dirsPerRepeat: 16 });
  for (const d of r.perLevel) assert.ok(Math.abs(d) < 1e-9, `${d}`);
});

test('SWD separates white noise from smooth gratings far beyond the sampling noise of two noise sets', () => {
  const a = noiseImages(4, 3, 32, 7);
  const b = noiseImages(4, 3, 32, 8);
  const rng = new Rng(9);
  const g = new Uint8Array(a.length);
  for (let n = 0; n < 4; n++) {
    const th = rng.uniform() * Math.PI;
    const ph = rng.uniform() * 2 * Math.PI;
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++)
          g[((n * 3 + c) * 32 + y) * 32 + x] = Math.round(
            128 + 100 * Math.sin(0.6 * (x * Math.cos(th) + y * Math.sin(th)) + ph),
          );
  }
  const opts = { dirsPerRepeat: 32 };
  const same = swd(a, b, [4, 3, 32, 32], opts);
  const diff = swd(a, g, [4, 3, 32, 32], opts);
  const msg = `noise/noise ${same.perLevel}, noise/grating ${diff.perLevel}`;
  assert.ok(diff.perLevel[0] > 2 * same.perLevel[0], msg); // detail level: white vs band-limited
  assert.ok(diff.perLevel[1] > same.perLevel[1], msg); // low-pass residual
  assert.throws(() => swd(a, b.subarray(1), [4, 3, 32, 32]), /real and fake/);
  assert.throws(() => swd(a, b, [4, 3, 32, 32], { minResolution: 64 }), /below minResolution/);
});

test('imagesToUint8: official clamp(floor(x·127.5 + 128), 0, 255)', () => {
  assert.deepEqual(
    [...imagesToUint8(Float32Array.from([-1, 0, 1, 2, -3, 0.004]))],
    [0, 128, 255, 255, 0, 128],
  );
});
