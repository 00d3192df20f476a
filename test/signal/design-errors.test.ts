// Bad arguments of the filter-design core throw RangeError/TypeError naming the argument and the value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  besselI0,
  besselJ1,
  designLowpassFilter,
  firwin,
  freqz,
  getWindow,
  interpolateIdeal,
  interpolateWindowedSinc,
  jinc,
  kaiserAtten,
  kaiserBeta,
  kaiserOrd,
  kaiserWindow,
  magnitudeDb,
  sampleDiracComb,
  sinc,
  type LowpassDesign,
} from '../../src/signal/index.js';

/** Assert `fn` throws an error of class `type` whose message matches every pattern. */
function throwsWith(fn: () => unknown, type: typeof TypeError | typeof RangeError, ...patterns: RegExp[]) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof type, `expected ${type.name}, got ${String(err)}`);
    for (const p of patterns) assert.match((err as Error).message, p);
    return true;
  });
}

test('firwin: numtaps must be an integer >= 1', () => {
  throwsWith(() => firwin(NaN, 0.3), TypeError, /numtaps/, /NaN/);
  throwsWith(() => firwin(2.5, 0.3), TypeError, /numtaps/, /2\.5/);
  throwsWith(() => firwin(0, 0.3), RangeError, /numtaps/, /0/);
  throwsWith(() => firwin(-4, 0.3), RangeError, /numtaps/, /-4/);
});

test('firwin: cutoff must lie strictly inside (0, fs/2) and increase', () => {
  throwsWith(() => firwin(11, 1), RangeError, /cutoff/, /\(0, 1\)/, /got 1/);
  throwsWith(() => firwin(11, 8, { fs: 16 }), RangeError, /cutoff/, /\(0, 8\)/, /got 8/);
  throwsWith(() => firwin(11, 9, { fs: 16 }), RangeError, /cutoff/, /got 9/);
  throwsWith(() => firwin(11, 0), RangeError, /cutoff/, /got 0/);
  throwsWith(() => firwin(11, -0.2), RangeError, /cutoff/, /-0\.2/);
  throwsWith(() => firwin(11, NaN), TypeError, /cutoff/, /NaN/);
  throwsWith(() => firwin(11, [0.2, NaN]), TypeError, /cutoff/, /NaN/);
  throwsWith(() => firwin(11, []), RangeError, /cutoff/);
  throwsWith(() => firwin(11, [0.4, 0.2]), RangeError, /cutoff/, /increasing/, /0\.4/);
  throwsWith(() => firwin(11, [0.2, 0.2]), RangeError, /cutoff/, /increasing/);
});

test('firwin: width, fs, window and passZero are checked', () => {
  throwsWith(() => firwin(12, 2, { width: -1, fs: 32 }), RangeError, /width/, /-1/);
  throwsWith(() => firwin(12, 2, { width: 0, fs: 32 }), RangeError, /width/, /0/);
  throwsWith(() => firwin(12, 2, { width: NaN, fs: 32 }), TypeError, /width/, /NaN/);
  throwsWith(() => firwin(12, 2, { fs: 0 }), RangeError, /fs/, /0/);
  throwsWith(() => firwin(12, 2, { fs: -32 }), RangeError, /fs/, /-32/);
  throwsWith(() => firwin(12, 0.2, { window: 'hammming' }), RangeError, /window/, /hammming/);
  throwsWith(() => firwin(12, 0.2, { window: ['tukey', 0.5] }), RangeError, /window/, /tukey/);
  throwsWith(() => firwin(12, 0.2, { window: 42 as unknown as string }), TypeError, /window/, /42/);
  throwsWith(() => firwin(12, 0.2, { window: ['kaiser', NaN] }), TypeError, /beta/, /NaN/);
  throwsWith(
    () => firwin(12, 0.2, { window: ['kaiser'] as unknown as [string, number] }),
    TypeError,
    /kaiser/,
    /beta/,
  );
  throwsWith(() => firwin(12, 0.2, { passZero: 'notch' as 'lowpass' }), RangeError, /passZero/, /notch/);
  throwsWith(() => firwin(12, [0.2, 0.4], { passZero: 'lowpass' }), RangeError, /cutoff/, /lowpass/);
  throwsWith(() => firwin(13, 0.2, { passZero: 'bandpass' }), RangeError, /cutoff/, /bandpass/);
  // A high-pass passes Nyquist, which an even-length linear-phase filter cannot.
  throwsWith(() => firwin(12, 0.2, { passZero: false }), RangeError, /numtaps/, /odd/, /12/);
  // A length-2 Hann window is [0, 0]: nothing to normalise.
  throwsWith(() => firwin(2, 0.2, { window: 'hann' }), RangeError, /numtaps 2/, /hann/);
  // getWindow on its own.
  throwsWith(() => getWindow('hamming', 0), RangeError, /M/, /0/);
  throwsWith(() => getWindow('parzen', 8), RangeError, /window/, /parzen/);
});

