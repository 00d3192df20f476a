/**
 * The course's exercises and their checkers. Each checker recomputes the expected answer with the
 * library (`aliasfree/signal`), so the checks stay right if a notebook's numbers change together with
 * the library. Ids are `NN-topic-k` where NN is the notebook.
 *
 * Hints teach, they never tell: a hint says what is wrong (units, which formula, too high or too
 * low, a typical mistake recognised) and points to the equation and section of the notebook; it never
 * contains the expected value, nor a neighbouring value from which it could be read off
 * (test/course/check.test.ts tries several wrong answers per exercise and looks for the solution's
 * number in every message). Equation numbers (1.3), (2.3), … are the ones the notebooks print.
 */
import {
  firwin,
  freqz,
  interpolateIdeal,
  jinc,
  kaiserAtten,
  kaiserBeta,
  mulberry32,
  sampleDiracComb,
  sinc,
  upfirdn,
  upfirdnLength,
} from '../signal/index.js';
import { psnrFromMse } from '../signal/psnr.js';
import { rotationMatrix } from '../signal/rotate.js';
import { configAt } from '../generator/config.js';
import { computeGeometry } from '../generator/stylegan3/geometry.js';

/** What a checker says about one answer. */
export interface Verdict {
  ok: boolean;
  /** Why the answer is wrong (shown with the exercise's general hint). */
  hint?: string;
  /** Extra remark for a right answer. */
  note?: string;
}

/** One exercise: what to do, a general hint, and the checker. */
export interface Exercise {
  /** The task in one sentence (shown while unanswered). */
  task: string;
  /** A general hint shown with every wrong answer. */
  hint: string;
  check(answer: unknown): Verdict;
}

// ---------------------------------------------------------------------------------------------
// Small checker helpers

function asNumber(answer: unknown): number | string {
  if (typeof answer !== 'number' || !Number.isFinite(answer)) {
    return `expected a finite number, got ${typeof answer === 'number' ? answer : typeof answer}`;
  }
  return answer;
}

/**
 * |answer − expected| ≤ tol·max(1, |expected|). A wrong answer is told whether it is too high or too
 * low, never by how much.
 */
function closeTo(answer: unknown, expected: number, tol: number, what: string): Verdict {
  const a = asNumber(answer);
  if (typeof a === 'string') return { ok: false, hint: a + '.' };
  if (Math.abs(a - expected) <= tol * Math.max(1, Math.abs(expected))) return { ok: true };
  return { ok: false, hint: `${a} is ${a > expected ? 'too high' : 'too low'} for ${what}.` };
}

/** True when `a` is a finite number within `tol` (relative, floor 1) of `b`. */
function near(a: unknown, b: number, tol = 1e-6): boolean {
  return typeof a === 'number' && Number.isFinite(a) && Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
}

function asFunction(answer: unknown): ((...args: number[]) => number) | string {
  return typeof answer === 'function'
    ? (answer as (...args: number[]) => number)
    : `expected a function, got ${typeof answer}`;
}

/**
 * Do two cosines give the same samples on the comb `k/fs`, k = 0…63? This is the definition of
 * "indistinguishable after sampling" that the aliasing exercises use.
 */
function sameSamples(f1: number, f2: number, fs: number): boolean {
  const grid = { rate: fs, start: 0, count: 64 };
  const a = sampleDiracComb((x) => Math.cos(2 * Math.PI * f1 * x), grid);
  const b = sampleDiracComb((x) => Math.cos(2 * Math.PI * f2 * x), grid);
  return a.every((v, i) => Math.abs(v - b[i]) < 1e-6);
}

// ---------------------------------------------------------------------------------------------
// Shared exercise data (the notebooks build the same arrays with the same library calls)

/** The test signal of exercise 02-ws-1: two cosines below Nyquist of rate 4. */
export function ex02Signal(x: number): number {
  return Math.cos(2 * Math.PI * 1.5 * x) + 0.5 * Math.sin(2 * Math.PI * 0.7 * x);
}
/** The grid of exercise 02-ws-1: 32 samples at rate 4 with pixel-centre offset 1/(2·4). */
export const EX02_GRID = { rate: 4, start: 0.125, count: 32 } as const;

/** The test signal of exercise 03-cd-1: three cosines below the Nyquist frequency 0.5 of rate 1. */
export function ex03Signal(x: number): number {
  return (
    Math.cos(2 * Math.PI * 0.07 * x) +
    0.8 * Math.cos(2 * Math.PI * 0.19 * x + 1) +
    0.5 * Math.cos(2 * Math.PI * 0.31 * x + 2)
  );
}
/** The grid of exercise 03-cd-1: 64 samples at rate 1, pixel centres x_k = k + ½. */
export const EX03_GRID = { rate: 1, start: 0.5, count: 64 } as const;

/**
 * The small 1-D "conv net" of notebook 03 §5 (boundaries): `depth` layers, each a `taps`-tap
 * convolution with zero padding that keeps the length ('same'), a bias and a leaky ReLU (slope 0.2).
 * Kernels and biases are drawn from `mulberry32(seed)`. Every layer is the same at every position —
 * except that near the ends it reads the zeros of the padding. Returns the output, as long as `x`.
 */
