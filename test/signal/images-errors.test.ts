// PSNR against analytic values (pooled, masked as in the EQ metrics), properties of the classic
// test images, and the argument errors of the FFT/spectrum/equivariance/PSNR functions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ndarray from 'ndarray';
import { psnr, psnrFromMse, maskedSquaredError } from '../../src/signal/psnr.js';
import { zonePlate, siemensStar, checkerboard, bandlimitedNoise } from '../../src/signal/test-images.js';
import { fft1d, fft2 } from '../../src/signal/fft.js';
import { translateInteger, translateIntegerPixels, translateFractional } from '../../src/signal/translate.js';
import {
  rotateFractional,
  rotatePseudo,
  affineBandlimitFilter,
  applyAffineTransformation,
} from '../../src/signal/rotate.js';

const nd = (data: number[] | Float64Array, shape: number[]) => ndarray(Float64Array.from(data), shape);

test('psnr: constant error δ gives 20·log10(2) − 20·log10|δ| dB', () => {
  const a = nd(
    Array.from({ length: 2 * 3 * 4 * 5 }, (_, i) => Math.sin(i)),
    [2, 3, 4, 5],
  );
  for (const delta of [0.1, 0.01, 0.5]) {
    const b = nd(
      Array.from(a.data, (v) => v + delta),
      a.shape,
    );
    const want = 20 * Math.log10(2) - 20 * Math.log10(delta);
    assert.ok(Math.abs(psnr(a, b) - want) < 1e-12);
    // peak 1 (images in [0, 1]): 20·log10(1/δ).
    assert.ok(Math.abs(psnr(a, b, { peak: 1 }) + 20 * Math.log10(delta)) < 1e-12);
  }
  assert.equal(psnr(a, a), Infinity);
  assert.ok(Math.abs(psnrFromMse(1e-4) - (20 * Math.log10(2) + 40)) < 1e-12);
});

test('psnr: the mask is broadcast over channels and the MSE is pooled, not averaged per image', () => {
  // Two images, 3 channels, 2×2 pixels; errors 1 in image 0 and 3 in image 1.
  const a = nd(new Array(24).fill(0), [2, 3, 2, 2]);
  const bData: number[] = [];
  for (let n = 0; n < 2; n++) for (let i = 0; i < 12; i++) bData.push(n === 0 ? 1 : 3);
  const b = nd(bData, [2, 3, 2, 2]);
  // Mask [N,1,H,W]: image 0 keeps 3 pixels, image 1 keeps 1 pixel.
  const mask = nd([1, 1, 1, 0, 0, 0, 0, 1], [2, 1, 2, 2]);
  const { sse, weight } = maskedSquaredError(a, b, mask);
  assert.equal(weight, 3 * (3 + 1)); // every channel counts
  assert.equal(sse, 3 * (3 * 1 + 1 * 9));
  const mse = sse / weight; // = 12/4 = 3
  assert.equal(mse, 3);
  assert.ok(Math.abs(psnr(a, b, { mask }) - (20 * Math.log10(2) - 10 * Math.log10(3))) < 1e-12);
  // A full-shape mask and an [H,W] mask broadcast the same way.
  const full = nd(
    Array.from({ length: 24 }, (_, i) => mask.data[Math.floor(i / 12) * 4 + (i % 4)]),
    [2, 3, 2, 2],
  );
  assert.equal(psnr(a, b, { mask: full }), psnr(a, b, { mask }));
  const hw = nd([1, 0, 0, 1], [2, 2]);
  const m2 = maskedSquaredError(a, b, hw);
  assert.equal(m2.weight, 2 * 3 * 2);
  assert.equal(m2.sse, 3 * 2 * 1 + 3 * 2 * 9);
});