test('firwin: band forms that are valid do work (and agree with the low-pass special case)', () => {
  const lp = firwin(13, 0.3, { passZero: 'lowpass' });
  assert.deepEqual(lp, firwin(13, 0.3));
  const hp = firwin(13, 0.3, { passZero: false });
  // High-pass is normalised at Nyquist: Σ h[n]·(−1)^n = 1.
  let s = 0;
  hp.forEach((v, n) => (s += n % 2 === 0 ? v : -v));
  assert.ok(Math.abs(s - 1) < 1e-12);
  const bp = firwin(31, [0.2, 0.5], { passZero: false, window: 'blackman' });
  assert.equal(bp.length, 31);
  assert.ok(bp.every((v) => Number.isFinite(v)));
});

test('designLowpassFilter: arguments are checked (except for numtaps 1, which is no filter)', () => {
  const ok: LowpassDesign = { numtaps: 12, cutoff: 2, width: 12, fs: 32 };
  throwsWith(() => designLowpassFilter({ ...ok, numtaps: NaN }), TypeError, /numtaps/, /NaN/);
  throwsWith(() => designLowpassFilter({ ...ok, numtaps: 6.5 }), TypeError, /numtaps/, /6\.5/);
  throwsWith(() => designLowpassFilter({ ...ok, numtaps: 0 }), RangeError, /numtaps/, /0/);
  throwsWith(() => designLowpassFilter({ ...ok, cutoff: 16 }), RangeError, /cutoff/, /\(0, 16\)/, /16/);
  throwsWith(() => designLowpassFilter({ ...ok, cutoff: 20, radial: true }), RangeError, /cutoff/, /20/);
  throwsWith(() => designLowpassFilter({ ...ok, cutoff: 0 }), RangeError, /cutoff/, /0/);
  throwsWith(() => designLowpassFilter({ ...ok, cutoff: -1 }), RangeError, /cutoff/, /-1/);
  throwsWith(() => designLowpassFilter({ ...ok, cutoff: NaN }), TypeError, /cutoff/, /NaN/);
  throwsWith(() => designLowpassFilter({ ...ok, width: -3 }), RangeError, /width/, /-3/);
  throwsWith(() => designLowpassFilter({ ...ok, width: NaN, radial: true }), TypeError, /width/, /NaN/);
  throwsWith(() => designLowpassFilter({ ...ok, fs: 0 }), RangeError, /fs/, /0/);
  throwsWith(() => designLowpassFilter({ ...ok, fs: Infinity }), TypeError, /fs/, /Infinity/);
  throwsWith(
    () => designLowpassFilter({ ...ok, radial: 'yes' as unknown as boolean }),
    TypeError,
    /radial/,
    /yes/,
  );
  throwsWith(() => designLowpassFilter(null as unknown as LowpassDesign), TypeError, /design/);
  // numtaps 1: the official ToRGB layer passes cutoff = fs/2; no filter, no error.
  assert.equal(designLowpassFilter({ numtaps: 1, cutoff: 8, width: 3.7, fs: 16 }), null);
});

