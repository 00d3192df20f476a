// FFTs: agreement with a literal DFT (powers of two through fft.js, other sizes through Bluestein),
// inverse round trips, Parseval, NumPy's fftshift/ifftshift/fftfreq semantics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ndarray from 'ndarray';
import fc from 'fast-check';
import {
  fft1d,
  ifft1d,
  fft2,
  ifft2,
  fftshift,
  ifftshift,
  fftfreq,
  fftInterleaved,
} from '../../src/signal/fft.js';

/** Deterministic pseudo-random numbers in [−½, ½). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}

function randomArray(n: number, seed: number): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: n }, r);
}

/** Literal O(N²) DFT, the definition X[k] = Σ x[n]·exp(−2πi·kn/N). */
function naiveDft(re: ArrayLike<number>, im: ArrayLike<number>, sign = -1) {
  const n = re.length;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let j = 0; j < n; j++) {
      const ph = (sign * 2 * Math.PI * ((j * k) % n)) / n;
      const c = Math.cos(ph);
      const s = Math.sin(ph);
      sr += re[j] * c - im[j] * s;
      si += re[j] * s + im[j] * c;
    }
    outRe[k] = sr;
    outIm[k] = si;
  }
  return { re: outRe, im: outIm };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('fft1d matches the literal DFT for powers of two and other lengths', () => {
  for (const n of [1, 2, 3, 4, 5, 7, 8, 12, 17, 31, 64, 100, 127, 128, 255, 511]) {
    const re = randomArray(n, n);
    const im = randomArray(n, n + 1000);
    const got = fft1d(re, im);
    const want = naiveDft(re, im);
    const tol = 1e-13 * n;
    assert.ok(maxDiff(got.re, want.re) <= tol, `re n=${n}: ${maxDiff(got.re, want.re)}`);
    assert.ok(maxDiff(got.im, want.im) <= tol, `im n=${n}: ${maxDiff(got.im, want.im)}`);
    // Inverse: numpy.fft.ifft = conj-sign DFT / n, and ifft(fft(x)) = x.
    const back = ifft1d(got.re, got.im);
    assert.ok(maxDiff(back.re, re) <= 1e-14 * n + 1e-15, `roundtrip n=${n}`);
    assert.ok(maxDiff(back.im, im) <= 1e-14 * n + 1e-15, `roundtrip im n=${n}`);
  }
});

test('fftInterleaved leaves the rest of a longer buffer untouched (forward and inverse)', () => {
  for (const n of [8, 6]) {
    const buf = Float64Array.from(randomArray(2 * n + 4, 9));
    const tail = Array.from(buf.subarray(2 * n));
    const head = Array.from(buf.subarray(0, 2 * n));
    fftInterleaved(buf, n);
    fftInterleaved(buf, n, true);
    assert.deepEqual(Array.from(buf.subarray(2 * n)), tail);
    assert.ok(maxDiff(buf.subarray(0, 2 * n), head) < 1e-15);
  }
});

test('fftInterleaved transforms in place and accepts any length', () => {
  const n = 9;
  const re = randomArray(n, 3);
  const buf = new Float64Array(2 * n);
  for (let k = 0; k < n; k++) buf[2 * k] = re[k];
  fftInterleaved(buf, n);
  const want = naiveDft(re, new Float64Array(n));
  for (let k = 0; k < n; k++) {
    assert.ok(Math.abs(buf[2 * k] - want.re[k]) < 1e-13);
    assert.ok(Math.abs(buf[2 * k + 1] - want.im[k]) < 1e-13);
  }
});

/** Literal 2-D DFT of one plane (rows then columns of the definition). */
function naiveDft2(re: Float64Array, im: Float64Array, h: number, w: number) {
  const outRe = new Float64Array(h * w);
  const outIm = new Float64Array(h * w);
  for (let ky = 0; ky < h; ky++) {
    for (let kx = 0; kx < w; kx++) {
      let sr = 0;
      let si = 0;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const ph = -2 * Math.PI * (((ky * y) % h) / h + ((kx * x) % w) / w);
          const c = Math.cos(ph);
          const s = Math.sin(ph);
          const i = y * w + x;
          sr += re[i] * c - im[i] * s;
          si += re[i] * s + im[i] * c;
        }
      }
      outRe[ky * w + kx] = sr;
      outIm[ky * w + kx] = si;
    }
  }
  return { re: outRe, im: outIm };
}

test('fft2 matches the literal 2-D DFT over the last two axes (rank 2, 3, 4)', () => {
  for (const shape of [
    [5, 6],
    [8, 4],
    [2, 3, 7],
    [2, 1, 4, 9],
    [1, 2, 16, 16],
  ]) {
    const size = shape.reduce((a, b) => a * b, 1);
    const re = randomArray(size, size);
    const im = randomArray(size, size + 7);
    const got = fft2(ndarray(re, shape), ndarray(im, shape));
    assert.deepEqual(got.re.shape, shape);
    assert.deepEqual(got.im.shape, shape);
    const [h, w] = shape.slice(-2);
    for (let p = 0; p < size / (h * w); p++) {
      const sl = (a: Float64Array) => a.subarray(p * h * w, (p + 1) * h * w);
      const want = naiveDft2(sl(re), sl(im), h, w);
      assert.ok(maxDiff(sl(got.re.data), want.re) < 1e-12, `re ${shape}`);
      assert.ok(maxDiff(sl(got.im.data), want.im) < 1e-12, `im ${shape}`);
    }
  }
});