export function zeroPaddedConvNet(
  x: ArrayLike<number>,
  { depth = 5, taps = 3, seed = 1 }: { depth?: number; taps?: number; seed?: number } = {},
): Float64Array {
  if (!Number.isInteger(taps) || taps < 1 || taps % 2 === 0)
    throw new RangeError(`taps must be an odd positive integer, got ${taps}`);
  if (!Number.isInteger(depth) || depth < 0)
    throw new RangeError(`depth must be a non-negative integer, got ${depth}`);
  const rand = mulberry32(seed);
  let y = Float64Array.from(x);
  const half = (taps - 1) / 2;
  for (let l = 0; l < depth; l++) {
    const k = Float64Array.from({ length: taps }, () => 2 * rand() - 1);
    const bias = 0.5 * (2 * rand() - 1);
    // Full convolution (length n + taps − 1), then the centred n samples: zero padding by `half`.
    const full = upfirdn(k, y);
    y = full.slice(half, half + y.length).map((v) => {
      const a = v + bias;
      return a >= 0 ? a : 0.2 * a;
    });
  }
  return y;
}

/** Samples at each end of `y` that differ from its centre value by more than `tol`. */
export function borderWidth(y: ArrayLike<number>, tol = 1e-12): [number, number] {
  const c = y[Math.floor(y.length / 2)];
  let left = 0;
  while (left < y.length && Math.abs(y[left] - c) > tol) left++;
  let right = 0;
  while (right < y.length && Math.abs(y[y.length - 1 - right] - c) > tol) right++;
  return [left, right];
}

/** Rotate a 3×3 kernel (9 numbers, row-major) by 90° counter-clockwise. */
function rot90(k: number[]): number[] {
  const out = new Array<number>(9);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) out[(2 - j) * 3 + i] = k[i * 3 + j];
  return out;
}

/** One row of the flexible-layer schedule (notebook 07 §2): output rate, cutoff, f_t, half-width. */
export interface ScheduleRow {
  s: number;
  fc: number;
  ft: number;
  fh: number;
}

// ---------------------------------------------------------------------------------------------

