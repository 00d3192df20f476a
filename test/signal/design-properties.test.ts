// Property tests of the filter-design core: unit DC gain and symmetry of every designed low-pass,
// Kaiser window shape, jinc normalisation, and reconstruction of band-limited signals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  besselI0,
  besselJ1,
  designLowpassFilter,
  firwin,
  freqz,
  interpolateIdeal,
  interpolateWindowedSinc,
  jinc,
  kaiserAtten,
  kaiserBeta,
  kaiserWindow,
  sampleDiracComb,
  sinc,
  type WindowSpec,
} from '../../src/signal/index.js';

const RUNS = { numRuns: 200 };

function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** A random valid low-pass design: rate fs, cutoff strictly inside (0, fs/2), positive width. */
const lowpassArb = fc.record({
  numtaps: fc.integer({ min: 2, max: 48 }),
  fs: fc.double({ min: 0.5, max: 4096, noNaN: true }),
  cutoffFrac: fc.double({ min: 0.01, max: 0.49, noNaN: true }),
  widthFrac: fc.double({ min: 0.005, max: 1, noNaN: true }),
});

test('firwin low-pass: unit DC gain and symmetric taps for random arguments and windows', () => {
  const windows: WindowSpec[] = ['hamming', 'hann', 'blackman', 'boxcar', 'rectangular', ['kaiser', 5]];
  fc.assert(
    fc.property(
      // From 3 taps: a length-2 Hann window is [0, 0] (see design-errors).
      fc.integer({ min: 3, max: 80 }),
      fc.double({ min: 0.02, max: 0.98, noNaN: true }),
      fc.constantFrom(...windows),
      fc.double({ min: 0.1, max: 1000, noNaN: true }),
      (numtaps, cutoffFrac, window, fs) => {
        const h = firwin(numtaps, (cutoffFrac * fs) / 2, { window, fs });
        assert.equal(h.length, numtaps);
        assert.ok(Math.abs(sum(h) - 1) < 1e-12, `DC gain ${sum(h)}`);
        const m = maxAbs(h);
        for (let k = 0; k < numtaps; k++) assert.ok(Math.abs(h[k] - h[numtaps - 1 - k]) <= 1e-14 * m);
      },
    ),
    RUNS,
  );
});

test('designLowpassFilter separable: equals firwin with a Kaiser width, unit DC gain, symmetric', () => {
  fc.assert(
    fc.property(lowpassArb, ({ numtaps, fs, cutoffFrac, widthFrac }) => {
      const cutoff = cutoffFrac * fs;
      const width = widthFrac * fs;
      const h = designLowpassFilter({ numtaps, cutoff, width, fs });
      assert.ok(h instanceof Float64Array);
      assert.deepEqual(h, firwin(numtaps, cutoff, { width, fs }));
      assert.ok(Math.abs(sum(h) - 1) < 1e-12, `DC gain ${sum(h)}`);
      // Kaiser windows and the sinc are exactly symmetric in floating point.
      for (let k = 0; k < numtaps; k++) assert.equal(h[k], h[numtaps - 1 - k]);
      // freqz agrees: H(0) = Σh = 1, real.
      const r = freqz(h, 8);
      assert.ok(Math.abs(r.re[0] - 1) < 1e-12 && r.im[0] === 0);
    }),
    RUNS,
  );
});

test('designLowpassFilter radial: [n,n], unit sum, 8-fold symmetric, peak at the centre', () => {
  fc.assert(
    fc.property(lowpassArb, ({ numtaps, fs, cutoffFrac, widthFrac }) => {
      const n = numtaps;
      const f = designLowpassFilter({
        numtaps: n,
        cutoff: cutoffFrac * fs,
        width: widthFrac * fs,
        fs,
        radial: true,
      });
      assert.ok(f !== null);
      assert.deepEqual(f.shape, [n, n]);
      const d = f.data;
      assert.ok(Math.abs(sum(d) - 1) < 1e-12, `sum ${sum(d)}`);
      const m = maxAbs(d);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const v = d[i * n + j];
          assert.ok(Math.abs(v - d[j * n + i]) <= 1e-14 * m, 'transpose');
          assert.ok(Math.abs(v - d[(n - 1 - i) * n + j]) <= 1e-14 * m, 'flip y');
          assert.ok(Math.abs(v - d[i * n + (n - 1 - j)]) <= 1e-14 * m, 'flip x');
        }
      }
      const c0 = Math.floor((n - 1) / 2);
      assert.ok(Math.abs(d[c0 * n + c0] - m) <= 1e-14 * m, 'maximum at the centre');
    }),
    { numRuns: 100 },
  );
});