test('zonePlate: range, symmetry and local frequency k·r cycles per pixel', () => {
  const size = 128;
  const z = zonePlate(size);
  assert.deepEqual(z.shape, [size, size]);
  for (const v of z.data) assert.ok(v >= -1 && v <= 1);
  // Symmetric under both mirrors and the transpose (it depends on r² only).
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      const v = z.data[i * size + j];
      assert.ok(Math.abs(v - z.data[(size - 1 - i) * size + j]) < 1e-12);
      assert.ok(Math.abs(v - z.data[i * size + (size - 1 - j)]) < 1e-12);
      assert.ok(Math.abs(v - z.data[j * size + i]) < 1e-12);
    }
  }
  // Local frequency along the centre row: the peak of a windowed 1-D spectrum around x0 sits at
  // k·x0 cycles per pixel (default k = 1/size → Nyquist at the edge).
  const k = 1 / size;
  const row = size / 2;
  const seg = 24;
  const pad = 4096;
  for (const x0 of [16, 32, 48]) {
    const re = new Float64Array(pad);
    for (let t = 0; t < seg; t++) {
      const j = Math.round(size / 2 - 0.5 + x0) - seg / 2 + t;
      const hann = 0.5 - 0.5 * Math.cos((2 * Math.PI * (t + 0.5)) / seg);
      re[t] = z.data[row * size + j] * hann;
    }
    const F = fft1d(re);
    let best = 0;
    let bi = 0;
    for (let b = 0; b < pad / 2; b++) {
      const p = F.re[b] ** 2 + F.im[b] ** 2;
      if (p > best) {
        best = p;
        bi = b;
      }
    }
    const xc = x0; // centre of the segment, in pixels from the image centre
    assert.ok(Math.abs(bi / pad - k * xc) < 0.01, `x0=${x0}: ${bi / pad} vs ${k * xc}`);
  }
});

test('siemensStar: ±1 sectors, rotational symmetry by 2π/spokes for even spokes', () => {
  const size = 64;
  const s = siemensStar(size, { spokes: 8 });
  for (const v of s.data) assert.ok(v === 1 || v === -1);
  const smooth = siemensStar(size, { spokes: 8, binary: false });
  for (const v of smooth.data) assert.ok(v >= -1 && v <= 1);
  // 180° point symmetry and a mirror about the horizontal axis.
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      const v = smooth.data[i * size + j];
      assert.ok(Math.abs(v - smooth.data[(size - 1 - i) * size + (size - 1 - j)]) < 1e-12);
      assert.ok(Math.abs(v - smooth.data[(size - 1 - i) * size + j]) < 1e-12);
    }
  }
  // Counting sign changes around a circle gives 2·spokes.
  let changes = 0;
  let prev = 0;
  for (let t = 0; t <= 720; t++) {
    const th = (t / 720) * 2 * Math.PI;
    const i = Math.floor(size / 2 + 25 * Math.sin(th));
    const j = Math.floor(size / 2 + 25 * Math.cos(th));
    const v = s.data[i * size + j];
    if (t > 0 && v !== prev) changes++;
    prev = v;
  }
  assert.equal(changes, 16);
});

test('checkerboard: ±1 squares of period/2 pixels, fundamental at 1/period cycles per pixel', () => {
  const c = checkerboard(16, { period: 8 });
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      assert.equal(c.data[i * 16 + j], (Math.floor(i / 4) + Math.floor(j / 4)) % 2 === 0 ? 1 : -1);
    }
  }
  const f = fft2(c);
  // Strongest non-DC component at (ky, kx) = (±2, ±2) bins = 1/8 cycles per pixel on each axis.
  let best = 0;
  let at = -1;
  for (let i = 1; i < 256; i++) {
    const p = f.re.data[i] ** 2 + f.im.data[i] ** 2;
    if (p > best + 1e-9) {
      best = p;
      at = i;
    }
  }
  assert.deepEqual([Math.floor(at / 16), at % 16], [2, 2]);
});

test('bandlimitedNoise: [−1, 1], max |v| = 1, no energy beyond the cutoff, seeded', () => {
  const size = 48;
  const cutoff = 0.2;
  const x = bandlimitedNoise(size, { cutoff, seed: 7 });
  let m = 0;
  for (const v of x.data) m = Math.max(m, Math.abs(v));
  assert.ok(Math.abs(m - 1) < 1e-15);
  const f = fft2(x);
  let inside = 0;
  let outside = 0;
  for (let i = 0; i < size; i++) {
    const fy = (i < size / 2 ? i : i - size) / size;
    for (let j = 0; j < size; j++) {
      const fx = (j < size / 2 ? j : j - size) / size;
      const p = f.re.data[i * size + j] ** 2 + f.im.data[i * size + j] ** 2;
      if (Math.hypot(fx, fy) > cutoff) outside += p;
      else inside += p;
    }
  }
  assert.ok(outside < 1e-24 * inside, `outside ${outside}`);
  assert.deepEqual(Array.from(bandlimitedNoise(size, { cutoff, seed: 7 }).data), Array.from(x.data));
  assert.notDeepEqual(Array.from(bandlimitedNoise(size, { cutoff, seed: 8 }).data), Array.from(x.data));
});