/** All exercises of the course, by id. */
export const exercises: Record<string, Exercise> = {
  '00-setup-1': {
    task: 'compute the normalised sinc at x = 0.5 with the library.',
    hint: 'sinc(x) = sin(πx)/(πx) (Eq. 0.1); call sinc from aliasfree/signal rather than typing a decimal.',
    check(a) {
      if (near(a, Math.sin(0.5) / 0.5))
        return { ok: false, hint: 'that is sin(x)/x, the unnormalised sinc: the course uses sin(πx)/(πx).' };
      return closeTo(a, sinc(0.5), 1e-9, 'sinc(0.5)');
    },
  },

  '01-alias-1': {
    task: 'a 7 Hz cosine is sampled at fs = 10 Hz: at which frequency in [0, fs/2] does it appear?',
    hint: 'a cosine at f gives the same samples as one at |f − k·fs| for every integer k (notebook 01 §3, Eq. 1.4); pick the k that lands in [0, fs/2].',
    check(a) {
      const f = asNumber(a);
      if (typeof f === 'string') return { ok: false, hint: f + '.' };
      if (f < 0 || f > 5) return { ok: false, hint: `${f} Hz is outside [0, fs/2].` };
      if (!sameSamples(f, 7, 10))
        return { ok: false, hint: `a ${f} Hz cosine gives different samples than the 7 Hz one.` };
      return { ok: true, note: 'the samples of both cosines coincide.' };
    },
  },

  '01-alias-2': {
    task: 'write fold(f, fs) returning the apparent frequency in [0, fs/2] of a cosine at f sampled at fs.',
    hint: 'subtract the multiple of fs nearest to f (Math.round), then drop the sign: a cosine is even (notebook 01 §3, Eq. 1.4).',
    check(a) {
      const fold = asFunction(a);
      if (typeof fold === 'string') return { ok: false, hint: fold + '.' };
      const cases: [number, number][] = [
        [3, 10],
        [7, 10],
        [13, 10],
        [26, 10],
        [0.4, 1],
        [0.6, 1],
        [1.25, 1],
        [37.5, 16],
        [5, 10],
      ];
      for (const [f, fs] of cases) {
        const g = fold(f, fs);
        if (typeof g !== 'number' || !(g >= -1e-12 && g <= fs / 2 + 1e-12) || !sameSamples(g, f, fs)) {
          const where =
            typeof g !== 'number' || !Number.isFinite(g)
              ? `is not a finite number (${String(g)})`
              : !(g >= -1e-12 && g <= fs / 2 + 1e-12)
                ? 'lies outside [0, fs/2]'
                : 'gives other samples than the original cosine';
          return { ok: false, hint: `fold(${f}, ${fs}) ${where}.` };
        }
      }
      return { ok: true, note: `${cases.length} cases agree with sampling.` };
    },
  },

  '01-alias-3': {
    task: 'the smallest integer sampling rate (samples per unit) at which a 12 cycles/unit cosine keeps its frequency.',
    hint: 'Nyquist–Shannon asks for |f| < fs/2, strictly (notebook 01 §2, Eq. 1.3); on the pixel-centre grid, look at what the samples are when f sits exactly on fs/2.',
    check(a) {
      const fs = asNumber(a);
      if (typeof fs === 'string') return { ok: false, hint: fs + '.' };
      if (!Number.isInteger(fs) || fs < 1)
        return { ok: false, hint: `the exercise asks for a positive integer rate, got ${fs}.` };
      const keeps = (rate: number) => 12 < rate / 2 && Math.abs(foldFrequency(12, rate) - 12) < 1e-9;
      if (!keeps(fs)) {
        const samples = sampleDiracComb((x) => Math.cos(2 * Math.PI * 12 * x), {
          rate: fs,
          start: 0.5 / fs,
          count: 16,
        });
        if (samples.every((v) => Math.abs(v) < 1e-9))
          return {
            ok: false,
            hint: `at ${fs} samples/unit the cosine sits exactly on the Nyquist frequency: every pixel-centre sample cos(2π·12·(k + ½)/${fs}) is zero, so the samples cannot tell it from silence.`,
          };
        return {
          ok: false,
          hint: `too low: at ${fs} samples/unit the cosine folds to ${foldFrequency(12, fs)}.`,
        };
      }
      if (fs > 1 && keeps(fs - 1))
        return { ok: false, hint: `${fs} works, but it is not the smallest integer rate.` };
      return { ok: true, note: 'the Nyquist rate 2·f itself is the infimum, which no rate may reach.' };
    },
  },

  '02-ws-1': {
    task: 'reconstruct the sampled signal at x = 1.3 with your own Whittaker–Shannon sum.',
    hint: 'Eq. (2.1): z(x) = Σ_k Z[k]·sinc(rate·(x − x_k)), summed over all 32 samples, with x_k = start + k/rate (notebook 02 §1).',
    check(a) {
      const samples = sampleDiracComb(ex02Signal, EX02_GRID);
      const expected = interpolateIdeal(samples, EX02_GRID, [1.3])[0];
      if (!near(a, expected, 1e-9)) {
        if (near(a, ex02Signal(1.3), 1e-9))
          return {
            ok: false,
            hint: 'that is the true signal z(1.3); the exercise asks for the reconstruction from the 32 samples, which a finite sum does not match exactly.',
          };
        const shifted = interpolateIdeal(samples, { ...EX02_GRID, start: 0 }, [1.3])[0];
        if (near(a, shifted, 1e-9))
          return {
            ok: false,
            hint: 'the samples sit at pixel centres x_k = start + k/rate with start = EX02_GRID.start, not at k/rate.',
          };
      }
      return closeTo(a, expected, 1e-9, 'the Whittaker–Shannon sum at x = 1.3');
    },
  },

  '02-kaiser-1': {
    task: "Kaiser's attenuation estimate (dB) for 12 taps at fs = 4 with transition width 2·f_h = 0.8.",
    hint: 'Eq. (2.4) (paper Eq. 7): A = 2.285·(n − 1)·π·Δf + 7.95, where Δf is the transition width as a fraction of the Nyquist frequency fs/2; or kaiserAtten(n, Δf).',
    check(a) {
      if (near(a, kaiserAtten(12, 0.8)))
        return {
          ok: false,
          hint: 'Δf is the width divided by the Nyquist frequency fs/2, not the width itself.',
        };
      if (near(a, kaiserAtten(12, 0.8 / 4)))
        return { ok: false, hint: 'Δf is the width divided by fs/2, not by fs.' };
      return closeTo(a, kaiserAtten(12, 0.8 / 2), 1e-6, 'the estimate of Eq. (2.4)');
    },
  },

  '02-kaiser-2': {
    task: 'the smallest number of taps that reaches A ≥ 80 dB at fs = 4 with width 0.8.',
    hint: 'solve Eq. (2.4) for n and round up (a tap count is an integer), or call kaiserAtten(n, Δf) with Δf = width/(fs/2) for candidate n.',
    check(a) {
      const n = asNumber(a);
      if (typeof n === 'string') return { ok: false, hint: n + '.' };
      if (!Number.isInteger(n) || n < 1)
        return { ok: false, hint: `a tap count is a positive integer, got ${n}.` };
      if (kaiserAtten(n, 0.4) < 80)
        return { ok: false, hint: `too few: ${n} taps only reach ${kaiserAtten(n, 0.4).toFixed(1)} dB.` };
      if (n > 1 && kaiserAtten(n - 1, 0.4) >= 80)
        return { ok: false, hint: `${n} taps reach 80 dB, but it is not the smallest count that does.` };
      return { ok: true };
    },
  },

  '02-kaiser-3': {
    task: 'the Kaiser shape parameter β for a stopband attenuation of 80 dB.',
    hint: 'Eq. (2.5) (paper Eq. 8) has three branches; pick the one for A > 50 dB. kaiserBeta(A) computes it.',
    check(a) {
      if (near(a, 0.1102 * 80))
        return { ok: false, hint: 'the branch for A > 50 dB subtracts 8.7 from A before multiplying.' };
      if (near(a, 0.5842 * (80 - 21) ** 0.4 + 0.07886 * (80 - 21)))
        return { ok: false, hint: 'that is the branch for 21 ≤ A ≤ 50 dB; 80 dB is above it.' };
      return closeTo(a, kaiserBeta(80), 1e-6, 'β of Eq. (2.5)');
    },
  },

  '02-kaiser-4': {
    task: 'measure the worst stopband gain (dB) above f_c + f_h of firwin(12, 0.6, {width: 0.8, fs: 4}).',
    hint: 'freqz(h, {worN: 4096, fs: 4}) gives r.w (frequencies) and r.magnitudeDb(); keep the bins with w ≥ f_c + f_h and take the largest value (notebook 02 §3).',
    check(a) {
      const h = firwin(12, 0.6, { width: 0.8, fs: 4 });
      const r = freqz(h, { worN: 4096, fs: 4 });
      const db = r.magnitudeDb();
      let worst = -Infinity;
      r.w.forEach((f, i) => {
        if (f >= 1.0) worst = Math.max(worst, db[i]);
      });
      const v = asNumber(a);
      if (typeof v === 'number' && v > 0)
        return { ok: false, hint: 'a stop band attenuates: its gain in dB is negative.' };
      if (near(a, -kaiserAtten(12, 0.4), 1e-3) && !near(a, worst, 0.5 / Math.max(1, Math.abs(worst))))
        return {
          ok: false,
          hint: "that is Kaiser's estimate (Eq. 2.4); the exercise asks for the measured response.",
        };
      return closeTo(a, worst, 0.5 / Math.max(1, Math.abs(worst)), 'the worst measured stopband gain');
    },
  },

  '03-conv-1': {
    task: 'how many samples does upfirdn(h, x, 2) return for 12 taps and 20 input samples?',
    hint: 'upsampling n_x samples by `up` gives (n_x − 1)·up + 1 samples; the full convolution then adds n_h − 1 (notebook 03 §1–2, Eq. 3.1).',
    check(a) {
      const h = new Float64Array(12).fill(1 / 12);
      const x = new Float64Array(20).fill(1);
      const n = upfirdn(h, x, 2).length;
      if (n !== upfirdnLength(12, 20, 2, 1)) throw new Error('upfirdn and upfirdnLength disagree');
      if (near(a, 20 + 12 - 1, 0)) return { ok: false, hint: 'that is the length without upsampling.' };
      return closeTo(a, n, 0, 'the output length');
    },
  },

  '03-equiv-1': {
    task: 'shift x by one input sample before upsampling by 2: by how many output samples does upfirdn(h, x, 2) move?',
    hint: 'count how many samples of the upsampled grid one input sample spans (notebook 03 §2).',
    check(a) {
      const s = asNumber(a);
      if (typeof s === 'string') return { ok: false, hint: s + '.' };
      const h = firwin(12, 0.25, { width: 0.2, fs: 1 });
      const x = sampleDiracComb((t) => Math.cos(0.3 * t) + Math.sin(0.11 * t * t), {
        rate: 1,
        start: 0,
        count: 40,
      });
      const shifted = new Float64Array(41);
      shifted.set(x, 1);
      const y = upfirdn(h, x, 2);
      const ys = upfirdn(h, shifted, 2);
      if (!Number.isInteger(s) || s < 0 || s >= ys.length)
        return { ok: false, hint: `${s} is not a possible shift (a whole number of output samples).` };
      const ok = y.every((v, i) => Math.abs(ys[i + s] - v) < 1e-12);
      return ok
        ? { ok: true, note: 'upsampling commutes with shifts by whole input samples.' }
        : { ok: false, hint: `ys is not y moved by ${s}.` };
    },
  },

  '03-down-1': {
    task: 'keep every 2nd sample of a cosine at 0.4 cycles/sample: what frequency (cycles per new sample, in [0, 0.5]) remains?',
    hint: 'in cycles per *new* sample every frequency doubles; then fold it into [0, 0.5] with Eq. (1.4).',
    check(a) {
      const f = asNumber(a);
      if (typeof f === 'string') return { ok: false, hint: f + '.' };
      if (f < 0 || f > 0.5) return { ok: false, hint: `${f} is outside [0, 0.5].` };
      const x = sampleDiracComb((t) => Math.cos(2 * Math.PI * 0.4 * t), { rate: 1, start: 0, count: 128 });
      const kept = upfirdn([1], x, 1, 2);
      const y = sampleDiracComb((t) => Math.cos(2 * Math.PI * f * t), {
        rate: 1,
        start: 0,
        count: kept.length,
      });
      const ok = kept.every((v, i) => Math.abs(v - y[i]) < 1e-6);
      return ok ? { ok: true } : { ok: false, hint: `a cosine at ${f} does not match the kept samples.` };
    },
  },

  '03-down-2': {
    task: 'the largest low-pass cutoff (cycles per input sample) that makes downsampling by 2 alias-free.',
    hint: 'after downsampling by 2 the rate, and with it the Nyquist frequency, is halved; express the new Nyquist frequency in cycles per *input* sample.',
    check: (a) => closeTo(a, foldLimit(1, 2), 1e-9, 'the largest alias-free cutoff'),
  },

  '03-border-1': {
    task: 'for a constant input, how many samples at each end of the output of zeroPaddedConvNet (depth 5, 3 taps) differ from its centre value?',
    hint: 'each layer reads (taps − 1)/2 samples beyond every position, and the padding is zeros: count how far the zeros can reach after all layers (notebook 03 §5).',
    check(a) {
      const n = asNumber(a);
      if (typeof n === 'string') return { ok: false, hint: n + '.' };
      const [left, right] = borderWidth(zeroPaddedConvNet(new Float64Array(64).fill(1)));
      if (left !== right) throw new Error('the conv net is not symmetric in its reach');
      if (!Number.isInteger(n)) return { ok: false, hint: `a count of samples is an integer, got ${n}.` };
      if (n === 0)
        return {
          ok: false,
          hint: 'the input is constant, but the zeros of the padding are not: the ends differ.',
        };
      return closeTo(n, left, 0, 'the width of the border region');
    },
  },

  '03-cd-1': {
    task: 'the value of the ideally 2×-upsampled ex03Signal samples at the fine pixel centre x = 20.25 (the continuous φ_s ∗ Z evaluated there).',
    hint: 'upsampling is the identity in the continuous domain: F(Z) = Ш_2s ⊙ (φ_s ∗ Z) (Eq. 3.3). Evaluate φ_s ∗ Z with interpolateIdeal(Z, EX03_GRID, [x]) or your sum of Eq. (2.1).',
    check(a) {
      const Z = sampleDiracComb(ex03Signal, EX03_GRID);
      const expected = interpolateIdeal(Z, EX03_GRID, [20.25])[0];
      if (!near(a, expected, 1e-9)) {
        const hUp = firwin(24, 0.5, { width: 0.3, fs: 2 }).map((v) => v * 2);
        const up = upfirdn(hUp, Z, 2);
        // Fine sample j sits at 0.5 + (j − (n_h − 1)/2)/2 input units (notebook 03 §2).
        const j = Math.round((20.25 - 0.5) * 2 + (hUp.length - 1) / 2);
        if (near(a, up[j], 1e-6))
          return {
            ok: false,
            hint: 'close: that is the practical 24-tap Kaiser upsampler, an approximation of φ_s; the exercise asks for the ideal continuous counterpart.',
          };
        if (near(a, ex03Signal(20.25), 1e-9))
          return {
            ok: false,
            hint: 'that is the original z(20.25); the exercise asks for what the 64 samples determine (a finite sum, so slightly different).',
          };
      }
      return closeTo(a, expected, 1e-9, 'φ_s ∗ Z at x = 20.25');
    },
  },

  '04-lrelu-1': {
    task: 'the leaky ReLU of a 0.3 cycles/sample cosine at rate 1: where does its 2nd harmonic (0.6) appear, in [0, 0.5]?',
    hint: 'harmonics fold like any other frequency (notebook 01, Eq. 1.4): subtract the nearest multiple of the rate.',
    check(a) {
      const f = asNumber(a);
      if (typeof f === 'string') return { ok: false, hint: f + '.' };
      if (f < 0 || f > 0.5) return { ok: false, hint: `${f} is outside [0, 0.5].` };
      return sameSamples(f, 0.6, 1)
        ? { ok: true }
        : { ok: false, hint: `a cosine at ${f} gives other samples than one at 0.6.` };
    },
  },

  '04-m-1': {
    task: 'the smallest integer m for which the 4th harmonic of a 0.45 cycles/pixel component stays below m/2.',
    hint: 'the k-th harmonic of f lies at k·f cycles per (coarse) pixel; the temporary grid of rate m has Nyquist frequency m/2, and the condition is strict (notebook 04 §3, Eq. 4.3).',
    check(a) {
      const m = asNumber(a);
      if (typeof m === 'string') return { ok: false, hint: m + '.' };
      if (!Number.isInteger(m) || m < 1) return { ok: false, hint: `m is a positive integer, got ${m}.` };
      // At the temporary rate m the harmonic must keep its frequency (no folding), at m − 1 it must fold.
      const keeps = (rate: number) =>
        4 * 0.45 < rate / 2 && Math.abs(foldFrequency(4 * 0.45, rate) - 4 * 0.45) < 1e-12;
      if (!keeps(m))
        return {
          ok: false,
          hint: `too small: at m = ${m} the harmonic folds to ${foldFrequency(4 * 0.45, m).toFixed(2)}.`,
        };
      if (m > 1 && keeps(m - 1))
        return { ok: false, hint: `m = ${m} works, but it is not the smallest integer that does.` };
      return { ok: true };
    },
  },

  '05-jinc-1': {
    task: 'the first positive zero of jinc(x) = 2·J₁(πx)/(πx), to 4 decimals.',
    hint: 'jinc changes sign once between 1 and 1.5: bisect with the library’s jinc — halve the interval, keep the half where the sign changes — until it is shorter than 1e-5 (notebook 05 §2).',
    check(a) {
      // Bisection on the library's jinc: the sign change in [1, 1.5] is its first zero.
      let [lo, hi] = [1, 1.5];
      for (let i = 0; i < 60; i++) {
        const mid = (lo + hi) / 2;
        if (jinc(lo) * jinc(mid) <= 0) hi = mid;
        else lo = mid;
      }
      if (near(a, 1, 0))
        return { ok: false, hint: 'that is the first zero of sinc; jinc’s zeros are not at the integers.' };
      return closeTo(a, (lo + hi) / 2, 5e-5, 'the first zero of jinc');
    },
  },

  '05-diag-1': {
    task: 'the radial frequency of the corner (f_c, f_c) of a separable pass band with f_c = 0.25.',
    hint: 'the radial frequency of (f_x, f_y) is its distance from DC, √(f_x² + f_y²) (notebook 05 §4).',
    check: (a) => closeTo(a, Math.hypot(0.25, 0.25), 1e-6, 'the distance of the corner from DC'),
  },

  '05-rot-1': {
    task: 'a 3×3 kernel (9 numbers, row-major) that commutes with rotations by 90°, and is not just a 1×1 kernel (something off the centre).',
    hint: 'a kernel commutes with the 90° rotation of the pixel grid when it equals its own rotated copy: the four corners must agree, and so must the four edge centres (notebook 05 §5).',
    check(a) {
      const k = asMatrix(a);
      if (typeof k === 'string') return { ok: false, hint: k };
      if (k.every((v, i) => i === 4 || v === 0))
        return {
          ok: false,
          hint: 'that is a 1×1 kernel (only the centre is non-zero): trivially fine, but the exercise asks for a real 3×3 one.',
        };
      const r = rot90(k);
      const bad = k.map((v, i) => Math.abs(v - r[i]) > 1e-9);
      if (bad.some(Boolean)) {
        const corners = [0, 2, 6, 8].some((i) => bad[i]);
        return {
          ok: false,
          hint: `rotated by 90° your kernel changes: its ${corners ? 'corners' : 'edge centres'} are not all equal.`,
        };
      }
      return {
        ok: true,
        note: 'it commutes with 90° rotations of the grid, but not with 45°: §5 shows the error map.',
      };
    },
  },

  '06-disc-1': {
    task: 'the radius below which half of the Fourier-feature frequencies lie (bandwidth b = 2, uniform in the disc).',
    hint: 'uniform in a disc of radius b: P(|f| ≤ r) = (r/b)² (Eq. 6.3); solve (r/b)² = 1/2.',
    check(a) {
      // The bandwidth the generator's input layer actually uses (T, R: f_c,0 = 2).
      const b = computeGeometry(configAt('T', 64)).input.bandwidth;
      const r = asNumber(a);
      if (typeof r === 'number' && Math.abs(r - b / 2) < 1e-9)
        return { ok: false, hint: 'b/2 holds only a quarter of the disc area.' };
      return closeTo(a, b / Math.SQRT2, 1e-6, `the radius r with (r/b)² = 1/2`);
    },
  },

  '06-fade-1': {
    task: 'the amplitude a_c of a T input feature with |f| = 1.5 after a user transform diag(3, 3, 1) (zoom out by 3).',
    hint: "the transformed frequency is 3·|f|; then Eq. (6.5): a = clamp(1 − (|f'| − b)/(s₀/2 − b), 0, 1) with T's b = 2 and s₀ = 16.",
    check(a) {
      const { bandwidth: b, samplingRate: s0 } = computeGeometry(configAt('T', 64)).input;
      const f = 3 * 1.5;
      const expected = Math.min(Math.max(1 - (f - b) / (s0 / 2 - b), 0), 1);
      if (near(a, Math.min(Math.max(1 - (1.5 - b) / (s0 / 2 - b), 0), 1)))
        return { ok: false, hint: 'the zoom multiplies the frequency first; 1.5 itself is inside the band.' };
      return closeTo(a, expected, 1e-6, 'the faded amplitude');
    },
  },

  '06-learned-1': {
    task: 'the 9-number user transform U that reproduces a learned transform (rotation 30°, translation (0.1, 0.05)).',
    hint: 'the input layer composes M = R·T·U (Eq. 6.6: rotate, then translate, then the user transform); with a learned identity M = U.',
    check(a) {
      const u = asMatrix(a);
      if (typeof u === 'string') return { ok: false, hint: u };
      // R = [[c, −s, 0], [s, c, 0], [0, 0, 1]] is the library's rotationMatrix(−θ); T translates by −t.
      const R = rotationMatrix(-Math.PI / 6);
      const T = [1, 0, -0.1, 0, 1, -0.05, 0, 0, 1];
      const expected = mat3(R, T);
      if (maxDiff(u, expected) <= 1e-5) return { ok: true };
      if (maxDiff(u, mat3(T, R)) <= 1e-5)
        return {
          ok: false,
          hint: 'that is T·R: the learned rotation is applied first, then the translation.',
        };
      return { ok: false, hint: `[${u.map((v) => +v.toFixed(4)).join(', ')}] is not R·T.` };
    },
  },

  '07-crit-1': {
    task: 'the output cutoff f_c of a non-critical config-G layer with s = 32.',
    hint: 'G keeps the half-width f_h = (√2 − 1)·s/2 of E and F and moves the cutoff down so that the stopband f_c + f_h ends at s/2 (notebook 07 §1).',
    check(a) {
      const L = computeGeometry(configAt('G', 256, { ablation: true })).layers.find(
        (l) => l.outSamplingRate === 32 && !l.isCriticallySampled,
      )!;
      const f = asNumber(a);
      if (typeof f === 'number' && Math.abs(f - 16) < 1e-6)
        return { ok: false, hint: '16 = s/2 is the critical cutoff of configs E and F.' };
      return closeTo(a, L.outCutoff, 1e-4, "G's cutoff at s = 32");
    },
  },

  '07-tmp-1': {
    task: "the temporary sampling rate s' of the filtered nonlinearity in StyleGAN3-T's layer L3 at 256².",
    hint: "Eq. (7.5): s'[i] = max(s[i], s[i−1])·m with m = 2 — the nonlinearity runs at m times the finer of the layer's input and output rates.",
    check(a) {
      const L3 = computeGeometry(configAt('T', 256, { ablation: true })).layers[3];
      if (near(a, L3.outSamplingRate * 4, 0) || near(a, L3.inSamplingRate * 2, 0))
        return { ok: false, hint: 'use the larger of s[i−1] and s[i], times m = 2.' };
      return closeTo(a, L3.tmpSamplingRate, 0, "L3's temporary rate");
    },
  },

  '07-chan-1': {
    task: 'the channel count of config G at s = 64 (256², C_base = 2^14, C_max = 512).',
    hint: 'G counts channels from the cutoff, C = rint(min(C_base/(2·f_c), C_max)), with its non-critical f_c (exercise 07-crit-1).',
    check(a) {
      const L = computeGeometry(configAt('G', 256, { ablation: true })).layers.find(
        (l) => l.outSamplingRate === 64,
      )!;
      const c = asNumber(a);
      if (typeof c === 'number' && c === 256)
        return { ok: false, hint: '256 = C_base/s is the rule of configs D–F, C(s).' };
      if (typeof c === 'number' && !Number.isInteger(c))
        return { ok: false, hint: `a channel count is an integer (rint), got ${c}.` };
      return closeTo(a, L.outChannels, 0, "G's channel count at s = 64");
    },
  },

  '07-flex-1': {
    task: 'write schedule(sN) returning, for the 14 layers of StyleGAN3-T at output resolution sN, {s, fc, ft, fh} per layer (Eqs. 7.1–7.4).',
    hint: 'e = min(i/(N − N_crit), 1); f_c and f_t interpolate geometrically between their first and last values; s is the next power of two ≥ 2·f_t, capped at s_N; f_h = max(f_t, s/2) − f_c (notebook 07 §2).',
    check(a) {
      const fn = asFunction(a) as unknown as ((sN: number) => unknown) | string;
      if (typeof fn === 'string') return { ok: false, hint: fn + '.' };
      for (const sN of [64, 256, 1024]) {
        const layers = computeGeometry(configAt('T', sN)).layers.filter((l) => !l.isTorgb);
        const rows = fn(sN) as ScheduleRow[] | undefined;
        if (!Array.isArray(rows) || rows.length !== layers.length)
          return {
            ok: false,
            hint: `schedule(${sN}) must return an array of ${layers.length} rows, got ${Array.isArray(rows) ? rows.length : typeof rows}.`,
          };
        for (let i = 0; i < layers.length; i++) {
          const L = layers[i];
          const r = rows[i] ?? ({} as ScheduleRow);
          const fields: [keyof ScheduleRow, number, string][] = [
            ['fc', L.outCutoff, 'Eq. 7.1'],
            ['ft', L.outStopband, 'Eq. 7.2'],
            ['s', L.outSamplingRate, 'Eq. 7.3'],
            ['fh', L.outHalfWidth, 'Eq. 7.4'],
          ];
          for (const [key, want, eq] of fields) {
            const got = r[key];
            // 2·f_t can land exactly on a power of two (256²: layer 9); one ulp either side is fine there.
            const onBoundary = key === 's' && near(Math.log2(2 * L.outStopband) % 1, 0, 1e-12);
            if (onBoundary && (got === want || got === 2 * want || got === want / 2)) continue;
            if (key === 'fh' && onBoundary) continue;
            if (!near(got, want, 1e-9))
              return {
                ok: false,
                hint: `layer ${i} at s_N = ${sN}: your ${key} ${typeof got === 'number' ? (got > want ? 'is too high' : 'is too low') : `is ${String(got)}`} compared with layerInfo() (${eq}).`,
              };
          }
        }
      }
      return { ok: true, note: 'your schedule equals the generator’s at 64², 256² and 1024².' };
    },
  },

  '08-psnr-1': {
    task: 'the PSNR (dB, images in [−1, 1]) of pooled sums Σ mask·err² = 0.5 and Σ mask = 5000.',
    hint: 'Eq. (8.2): MSE = Σ mask·err² / Σ mask, then PSNR = 20·log10(I_max) − 10·log10(MSE) with I_max the width of the image range.',
    check(a) {
      const p = asNumber(a);
      if (typeof p === 'number' && Math.abs(p + 10 * Math.log10(0.5 / 5000)) < 1e-6)
        return { ok: false, hint: 'the peak value of the [−1, 1] range is I_max = 2, not 1.' };
      if (typeof p === 'number' && Math.abs(p - 20 * Math.log10(2) + 10 * Math.log10(0.5)) < 1e-6)
        return { ok: false, hint: 'pool first: divide Σ mask·err² by Σ mask before taking the logarithm.' };
      return closeTo(a, psnrFromMse(0.5 / 5000, 2), 1e-6, 'the pooled PSNR');
    },
  },

  '08-trans-1': {
    task: 'write translateInput(tx, ty) returning the 9-number user transform that moves the image by (tx, ty) canvas units.',
    hint: 'the user transform is the inverse of the image transform [[1, 0, tx], [0, 1, ty], [0, 0, 1]] (notebook 06 §3, Eq. 6.4).',
    check(a) {
      const fn = asFunction(a) as unknown as ((tx: number, ty: number) => unknown) | string;
      if (typeof fn === 'string') return { ok: false, hint: fn + '.' };
      for (const [tx, ty] of [
        [0.1, -0.05],
        [-0.125, 0.125],
        [0.03125, 0],
        [0, 0.2],
      ]) {
        const u = asMatrix(fn(tx, ty));
        if (typeof u === 'string') return { ok: false, hint: `translateInput(${tx}, ${ty}): ${u}` };
        // U must undo the image transform: U·A = identity.
        const A = [1, 0, tx, 0, 1, ty, 0, 0, 1];
        if (maxDiff(mat3(u, A), [1, 0, 0, 0, 1, 0, 0, 0, 1]) > 1e-9) {
          return {
            ok: false,
            hint: `translateInput(${tx}, ${ty}) = [${u.join(', ')}] is not the inverse of the image translation.`,
          };
        }
      }
      return { ok: true, note: 'the same matrix EQ-T and EQ-T_frac write into the input layer.' };
    },
  },

  '08-rot-1': {
    task: 'the 9-number user transform that EQ-R passes to rotate the image by α = 90°.',
    hint: 'EQ-R writes the inverse of the image rotation into the input layer; rotationMatrix(angle) from the signal library builds a rotation (notebook 08 §1).',
    check(a) {
      const u = asMatrix(a);
      if (typeof u === 'string') return { ok: false, hint: u };
      if (maxDiff(u, rotationMatrix(-Math.PI / 2)) <= 1e-6) return { ok: true };
      if (maxDiff(u, rotationMatrix(Math.PI / 2)) <= 1e-6)
        return {
          ok: false,
          hint: 'that is rotationMatrix(+α), the image transform itself, not its inverse.',
        };
      if (maxDiff(u, rotationMatrix(-90)) <= 1e-6 || maxDiff(u, rotationMatrix(90)) <= 1e-6)
        return { ok: false, hint: 'rotationMatrix takes radians, not degrees.' };
      return { ok: false, hint: `[${u.map((v) => +v.toFixed(4)).join(', ')}] is not a rotation by −90°.` };
    },
  },

  '10-noise-1': {
    task: 'at 64² the input of config B moves by t = 5/64 canvas units: by how many pixels does a layer’s noise image move?',
    hint: 'ask what the noise image is a function of: a canvas position that the user transform moves, or a pixel index (notebook 10 §3)?',
    check(a) {
      const n = asNumber(a);
      if (typeof n === 'string') return { ok: false, hint: n + '.' };
      if (n === 5)
        return {
          ok: false,
          hint: 'that is how far the content moves; the noise is not part of the content.',
        };
      // The noise buffers are indexed by pixel: they do not move with the input at all.
      return closeTo(n, 0, 0, 'the move of a per-pixel noise image');
    },
  },

  '09-move-1': {
    task: 'the input of StyleGAN3-T at 64² moves by t = 3/64 canvas units: by how many pixels does the feature map of layer L5 move?',
    hint: 'a map with sampling rate s has s pixels per canvas unit — margins add pixels, not resolution (notebook 09 §1; rates in layerInfo()).',
    check(a) {
      const L5 = computeGeometry(configAt('T', 64, { ablation: true })).layers[5];
      const t = 3 / 64;
      if (near(a, t * L5.outSize, 1e-9) && L5.outSize !== L5.outSamplingRate)
        return { ok: false, hint: 'that counts the margins: only the canvas (s pixels) spans one unit.' };
      if (near(a, t * 64, 1e-9) && L5.outSamplingRate !== 64)
        return { ok: false, hint: 'that is the move in output pixels; L5 has its own sampling rate.' };
      return closeTo(a, t * L5.outSamplingRate, 1e-9, 'the move of L5 in its own pixels');
    },
  },
};

