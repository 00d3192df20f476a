// The equivariance reference operators against the official metrics/equivariance.py (golden group
// `equivariance`, every case except the generator-driven `metric_*`), plus exact properties:
// integer shifts, partition of unity, quarter-turn rotations, polyphase normalisation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ndarray, { type NdArray } from 'ndarray';
import { manifest, npy, assertCloseToMax, assertExact, type GoldenCase } from '../helpers/golden.js';
import {
  translateInteger,
  translateIntegerPixels,
  translateFractional,
  lanczosShiftTaps,
  roundHalfEven,
} from '../../src/signal/translate.js';
import {
  affineBandlimitFilter,
  applyAffineTransformation,
  rotateFractional,
  rotatePseudo,
  rotationMatrix,
} from '../../src/signal/rotate.js';
import { bandlimitedNoise } from '../../src/signal/test-images.js';
import { psnr } from '../../src/signal/psnr.js';

const G = 'equivariance';
const cases = manifest(G).filter((c) => !c.name.startsWith('metric_'));
const short = (c: GoldenCase) => c.fn.split('.').pop()!;
const ofKind = (k: string) => cases.filter((c) => short(c) === k);

// Tolerances relative to max|ref| (test/golden/README.md): float32 reference ops.
const TOL: Record<string, number> = {
  apply_integer_translation: 0,
  apply_fractional_translation: 1e-5,
  apply_fractional_pseudo_rotation: 1e-5,
  apply_fractional_rotation: 1e-4,
  apply_affine_transformation: 1e-4,
};

test('golden equivariance: every non-metric case is of a known kind', () => {
  const known = new Set([...Object.keys(TOL), 'construct_affine_bandlimit_filter']);
  for (const c of cases) assert.ok(known.has(short(c)), `${c.name}: ${c.fn}`);
  for (const k of known) assert.ok(ofKind(k).length > 0, k);
});

function run(c: GoldenCase) {
  const p = c.params;
  const x = npy(G, c.inputs.x) as NdArray<Float32Array>;
  switch (short(c)) {
    case 'apply_integer_translation':
      return translateInteger(x, p.tx, p.ty);
    case 'apply_fractional_translation':
      return translateFractional(x, p.tx, p.ty, { a: p.a });
    case 'apply_fractional_rotation':
      return rotateFractional(x, p.angle, { a: p.a });
    case 'apply_fractional_pseudo_rotation':
      return rotatePseudo(x, p.angle, { a: p.a });
    case 'apply_affine_transformation':
      return applyAffineTransformation(x, npy(G, c.inputs.mat), { up: p.up, a: p.a, amax: p.amax });
  }
  throw new Error(`unexpected ${c.fn}`);
}

for (const c of cases.filter((k) => short(k) in TOL)) {
  test(`golden ${c.name}: image and mask`, () => {
    const got = run(c);
    const wantImage = npy(G, c.outputs.image);
    const wantMask = npy(G, c.outputs.mask);
    assert.deepEqual(got.image.shape, wantImage.shape);
    assert.deepEqual(got.mask.shape, wantMask.shape);
    assert.ok(got.image.data instanceof Float32Array, 'dtype kept');
    const tol = TOL[short(c)];
    if (tol === 0) assertExact(got.image.data, wantImage.data, `${c.name} image`);
    else assertCloseToMax(got.image.data, wantImage.data, tol, `${c.name} image`);
    assertExact(got.mask.data, wantMask.data, `${c.name} mask`);
  });
}

for (const c of ofKind('construct_affine_bandlimit_filter')) {
  test(`golden ${c.name}: bandlimit filter`, () => {
    const p = c.params;
    const mat = npy(G, c.inputs.mat);
    // The golden matrix is the official rotation_matrix(angle): float32 cos/sin (torch's float32
    // cos may differ from the correctly rounded value by one ulp).
    assertCloseToMax(rotationMatrix(p.angle), mat.data, 2e-7, `${c.name} rotation matrix`);
    const f = affineBandlimitFilter(mat, {
      a: p.a,
      amax: p.amax,
      aflt: p.aflt,
      up: p.up,
      cutoffIn: p.cutoff_in,
      cutoffOut: p.cutoff_out,
    });
    const want = npy(G, c.outputs.f);
    assert.deepEqual(f.shape, want.shape);
    assert.equal(f.shape[0], p.amax * 2 * p.up - 1);
    assertCloseToMax(f.data, want.data, 1e-5, c.name);
    // Each polyphase component sums to 1/up².
    const n = f.shape[0];
    for (let py = 0; py < p.up; py++) {
      for (let px = 0; px < p.up; px++) {
        let s = 0;
        for (let y = py; y < n; y += p.up) for (let x = px; x < n; x += p.up) s += f.data[y * n + x];
        assert.ok(Math.abs(s - 1 / (p.up * p.up)) < 1e-13, `phase ${py},${px}: ${s}`);
      }
    }
  });
}

test('roundHalfEven follows torch.round', () => {
  assert.deepEqual(
    [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6].map(roundHalfEven),
    [0, 2, 2, -0, -2, -2, 2, -3],
  );
});