test('errors name the argument, the value and the allowed range', () => {
  const img = ndarray(new Float64Array(64), [8, 8]);
  const rank1 = ndarray(new Float64Array(8), [8]);
  const rank5 = ndarray(new Float64Array(2), [1, 1, 1, 1, 2]);
  // Wrong rank.
  assert.throws(
    () => fft2(rank1),
    (e: Error) => e instanceof RangeError && /re must have rank/.test(e.message),
  );
  assert.throws(() => translateInteger(rank5, 0, 0), /x must have rank/);
  assert.throws(() => translateFractional(rank1, 0.1, 0), /x must have rank/);
  assert.throws(() => rotateFractional(rank1, 0.1), /x must have rank/);
  assert.throws(() => rotatePseudo(rank5, 0.1), /x must have rank/);
  // Mismatched shapes and bad masks in psnr.
  assert.throws(
    () => psnr(img, ndarray(new Float64Array(63), [7, 9])),
    (e: Error) => e instanceof RangeError && /b must have the shape of a/.test(e.message),
  );
  assert.throws(() => psnr(img, img, { mask: ndarray(new Float64Array(3), [3]) }), /mask must broadcast/);
  assert.throws(
    () => psnr(img, img, { mask: ndarray(new Float64Array(64), [8, 8]) }),
    /mask must select at least one/,
  );
  assert.throws(() => psnr(img, img, { peak: 0 }), /peak must be > 0, got 0/);
  assert.throws(() => psnrFromMse(-1), /mse must be/);
  // NaN angles and shifts.
  assert.throws(
    () => rotateFractional(img, Number.NaN),
    (e: Error) => e instanceof TypeError && /angle must be a finite number, got NaN/.test(e.message),
  );
  assert.throws(() => rotatePseudo(img, Number.NaN), /angle/);
  assert.throws(() => translateFractional(img, Number.NaN, 0), /tx must be a finite number/);
  assert.throws(() => translateInteger(img, 0, Infinity), /ty must be a finite number/);
  // Integer translation in pixels rejects non-integer shifts.
  assert.throws(
    () => translateIntegerPixels(img, 1.5, 0),
    (e: Error) => e instanceof TypeError && /dx must be an integer, got 1.5/.test(e.message),
  );
  assert.throws(() => translateIntegerPixels(img, 0, 0.25), /dy must be an integer/);
  // Filter parameters and matrices.
  assert.throws(() => affineBandlimitFilter([1, 0, 0, 0, 1, 0, 0, 0]), /mat must be a 3×3 matrix/);
  assert.throws(() => affineBandlimitFilter([1, 0, 0, 0, Number.NaN, 0, 0, 0, 1]), /mat\[1\]\[1\]/);
  assert.throws(() => affineBandlimitFilter([1, 0, 0, 0, 1, 0, 0, 0, 1], { amax: 70 }), /a <= amax < aflt/);
  assert.throws(
    () => affineBandlimitFilter([1, 0, 0, 0, 1, 0, 0, 0, 1], { up: 0 }),
    /up must be an integer >= 1/,
  );
  assert.throws(
    () => applyAffineTransformation(img, [0, 0, 0, 0, 0, 0, 0, 0, 1], { amax: 6 }),
    /mat must be invertible/,
  );
  // Test images.
  assert.throws(() => zonePlate(0), /size must be an integer >= 1/);
  assert.throws(() => siemensStar(16, { spokes: 2.5 }), /spokes must be an integer/);
  assert.throws(() => checkerboard(16, { period: 1 }), /period must be >= 2/);
  assert.throws(() => bandlimitedNoise(16, { cutoff: 0.7 }), /cutoff must lie in \(0, 0.5\]/);
});