/** 9 finite numbers (a 3×3 matrix row-major, or its 3 rows), or a message saying what is wrong. */
function asMatrix(answer: unknown): number[] | string {
  const flat =
    Array.isArray(answer) && answer.length === 3 && answer.every((r) => Array.isArray(r))
      ? (answer as unknown[][]).flat()
      : answer && typeof (answer as ArrayLike<unknown>).length === 'number'
        ? Array.from(answer as ArrayLike<unknown>)
        : null;
  if (!flat || flat.length !== 9) return `expected 9 numbers (3×3 row-major), got ${String(answer)}.`;
  if (!flat.every((v) => typeof v === 'number' && Number.isFinite(v))) return 'expected 9 finite numbers.';
  return flat as number[];
}

/** Row-major 3×3 product a·b. */
function mat3(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const o = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) o[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j];
  return o;
}

/** Largest absolute element difference of two 9-number matrices. */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < 9; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Apparent frequency in [0, fs/2] of a cosine at `f` sampled at `fs`. */
function foldFrequency(f: number, fs: number): number {
  return Math.abs(f - fs * Math.round(f / fs));
}

/** The Nyquist frequency after downsampling a rate-`fs` signal by `down`. */
function foldLimit(fs: number, down: number): number {
  return fs / down / 2;
}