test('designLowpassFilter: numtaps 1 is no filter; odd radial sizes use the r = 0 limit', () => {
  assert.equal(designLowpassFilter({ numtaps: 1, cutoff: 8, width: 3.7, fs: 16 }), null);
  assert.equal(designLowpassFilter({ numtaps: 1, cutoff: 8, width: 3.7, fs: 16, radial: true }), null);
  const f = designLowpassFilter({ numtaps: 7, cutoff: 3, width: 4, fs: 16, radial: true });
  assert.ok(f !== null);
  for (const v of f.data) assert.ok(Number.isFinite(v));
  // The centre value is the continuous limit of its neighbours: evaluate J1(2πf_c r)/(πr) at tiny r.
  const r = 1e-7;
  assert.ok(Math.abs(besselJ1(2 * Math.PI * 3 * r) / (Math.PI * r) - 3) < 1e-10);
});

test('kaiserWindow: symmetric, endpoints 1/I0(beta), peak 1 at the centre, values in (0, 1]', () => {
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 300 }), fc.double({ min: 0, max: 40, noNaN: true }), (M, beta) => {
      const w = kaiserWindow(M, beta);
      assert.equal(w.length, M);
      const edge = 1 / besselI0(beta);
      assert.ok(Math.abs(w[0] - edge) <= 1e-14 * edge);
      assert.ok(Math.abs(w[M - 1] - edge) <= 1e-14 * edge);
      for (let k = 0; k < M; k++) {
        assert.equal(w[k], w[M - 1 - k]);
        assert.ok(w[k] > 0 && w[k] <= 1 + 1e-15);
      }
      if (M % 2 === 1) assert.ok(Math.abs(w[(M - 1) / 2] - 1) < 1e-15);
    }),
    RUNS,
  );
  assert.deepEqual(Array.from(kaiserWindow(1, 8)), [1]);
  assert.equal(kaiserWindow(0, 8).length, 0);
  // beta = 0 is the rectangular window.
  assert.deepEqual(Array.from(kaiserWindow(5, 0)), [1, 1, 1, 1, 1]);
  // Extreme beta, where I0(beta) itself overflows: still finite, peak 1, rising towards the centre, and
  // continuous with the unscaled evaluation just below the switch.
  const big = kaiserWindow(9, 800);
  assert.ok(big.every((v) => Number.isFinite(v) && v >= 0));
  assert.equal(big[4], 1);
  for (let k = 1; k <= 4; k++) assert.ok(big[k] > big[k - 1]);
  const below = kaiserWindow(9, 700);
  const above = kaiserWindow(9, 700.0000001);
  for (let k = 0; k < 9; k++) assert.ok(Math.abs(below[k] - above[k]) <= 1e-6 * below[k] + 1e-300);
});

test('kaiserBeta/kaiserAtten follow Eqs. 7-8: piecewise branches and continuity at 50 dB', () => {
  assert.equal(kaiserBeta(20), 0);
  assert.ok(Math.abs(kaiserBeta(50) - (0.5842 * 29 ** 0.4 + 0.07886 * 29)) < 1e-14);
  assert.ok(Math.abs(kaiserBeta(60) - 0.1102 * (60 - 8.7)) < 1e-14);
  // The two branches nearly meet at 50 dB (Kaiser's fit, ~0.01 apart).
  assert.ok(Math.abs(kaiserBeta(50) - kaiserBeta(50 + 1e-9)) < 0.02);
  assert.equal(kaiserAtten(1, 0.3), 7.95);
  assert.ok(Math.abs(kaiserAtten(12, 0.75) - (2.285 * 11 * Math.PI * 0.75 + 7.95)) < 1e-12);
});