test('Kaiser helpers: window length, beta, attenuation and ripple are checked', () => {
  throwsWith(() => kaiserWindow(-1, 5), RangeError, /M/, /-1/);
  throwsWith(() => kaiserWindow(3.5, 5), TypeError, /M/, /3\.5/);
  throwsWith(() => kaiserWindow(NaN, 5), TypeError, /M/, /NaN/);
  throwsWith(() => kaiserWindow(8, NaN), TypeError, /beta/, /NaN/);
  throwsWith(() => kaiserBeta(NaN), TypeError, /\ba\b/, /NaN/);
  throwsWith(() => kaiserAtten(0, 0.1), RangeError, /numtaps/, /0/);
  throwsWith(() => kaiserAtten(12, -0.1), RangeError, /width/, /-0\.1/);
  throwsWith(() => kaiserAtten(12, NaN), TypeError, /width/, /NaN/);
  throwsWith(() => kaiserOrd(5, 0.1), RangeError, /ripple/, /5/, /8/);
  throwsWith(() => kaiserOrd(NaN, 0.1), TypeError, /ripple/, /NaN/);
  throwsWith(() => kaiserOrd(60, 0), RangeError, /width/, /0/);
  // Negative ripple means the same attenuation (SciPy uses |ripple|).
  assert.deepEqual(kaiserOrd(-65, 0.1), kaiserOrd(65, 0.1));
});

test('special functions reject non-finite input', () => {
  throwsWith(() => sinc(NaN), TypeError, /\bx\b/, /NaN/);
  throwsWith(() => jinc(Infinity), TypeError, /\bx\b/, /Infinity/);
  throwsWith(() => besselI0(NaN), TypeError, /\bx\b/, /NaN/);
  throwsWith(() => besselJ1([1, NaN]), TypeError, /\bx\b/, /NaN/, /index 1/);
  throwsWith(() => sinc('abc' as unknown as number), TypeError, /\bx\b/);
});

test('sampling and interpolation: grid, counts, taps and data are checked', () => {
  const grid = { rate: 4, start: 0 };
  throwsWith(
    () => sampleDiracComb(42 as unknown as (x: number) => number, { ...grid, count: 3 }),
    TypeError,
    /fn/,
  );
  throwsWith(() => sampleDiracComb(Math.sin, { ...grid, count: -1 }), RangeError, /count/, /-1/);
  throwsWith(() => sampleDiracComb(Math.sin, { ...grid, count: 1.5 }), TypeError, /count/, /1\.5/);
  throwsWith(() => sampleDiracComb(Math.sin, { rate: 0, start: 0, count: 3 }), RangeError, /rate/, /0/);
  throwsWith(() => sampleDiracComb(Math.sin, { rate: 4, start: NaN, count: 3 }), TypeError, /start/, /NaN/);
  throwsWith(() => sampleDiracComb(Math.log, { rate: 4, start: -1, count: 3 }), TypeError, /fn/, /NaN/);
  throwsWith(() => interpolateIdeal([1, NaN], grid, [0]), TypeError, /samples/, /NaN/);
  throwsWith(() => interpolateIdeal([1, 2], { rate: -1, start: 0 }, [0]), RangeError, /rate/, /-1/);
  throwsWith(() => interpolateIdeal([1, 2], grid, [0, Infinity]), TypeError, /xs/, /Infinity/);
  throwsWith(
    () => interpolateWindowedSinc([1, 2], { ...grid, taps: 0, beta: 5 }, [0]),
    RangeError,
    /taps/,
    /0/,
  );
  throwsWith(() => interpolateWindowedSinc([1, 2], { ...grid, taps: 2.5, beta: 5 }, [0]), TypeError, /taps/);
  throwsWith(
    () => interpolateWindowedSinc([1, 2], { ...grid, taps: 8, beta: NaN }, [0]),
    TypeError,
    /beta/,
    /NaN/,
  );
});

test('freqz and magnitudeDb: coefficients, worN and fs are checked', () => {
  throwsWith(() => freqz([]), RangeError, /\bb\b/);
  throwsWith(() => freqz([1, NaN]), TypeError, /\bb\b/, /NaN/);
  throwsWith(() => freqz([1, 2], -4), RangeError, /worN/, /-4/);
  throwsWith(() => freqz([1, 2], 2.5), TypeError, /worN/, /2\.5/);
  throwsWith(() => freqz([1, 2], { worN: [0, NaN] }), TypeError, /worN/, /NaN/);
  throwsWith(() => freqz([1, 2], { fs: 0 }), RangeError, /fs/, /0/);
  throwsWith(() => freqz([1, 2], 'x' as unknown as number), TypeError, /worN/);
  throwsWith(() => magnitudeDb({ re: [1], im: [NaN] }), TypeError, /resp\.im/, /NaN/);
  // |H| = 0 is floored, never -Infinity.
  assert.deepEqual(Array.from(magnitudeDb({ re: [0, 1], im: [0, 0] })), [-300, 0]);
});