test('fft2 accepts float32 input and defaults the imaginary part to zero', () => {
  const re = Float32Array.from(randomArray(36, 11));
  const got = fft2(ndarray(re, [6, 6]));
  const want = naiveDft2(Float64Array.from(re), new Float64Array(36), 6, 6);
  assert.ok(got.re.data instanceof Float64Array);
  assert.ok(maxDiff(got.re.data, want.re) < 1e-12);
  assert.ok(maxDiff(got.im.data, want.im) < 1e-12);
});

test('ifft2 inverts fft2 and Parseval holds (256², 64×48, 3×17×19)', () => {
  for (const shape of [
    [256, 256],
    [64, 48],
    [3, 17, 19],
  ]) {
    const size = shape.reduce((a, b) => a * b, 1);
    const x = randomArray(size, 5);
    const f = fft2(ndarray(x, shape));
    const back = ifft2(f.re, f.im);
    assert.ok(maxDiff(back.re.data, x) < 1e-14, `roundtrip ${shape}`);
    assert.ok(maxDiff(back.im.data, new Float64Array(size)) < 1e-14);
    const [h, w] = shape.slice(-2);
    let e = 0;
    let ef = 0;
    for (let i = 0; i < size; i++) {
      e += x[i] * x[i];
      ef += f.re.data[i] ** 2 + f.im.data[i] ** 2;
    }
    assert.ok(Math.abs(ef / (h * w) - e) <= 1e-12 * e, `Parseval ${shape}`);
  }
});

test('property: fft2 is linear and ifft2∘fft2 = id for random sizes', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 24 }),
      fc.integer({ min: 1, max: 24 }),
      fc.integer(),
      (h, w, seed) => {
        const a = randomArray(h * w, seed);
        const b = randomArray(h * w, seed + 1);
        const sum = a.map((v, i) => 2 * v - 3 * b[i]);
        const fa = fft2(ndarray(a, [h, w]));
        const fb = fft2(ndarray(b, [h, w]));
        const fs = fft2(ndarray(sum, [h, w]));
        for (let i = 0; i < h * w; i++) {
          assert.ok(Math.abs(fs.re.data[i] - (2 * fa.re.data[i] - 3 * fb.re.data[i])) < 1e-11);
          assert.ok(Math.abs(fs.im.data[i] - (2 * fa.im.data[i] - 3 * fb.im.data[i])) < 1e-11);
        }
        const back = ifft2(fa.re, fa.im);
        assert.ok(maxDiff(back.re.data, a) < 1e-13);
      },
    ),
    { numRuns: 40 },
  );
});

test('fftshift/ifftshift follow numpy.fft over the last two axes (odd and even sizes)', () => {
  // numpy: fftshift([0,1,2,3,4]) = [3,4,0,1,2]; fftshift([0,1,2,3]) = [2,3,0,1]; ifftshift([0..4]) = [2,3,4,0,1].
  const row = (n: number) =>
    ndarray(
      Float64Array.from({ length: n }, (_, i) => i),
      [1, n],
    );
  assert.deepEqual(Array.from(fftshift(row(5)).data), [3, 4, 0, 1, 2]);
  assert.deepEqual(Array.from(fftshift(row(4)).data), [2, 3, 0, 1]);
  assert.deepEqual(Array.from(ifftshift(row(5)).data), [2, 3, 4, 0, 1]);
  assert.deepEqual(Array.from(ifftshift(row(4)).data), [2, 3, 0, 1]);
  const col = ndarray(Float64Array.from([0, 1, 2, 3, 4]), [5, 1]);
  assert.deepEqual(Array.from(fftshift(col).data), [3, 4, 0, 1, 2]);
  // 2-D: DC moves to [⌊H/2⌋, ⌊W/2⌋]; ifftshift undoes it; rank 4 and float32 are kept.
  for (const [h, w] of [
    [5, 6],
    [4, 7],
  ]) {
    const x = new Float32Array(2 * 3 * h * w).map((_, i) => i);
    const a = ndarray(x, [2, 3, h, w]);
    const s = fftshift(a);
    assert.ok(s.data instanceof Float32Array);
    assert.deepEqual(s.shape, [2, 3, h, w]);
    for (let p = 0; p < 6; p++) {
      assert.equal(s.data[p * h * w + Math.floor(h / 2) * w + Math.floor(w / 2)], x[p * h * w]);
    }
    assert.deepEqual(Array.from(ifftshift(s).data), Array.from(x));
  }
});

test('fftfreq follows numpy.fft.fftfreq', () => {
  assert.deepEqual(Array.from(fftfreq(4)), [0, 0.25, -0.5, -0.25]);
  assert.deepEqual(Array.from(fftfreq(5, 0.5)), [0, 0.4, 0.8, -0.8, -0.4]);
});

test('fft errors name the argument', () => {
  assert.throws(
    () => fft2(ndarray(new Float64Array(4), [4])),
    (e: Error) => e instanceof RangeError && /re/.test(e.message) && /rank/.test(e.message),
  );
  assert.throws(() => fft2(ndarray(new Float64Array(32), [1, 2, 2, 2, 4])), /re must have rank/);
  assert.throws(
    () => fft2(ndarray(new Float64Array(4), [2, 2]), ndarray(new Float64Array(6), [2, 3])),
    /im must have the shape/,
  );
  assert.throws(() => fftshift(ndarray(new Float64Array(3), [3])), /x must have rank/);
  assert.throws(() => fft1d([1, 2], [1]), /im must have the length/);
  assert.throws(() => fftfreq(0), /n must be an integer >= 1/);
});