test('sinc and jinc: normalisation, zeros, relation to J1', () => {
  assert.equal(sinc(0), 1);
  assert.equal(jinc(0), 1);
  for (let k = 1; k < 20; k++) assert.ok(Math.abs(sinc(k)) < 1e-15 * k + 1e-16);
  assert.ok(Math.abs(sinc(0.5) - 2 / Math.PI) < 1e-16);
  // First zero of jinc: the first zero of J1 (3.8317059702075125) over π, located by bisection.
  let lo = 1.1;
  let hi = 1.3;
  assert.ok(jinc(lo) > 0 && jinc(hi) < 0);
  for (let i = 0; i < 60; i++) {
    const mid = 0.5 * (lo + hi);
    if (jinc(mid) > 0) lo = mid;
    else hi = mid;
  }
  assert.ok(Math.abs(lo - 3.8317059702075125 / Math.PI) < 1e-12, `first zero at ${lo}`);
  assert.ok(Math.abs(lo - 1.2197) < 1e-4);
  fc.assert(
    // Away from subnormals, where the reference expression itself loses its last bits.
    fc.property(
      fc.double({ min: -40, max: 40, noNaN: true }).filter((v) => Math.abs(v) > 1e-200),
      (x) => {
        const expected = (2 * besselJ1(Math.PI * x)) / (Math.PI * x);
        assert.ok(Math.abs(jinc(x) - expected) <= 1e-15);
        assert.equal(jinc(-x), jinc(x));
        // Small arguments: jinc(x) ≈ 1 − (πx)²/8.
        const t = Math.PI * x * 1e-4;
        assert.ok(Math.abs(jinc(x * 1e-4) - (1 - t ** 2 / 8 + t ** 4 / 192)) < 1e-15);
      },
    ),
    RUNS,
  );
  // Array forms map element-wise.
  assert.deepEqual(Array.from(jinc([0, 1.5])), [1, jinc(1.5)]);
  assert.deepEqual(Array.from(sinc([0, 0.25])), [1, sinc(0.25)]);
});

test('interpolateIdeal reconstructs finite sinc sums exactly (any point, any grid)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 1, maxLength: 40 }),
      fc.double({ min: 0.25, max: 64, noNaN: true }),
      fc.double({ min: -10, max: 10, noNaN: true }),
      fc.array(fc.double({ min: -1, max: 2, noNaN: true }), { minLength: 1, maxLength: 20 }),
      (coeffs, rate, start, where) => {
        // z(x) = Σ c_k sinc(rate(x − x_k)) is band-limited to rate/2 and its samples are exactly c_k.
        const z = (x: number) => {
          let s = 0;
          for (let k = 0; k < coeffs.length; k++) s += coeffs[k] * sinc(rate * (x - (start + k / rate)));
          return s;
        };
        const samples = sampleDiracComb(z, { rate, start, count: coeffs.length });
        const xs = where.map((t) => start + (t * coeffs.length) / rate);
        const y = interpolateIdeal(samples, { rate, start }, xs);
        const scale = Math.max(1, maxAbs(coeffs));
        for (let i = 0; i < xs.length; i++) {
          assert.ok(
            Math.abs(y[i] - z(xs[i])) <= 1e-9 * scale * coeffs.length,
            `at ${xs[i]}: ${y[i]} vs ${z(xs[i])}`,
          );
        }
      },
    ),
    RUNS,
  );
});

/** A random band-limited test signal: Σ a·sinc²(b(x − c))·cos(2πf x + φ), band edge f + b ≤ fmax. */
const bandlimitedArb = fc.array(
  fc.record({
    a: fc.double({ min: 0.2, max: 1, noNaN: true }),
    b: fc.double({ min: 0.05, max: 0.15, noNaN: true }),
    c: fc.double({ min: -2, max: 2, noNaN: true }),
    f: fc.double({ min: 0, max: 0.2, noNaN: true }),
    phi: fc.double({ min: 0, max: 6.28, noNaN: true }),
  }),
  { minLength: 1, maxLength: 4 },
);

function bandlimited(terms: { a: number; b: number; c: number; f: number; phi: number }[]) {
  return (x: number) => {
    let s = 0;
    for (const t of terms) {
      const v = sinc(t.b * (x - t.c));
      s += t.a * v * v * Math.cos(2 * Math.PI * t.f * x + t.phi);
    }
    return s;
  };
}