test('translateInteger: pixel shifts, masks, rank 2/3 and shifts beyond the image', () => {
  const h = 6;
  const w = 8;
  const x = ndarray(
    Float64Array.from({ length: h * w }, (_, i) => i + 1),
    [h, w],
  );
  const r = translateInteger(x, 2 / w, -1 / h);
  assert.deepEqual(r.image.shape, [h, w]);
  for (let y = 0; y < h; y++) {
    for (let xx = 0; xx < w; xx++) {
      const sy = y + 1;
      const sx = xx - 2;
      const ok = sy >= 0 && sy < h && sx >= 0 && sx < w;
      assert.equal(r.image.data[y * w + xx], ok ? x.data[sy * w + sx] : 0);
      assert.equal(r.mask.data[y * w + xx], ok ? 1 : 0);
    }
  }
  assertExact(translateIntegerPixels(x, 2, -1).image.data, r.image.data);
  const far = translateInteger(x, 1, 0);
  assert.ok(far.image.data.every((v) => v === 0) && far.mask.data.every((v) => v === 0));
  const c3 = translateInteger(ndarray(x.data, [1, h, w]), 2 / w, -1 / h);
  assert.deepEqual(c3.image.shape, [1, h, w]);
  assertExact(c3.image.data, r.image.data);
});

test('translateFractional: Lanczos taps form a partition of unity; integer shifts are exact', () => {
  for (const frac of [0, 0.1, 0.5, 0.77]) {
    const t = lanczosShiftTaps(frac, 3);
    assert.equal(t.length, 6);
    assert.ok(Math.abs(t.reduce((a, b) => a + b, 0) - 1) < 1e-15);
  }
  // φ = 0: sinc vanishes at the other integers (up to sin(πk) round-off), so the taps are a delta.
  assertCloseToMax(lanczosShiftTaps(0, 3), [0, 0, 1, 0, 0, 0], 1e-15, 'delta taps');
  const x = bandlimitedNoise(16, { cutoff: 0.3, seed: 1 });
  const a = translateFractional(x, 3 / 16, -2 / 16);
  const b = translateInteger(x, 3 / 16, -2 / 16);
  assertCloseToMax(a.image.data, b.image.data, 1e-15, 'integer shift');
  // The fractional mask is the integer one shrunk by the kernel reach (a on the leading side,
  // a − 1 on the trailing side).
  for (let y = 0; y < 16; y++) {
    for (let xx = 0; xx < 16; xx++) {
      const want =
        xx >= 3 + 3 && xx < 16 + Math.min(3 - 2, 0) && y >= Math.max(-2 + 3, 0) && y < 16 - 2 - 2 ? 1 : 0;
      assert.equal(a.mask.data[y * 16 + xx], want, `mask ${y},${xx}`);
    }
  }
  // A constant image stays constant inside the mask.
  const ones = translateFractional(ndarray(new Float64Array(100).fill(1), [10, 10]), 0.033, -0.071);
  for (let i = 0; i < 100; i++) if (ones.mask.data[i]) assert.ok(Math.abs(ones.image.data[i] - 1) < 1e-15);
});

test('rotateFractional: a quarter turn of a band-limited image is the exact pixel rotation', () => {
  const n = 32;
  const x = bandlimitedNoise(n, { cutoff: 0.2, seed: 3 });
  const r = rotateFractional(x, Math.PI / 2);
  // Official convention: out[i, j] = x[j, n − 1 − i] for +90°.
  const exact = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) exact[i * n + j] = x.data[j * n + (n - 1 - i)];
  const db = psnr(r.image, ndarray(exact, [n, n]), { mask: r.mask });
  assert.ok(db > 100, `quarter turn PSNR ${db} dB`);
  // …and the pseudo-rotation of a quarter turn leaves such an image unchanged.
  const ps = rotatePseudo(x, Math.PI / 2);
  assert.ok(psnr(ps.image, x, { mask: ps.mask }) > 100);
  // A half turn twice is the identity on the interior.
  const half = rotateFractional(rotateFractional(x, Math.PI).image, Math.PI);
  assert.ok(psnr(half.image, x, { mask: half.mask }) > 60);
});

test('affine helpers accept 3×3 matrices as 9 numbers, rows or ndarray; rank 2 inputs', () => {
  const m = rotationMatrix(0.3);
  const rows = [m.slice(0, 3), m.slice(3, 6), m.slice(6, 9)];
  const f1 = affineBandlimitFilter(m, { up: 1, amax: 6 });
  const f2 = affineBandlimitFilter(rows, { up: 1, amax: 6 });
  const f3 = affineBandlimitFilter(ndarray(Float64Array.from(m), [3, 3]), { up: 1, amax: 6 });
  assertExact(f1.data, f2.data);
  assertExact(f1.data, f3.data);
  // Point symmetry: the filter of a linear map is even.
  const n = f1.shape[0];
  for (let i = 0; i < n * n; i++) assert.ok(Math.abs(f1.data[i] - f1.data[n * n - 1 - i]) < 1e-13);
  const x = bandlimitedNoise(12, { seed: 2 });
  const r2 = rotateFractional(x, 0.4);
  const r4 = rotateFractional(ndarray(x.data, [1, 1, 12, 12]), 0.4);
  assert.deepEqual(r2.image.shape, [12, 12]);
  assertExact(r2.image.data, r4.image.data);
});