test('interpolateIdeal: the error on a band-limited signal falls as the sample window grows', () => {
  const xs = Array.from({ length: 41 }, (_, i) => -2 + i * 0.1 + 0.013);
  fc.assert(
    fc.property(bandlimitedArb, (terms) => {
      const z = bandlimited(terms); // band edge ≤ 0.35 < rate/2 = 0.5
      // The truncation error is the neglected tail, which oscillates with the window size (it nearly
      // vanishes for isolated sizes). So each entry is the worst error over 8 neighbouring sizes, and the
      // sizes grow 16-fold, far more than those oscillations can offset (the envelope falls ≳ 1/count²).
      const errors = [16, 256, 4096].map((base) => {
        let worst = 0;
        for (let extra = 0; extra < 24; extra += 3) {
          const count = base + extra;
          const start = -count / 2 + 0.5; // centred pixel-centre grid at rate 1
          const y = interpolateIdeal(sampleDiracComb(z, { rate: 1, start, count }), { rate: 1, start }, xs);
          for (let i = 0; i < xs.length; i++) worst = Math.max(worst, Math.abs(y[i] - z(xs[i])));
        }
        return worst;
      });
      for (let i = 1; i < errors.length; i++) assert.ok(errors[i] < errors[i - 1], `errors ${errors}`);
      const amplitude = terms.reduce((acc, t) => acc + t.a, 0);
      assert.ok(errors[errors.length - 1] < 1e-8 * amplitude, `errors ${errors}`);
    }),
    { numRuns: 30 },
  );
});

test('interpolateWindowedSinc: exact at the samples, error falls as the window widens', () => {
  const rate = 1;
  const start = -300.5;
  const xs = Array.from({ length: 41 }, (_, i) => -2 + i * 0.1 + 0.013);
  fc.assert(
    fc.property(bandlimitedArb, (terms) => {
      const z = bandlimited(terms);
      const samples = sampleDiracComb(z, { rate, start, count: 602 });
      // At the sample positions the kernel is 1 at 0 and 0 at the other integers.
      const atSamples = [-3, -1, 0, 2, 5].map((k) => start + (301 + k) / rate);
      const y0 = interpolateWindowedSinc(samples, { rate, start, taps: 8, beta: 6 }, atSamples);
      atSamples.forEach((x, i) =>
        assert.ok(Math.abs(y0[i] - samples[Math.round((x - start) * rate)]) < 1e-15),
      );
      // Kaiser design for the kernel: pass band up to 0.35, images from 0.65, i.e. a transition
      // of 0.3 cycles/sample = 0.6 of Nyquist.
      const errors = [6, 12, 24, 48].map((taps) => {
        const beta = kaiserBeta(kaiserAtten(taps, 0.6));
        const y = interpolateWindowedSinc(samples, { rate, start, taps, beta }, xs);
        return Math.max(...xs.map((x, i) => Math.abs(y[i] - z(x))));
      });
      for (let i = 1; i < errors.length; i++) assert.ok(errors[i] < errors[i - 1], `errors ${errors}`);
      assert.ok(errors[errors.length - 1] < 1e-5, `errors ${errors}`);
    }),
    { numRuns: 30 },
  );
});

test('freqz: regular grid, fs units, explicit frequencies and magnitudeDb agree', () => {
  const h = firwin(24, 4, { width: 8, fs: 64 });
  const a = freqz(h);
  assert.equal(a.w.length, 512);
  assert.equal(a.w[0], 0);
  assert.ok(Math.abs(a.w[1] - Math.PI / 512) < 1e-16);
  const b = freqz(h, { worN: 512, fs: 64 });
  for (let i = 0; i < 512; i++) {
    assert.ok(Math.abs(b.w[i] - (a.w[i] * 64) / (2 * Math.PI)) < 1e-12);
    assert.equal(b.re[i], a.re[i]);
  }
  // Explicit frequencies (cycles per unit with fs) evaluate the same response.
  const c = freqz(h, { worN: Array.from(b.w.subarray(0, 64)), fs: 64 });
  for (let i = 0; i < 64; i++) {
    assert.ok(Math.abs(c.re[i] - a.re[i]) < 1e-14 && Math.abs(c.im[i] - a.im[i]) < 1e-14);
  }
  const whole = freqz(h, { worN: 16, whole: true });
  assert.ok(Math.abs(whole.w[15] - (15 * 2 * Math.PI) / 16) < 1e-15);
  const nyq = freqz(h, { worN: 9, includeNyquist: true });
  assert.equal(nyq.w[8], Math.PI);
  // An even-length low-pass has an exact zero at Nyquist.
  assert.ok(nyq.abs[8] < 1e-15);
  const db = a.magnitudeDb();
  assert.ok(Math.abs(db[0]) < 1e-12);
  assert.ok(db.every((v) => Number.isFinite(v) && v <= 1e-9));
});
